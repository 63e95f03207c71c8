// Wires once: decorates the app with the repositories the routes read (app.repos) and the services the user, tenant and invitation routes call (app.services).
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../src/config.js'
import { createTenantUsers } from '../src/services/users/index.js'
import { createInvitations } from '../src/services/invitations.js'
import { createTenantOnboarding } from '../src/services/tenant-onboarding.js'
import { createDomains, dnsTxtLookup } from '../src/services/domains.js'
import { resourceRepositories } from '../routes/resources.js'
import { createSsoConnections } from '../src/services/sso/connections.js'
import { createSsoEnforcement } from '../src/services/sso/enforcement.js'
import { auditRepository } from '../src/repositories/audit.js'
import { profilesRepository } from '../src/repositories/profiles.js'
import type { Dynamo } from '../src/dynamodb/client.js'
import { inboxFileMailer, logMailer, type Mailer } from '../src/notify/mailer.js'
import { sesMailer } from '../src/notify/ses.js'
import { invitationNotices } from '../src/notify/invitation-notices.js'
import { createSessions } from '../src/session/sessions.js'
import { sessionsRepository } from '../src/repositories/sessions.js'

/** Every tenant-scoped resource's repository (routes/resources.ts), and the audit trail and profiles that routes read. */
function buildRepositories (dynamo: Dynamo) {
  return { ...resourceRepositories(dynamo), audit: auditRepository(dynamo), profiles: profilesRepository(dynamo) }
}

/** Where the API's own messages go: SES with a sender, the dev stack's inbox file locally, else the log. */
function buildMailer (app: FastifyInstance, config: Config): Mailer {
  if (config.MAIL_INBOX_FILE !== undefined) return inboxFileMailer(config.MAIL_INBOX_FILE, app.log)
  if (config.MAIL_FROM === undefined) return logMailer(app.log)
  const ses = sesMailer({ from: config.MAIL_FROM, region: config.MAIL_REGION ?? config.AWS_REGION, maxAttempts: config.AWS_MAX_ATTEMPTS })
  app.addHook('onClose', async () => { ses.close() })
  return ses
}

function buildServices (app: FastifyInstance, config: Config, mailer: Mailer) {
  const notices = invitationNotices({ mailer, consoleUrl: config.CONSOLE_URL, log: app.log })
  // plugins/tenant caches resolved memberships: a revocation evicts on this instance at once (others within the TTL).
  const evictMembership = (userId: string) => app.tenantCache.evict(userId)
  const tenantUsers = createTenantUsers({ dynamo: app.dynamo, cognito: app.cognito, evictMembership, invitationTtlSeconds: config.INVITATION_TTL_SECONDS, notices })
  return {
    tenantUsers,
    invitations: createInvitations({ dynamo: app.dynamo, tenantUsers, cognito: app.cognito, evictMembership }),
    domains: createDomains({
      dynamo: app.dynamo,
      lookupTxt: dnsTxtLookup(config.DNS_SERVERS === '' ? [] : config.DNS_SERVERS.split(',')),
      claimTtlSeconds: config.DOMAIN_CLAIM_TTL_SECONDS
    }),
    // A suspension takes effect at once on this instance (others within the TTL).
    onboarding: createTenantOnboarding({ dynamo: app.dynamo, tenantUsers, evictTenant: tenantId => app.tenantCache.evictTenant(tenantId) }),
    sso: createSsoConnections({
      dynamo: app.dynamo,
      cognito: app.cognito,
      clientId: config.COGNITO_SSO_CLIENT_ID ?? config.cognitoClientIds[0] ?? '',
      allowPrivateUrls: config.SSO_ALLOW_PRIVATE_URLS,
      loginDomain: config.COGNITO_DOMAIN
    }),
    ssoEnforcement: createSsoEnforcement({ dynamo: app.dynamo, cognito: app.cognito }),
    // The console's sessions, with the console's app client: the first of COGNITO_CLIENT_IDS.
    sessions: createSessions({
      repo: sessionsRepository(app.dynamo),
      cognito: app.cognito,
      clientId: config.cognitoClientIds[0] ?? '',
      loginUrl: config.loginUrl,
      ttlSeconds: config.SESSION_TTL_SECONDS,
      log: app.log
    })
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    services: ReturnType<typeof buildServices>
    /** The repositories routes call, e.g. app.repos.projects. */
    repos: ReturnType<typeof buildRepositories>
  }
}

export default fp<{ config: Config, mailer?: Mailer }>(async function services (app, opts) {
  app.decorate('repos', buildRepositories(app.dynamo))
  app.decorate('services', buildServices(app, opts.config, opts.mailer ?? buildMailer(app, opts.config)))
}, { name: 'services', dependencies: ['dynamodb', 'cognito', 'tenant'] })
