// The Cognito admin-API client for one user pool: per-quota-category rate limiting shared fairly between tenants, retries with backoff, and 503 + Retry-After when the budget is spent.
import { AsyncLocalStorage } from 'node:async_hooks'
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  type AttributeType
} from '@aws-sdk/client-cognito-identity-provider'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { FinalizeRequestHandlerOptions, FinalizeRequestMiddleware, Pluggable } from '@smithy/types'
import { awsClientOptions } from '../aws.js'
import type { Config } from '../config.js'
import { ServiceUnavailableError } from '../domain/errors.js'
import { createRateLimiter, RateLimitExceeded, type RateLimiter } from './pacing.js'
import { createCognitoBudget, type CognitoBudget } from '../limits/cognito-budget.js'
import type { LimitStore } from '../limits/store.js'
import { identityProviderOperations, PROVIDER_CATEGORIES, PROVIDER_RATES } from './identity-providers.js'
import { SESSION_CATEGORIES, SESSION_RATES, sessionTokenOperations } from './session-tokens.js'

/**
 * Cognito's admin API quota categories (per account and region; requests per second).
 * https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#category_operations
 */
export type QuotaCategory = 'userCreation' | 'userUpdate' | 'userRead' | 'providerUpdate' | 'providerRead' | 'userFederation' | 'userAuthentication'
const CATEGORY_OF: Record<string, QuotaCategory> = {
  AdminCreateUserCommand: 'userCreation',
  AdminAddUserToGroupCommand: 'userUpdate',
  AdminRemoveUserFromGroupCommand: 'userUpdate',
  AdminDisableUserCommand: 'userUpdate',
  AdminEnableUserCommand: 'userUpdate',
  AdminUserGlobalSignOutCommand: 'userUpdate',
  AdminDeleteUserCommand: 'userUpdate',
  AdminUpdateUserAttributesCommand: 'userUpdate',
  AdminSetUserPasswordCommand: 'userUpdate',
  AdminGetUserCommand: 'userRead',
  AdminListGroupsForUserCommand: 'userRead',
  ListUsersCommand: 'userRead',
  ...PROVIDER_CATEGORIES,
  ...SESSION_CATEGORIES
}
export const RATE_LIMIT_MIDDLEWARE = 'cognitoRateLimit'
/** The rate-limit key of calls made on no tenant's behalf (operator paths: platform-admin checks); tenant ids are never empty. */
const NO_TENANT = ''
/**
 * Whose turn a call takes in the category's limiter. The limiter runs as SDK middleware below the retries (so every
 * attempt takes a slot), where only the async context can tell which tenant the call is for.
 */
const callerTenant = new AsyncLocalStorage<string>()
/** Extra window length, so that event-loop delay between the limiter and the wire never squeezes N+1 calls into 1 s. */
const WINDOW_GUARD_MS = 20

/** A 503 problem that carries Retry-After (src/http/problem.ts sends an error's `headers`). */
function cognitoBusy (retryAfterSeconds: number) {
  return Object.assign(new ServiceUnavailableError('The identity service is busy; retry later'), { headers: { 'Retry-After': String(retryAfterSeconds) } })
}

const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'RequestLimitExceeded'])
const isThrottling = (err: unknown) => THROTTLING.has((err as Error)?.name) || (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 429

export type CognitoUserStatus = 'FORCE_CHANGE_PASSWORD' | 'CONFIRMED' | 'RESET_REQUIRED' | 'UNCONFIRMED' | 'ARCHIVED' | 'COMPROMISED' | 'UNKNOWN' | 'EXTERNAL_PROVIDER' | string
export interface CognitoUser {
  /** The user's sub: the id the API uses everywhere. */
  userId: string
  /** Cognito's Username (with email as username attribute, a generated id; cognito-local sets it to the sub). */
  username: string
  email?: string
  /** email_verified: only an address proven (or set by an admin invite) may be adopted by an invite. */
  emailVerified: boolean
  tenantId?: string
  status: CognitoUserStatus
  enabled: boolean
}

function toUser (username: string | undefined, attrs: AttributeType[] | undefined, status: string | undefined, enabled: boolean | undefined): CognitoUser {
  const attr = (name: string) => attrs?.find(a => a.Name === name)?.Value
  if (!username) throw new Error('Cognito returned a user without a Username')
  return { userId: attr('sub') ?? username, username, email: attr('email'), emailVerified: attr('email_verified') === 'true', tenantId: attr('custom:tenant_id'), status: status ?? 'UNKNOWN', enabled: enabled ?? true }
}

export interface UserPoolClientDeps {
  /** An existing client (tests, scripts); it is then not destroyed by close(). */
  client?: CognitoIdentityProviderClient
  /** Requests per second per category; default from config. */
  rates?: Partial<Record<QuotaCategory, number>>
  /** Default COGNITO_MAX_WAIT_MS. A batch job may accept longer waits than an HTTP request. */
  maxWaitMs?: number
  /**
   * Where every instance counts each category's per-second budget (src/limits/cognito-budget.ts). Without one, only
   * this process's pacing applies: the budget then holds per process, not per account.
   */
  limitStore?: LimitStore
  /** Told when the limit store fails (the budget falls back to this process's pacing for a second). */
  onLimitStoreError?: (err: unknown) => void
}

/** The admin operations the API uses, against one user pool, behind the rate limiter. */
export function createUserPoolClient (config: Config, deps: UserPoolClientDeps = {}) {
  const client = deps.client ?? new CognitoIdentityProviderClient({
    ...awsClientOptions(config, config.COGNITO_ENDPOINT),
    // Throttling is retried with the SDK's backoff (base 500 ms for throttling errors). 'adaptive' adds the SDK's own
    // token bucket, whose waits are not bounded by COGNITO_MAX_WAIT_MS; standard is the default for that reason.
    retryMode: config.COGNITO_RETRY_MODE,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 5000, throwOnRequestTimeout: true })
  })
  const maxWaitMs = deps.maxWaitMs ?? config.COGNITO_MAX_WAIT_MS
  const rates: Record<QuotaCategory, number> = {
    userCreation: deps.rates?.userCreation ?? config.COGNITO_CREATE_USER_RPS,
    userUpdate: deps.rates?.userUpdate ?? config.COGNITO_USER_UPDATE_RPS,
    userRead: deps.rates?.userRead ?? config.COGNITO_USER_READ_RPS,
    providerUpdate: deps.rates?.providerUpdate ?? PROVIDER_RATES.providerUpdate,
    providerRead: deps.rates?.providerRead ?? PROVIDER_RATES.providerRead,
    userFederation: deps.rates?.userFederation ?? PROVIDER_RATES.userFederation,
    userAuthentication: deps.rates?.userAuthentication ?? SESSION_RATES.userAuthentication
  }
  const limiters = Object.fromEntries(Object.entries(rates).map(([category, limit]) =>
    [category, createRateLimiter({ limit, maxWaitMs, windowMs: 1000 + WINDOW_GUARD_MS })])) as Record<QuotaCategory, RateLimiter>

  const store = deps.limitStore
  const budgets = store === undefined
    ? undefined
    : Object.fromEntries(Object.entries(rates).map(([category, perSecond]) =>
      [category, createCognitoBudget({ store, category, perSecond, onStoreError: deps.onLimitStoreError })])) as Record<QuotaCategory, CognitoBudget>

  // Below the retry middleware: every attempt, retries included, takes a slot, since every attempt counts against the
  // quota. First this instance's turn among its tenants, then the account's budget shared by every instance, both
  // within one wait of at most maxWaitMs.
  const pace = async (category: QuotaCategory) => {
    const deadline = Date.now() + maxWaitMs
    const tenant = callerTenant.getStore() ?? NO_TENANT
    await limiters[category].acquire(tenant)
    await budgets?.[category].acquire(tenant, deadline)
  }
  const rateLimit: FinalizeRequestMiddleware<object, object> = (next, context) => async (args) => {
    await pace(CATEGORY_OF[context.commandName ?? ''] ?? 'userRead')
    return await next(args)
  }
  const options: FinalizeRequestHandlerOptions & { relation: 'after', toMiddleware: string } = { step: 'finalizeRequest', name: RATE_LIMIT_MIDDLEWARE, relation: 'after', toMiddleware: 'retryMiddleware', override: true }
  const plugin: Pluggable<object, object> = { applyToStack: stack => stack.addRelativeTo(rateLimit as never, options) }
  client.middlewareStack.use(plugin as never)

  const userPoolId = config.COGNITO_USER_POOL_ID

  /** Sends a command; a spent budget (no slot within maxWaitMs, or throttled through every retry) becomes 503 + Retry-After. */
  async function send<T> (tenant: string, call: () => Promise<T>): Promise<T> {
    try {
      return await callerTenant.run(tenant, call)
    } catch (err) {
      if (err instanceof RateLimitExceeded) throw cognitoBusy(err.retryAfterSeconds)
      if (isThrottling(err)) throw cognitoBusy(1)
      throw err
    }
  }

  /** The operations, each call taking `tenant`'s turn in its category's limiter. */
  const operations = (tenant: string) => ({
    ...identityProviderOperations(client, userPoolId, call => send(tenant, call)),
    ...sessionTokenOperations(client, call => send(tenant, call), call => send(tenant, async () => { await pace('userAuthentication'); return await call() })),
    /** AdminCreateUser: the invitation (Cognito emails a temporary password). Throws UsernameExistsException when taken. */
    async createUser (input: { email: string, tenantId: string }): Promise<CognitoUser> {
      const res = await send(tenant, () => client.send(new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: input.email,
        UserAttributes: [
          { Name: 'email', Value: input.email },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:tenant_id', Value: input.tenantId }
        ],
        DesiredDeliveryMediums: ['EMAIL']
      })))
      return toUser(res.User?.Username, res.User?.Attributes, res.User?.UserStatus, res.User?.Enabled)
    },

    /** Resends the invitation; Cognito answers UnsupportedUserStateException once the user has signed in. */
    async resendInvitation (username: string): Promise<void> {
      await send(tenant, () => client.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: username, MessageAction: 'RESEND', DesiredDeliveryMediums: ['EMAIL'] })))
    },

    /** AdminGetUser; null when there is no such user. */
    async getUser (username: string): Promise<CognitoUser | null> {
      try {
        const res = await send(tenant, () => client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username })))
        return toUser(res.Username, res.UserAttributes, res.UserStatus, res.Enabled)
      } catch (err) {
        if ((err as Error).name === 'UserNotFoundException') return null
        throw err
      }
    },

    /** AdminListGroupsForUser, every page: the user's groups as Cognito holds them now (not as a token remembers them). */
    async listGroups (username: string): Promise<string[]> {
      const groups: string[] = []
      let NextToken: string | undefined
      do {
        const res = await send(tenant, () => client.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: username, NextToken })))
        for (const g of res.Groups ?? []) if (g.GroupName) groups.push(g.GroupName)
        NextToken = res.NextToken
      } while (NextToken)
      return groups
    },

    async disableUser (username: string): Promise<void> {
      await send(tenant, () => client.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: username })))
    },

    async enableUser (username: string): Promise<void> {
      await send(tenant, () => client.send(new AdminEnableUserCommand({ UserPoolId: userPoolId, Username: username })))
    },

    /** Revokes the user's refresh tokens (and the access tokens issued from them). */
    async globalSignOut (username: string): Promise<void> {
      await send(tenant, () => client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: userPoolId, Username: username })))
    },

    /** AdminDeleteUser; a user already gone counts as deleted, so a retried removal completes. */
    async deleteUser (username: string): Promise<void> {
      try {
        await send(tenant, () => client.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username })))
      } catch (err) {
        if ((err as Error).name !== 'UserNotFoundException') throw err
      }
    }
  })

  return {
    client,
    userPoolId,
    /** Calls on no tenant's behalf (operators): their own turn, so no tenant's burst blocks them. */
    ...operations(NO_TENANT),
    /** The same operations on behalf of a tenant: its burst delays (or 503s) its own calls, not other tenants'. */
    forTenant (tenantId: string) {
      if (!tenantId) throw new Error('forTenant needs a tenant id')
      return operations(tenantId)
    },

    close () {
      if (!deps.client) client.destroy()
    }
  }
}
export type UserPoolClient = ReturnType<typeof createUserPoolClient>
export type TenantUserPoolClient = ReturnType<UserPoolClient['forTenant']>
