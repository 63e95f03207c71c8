// Cognito pre token generation (V2) trigger: puts the person's tenant for this session into the access token as custom:tenant_id.
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { ID_REGEX } from '../../domain/model.js'
import { usability } from '../../domain/membership.js'
import { mintTenantScope } from '../../domain/tenant-scope.js'
import { membershipReads } from '../../repositories/memberships.js'
import { domainJoining } from '../../services/users/domain-join.js'
import { profilesRepository } from '../../repositories/profiles.js'
import { TENANT_ATTRIBUTE } from './pre-sign-up.js'
import { ssoJoining } from '../../services/users/sso-join.js'
import { federatedProviders } from './federation.js'

export interface PreTokenGenerationDeps {
  dynamo: DynamoDBDocumentClient
  tableName: string
  now?: () => number
}

/** What a client may send in ClientMetadata (InitiateAuth, including a refresh) to ask for another tenant. */
export const TENANT_METADATA_KEY = 'tenant_id'

/**
 * Access tokens carry no custom attributes unless a V2 trigger adds them
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html).
 * The tenant, in this order: the one the client asks for in ClientMetadata.tenant_id, the default set with
 * PUT /me/default-tenant, the home tenant (the immutable custom:tenant_id of an invited account); the first that a
 * usable membership confirms. None confirmed (a platform admin, a self-signed-up person before their tenant exists):
 * no claim, and the API picks the only usable membership or asks for X-Tenant-Id. The API confirms the claim again on
 * every request, so a claim that goes stale (a membership removed within the token's hour) opens nothing.
 */
export function createPreTokenGenerationHandler ({ dynamo, tableName, now = Date.now }: PreTokenGenerationDeps) {
  const memberships = membershipReads({ doc: dynamo, tableName })
  const joining = domainJoining({ dynamo: { doc: dynamo, tableName } })
  const profiles = profilesRepository({ doc: dynamo, tableName })
  const sso = ssoJoining({ dynamo: { doc: dynamo, tableName } })

  /** Whether the person may act in the tenant: a membership that a request would accept. */
  async function usableIn (userId: string, tenantId: string): Promise<boolean> {
    if (!ID_REGEX.test(tenantId)) return false
    // The trigger acts for the person Cognito authenticated: a scope of a tenant they name, used only to read their own membership.
    const m = await memberships.get(mintTenantScope(tenantId), userId, { consistent: true })
    const state = m ? usability(m, now()) : 'unusable'
    return state === 'usable' || state === 'accepts'
  }

  return async function preTokenGeneration (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> {
    const attributes = event.request.userAttributes
    const sub = attributes.sub ?? event.userName
    const home = attributes[TENANT_ATTRIBUTE]
    // A verified address whose domain's policy is join: the person becomes a member now (idempotent).
    if (attributes.email !== undefined) await joining.onSignIn({ userId: sub, username: event.userName, email: attributes.email, emailVerified: attributes.email_verified === 'true' })
    // Just in time: a sign-in through a tenant's identity provider (a federated user, or a native one linked to it) at
    // a domain that tenant verified makes the person its member, here rather than in post confirmation because this
    // runs at every sign-in (a connection added later still applies) and before the token names the tenant.
    if (attributes.email !== undefined) {
      for (const provider of federatedProviders(attributes, event.userName)) await sso.onFederatedSignIn({ userId: sub, username: event.userName, email: attributes.email }, provider)
    }
    const asked = (event.request as { clientMetadata?: Record<string, string> }).clientMetadata?.[TENANT_METADATA_KEY]
    const candidates = async function * () {
      if (asked !== undefined && asked !== '') yield asked
      const profile = await profiles.get(sub)
      if (profile?.defaultTenantId !== undefined) yield profile.defaultTenantId
      if (home !== undefined && home !== '') yield home
    }
    let tenantId: string | undefined
    const tried = new Set<string>()
    for await (const candidate of candidates()) {
      if (tried.has(candidate)) continue
      tried.add(candidate)
      if (await usableIn(sub, candidate)) { tenantId = candidate; break }
    }
    if (tenantId === undefined) return event

    const details = event.response.claimsAndScopeOverrideDetails ?? {}
    details.accessTokenGeneration = {
      ...details.accessTokenGeneration,
      claimsToAddOrOverride: { ...details.accessTokenGeneration?.claimsToAddOrOverride, [TENANT_ATTRIBUTE]: tenantId }
    }
    // The ID token carries the home tenant as the attribute; when this session's tenant differs, it says so too.
    if (tenantId !== home) {
      details.idTokenGeneration = {
        ...details.idTokenGeneration,
        claimsToAddOrOverride: { ...details.idTokenGeneration?.claimsToAddOrOverride, [TENANT_ATTRIBUTE]: tenantId }
      }
    }
    event.response.claimsAndScopeOverrideDetails = details
    return event
  }
}
