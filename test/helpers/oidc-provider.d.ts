// The little of oidc-provider's API the federation tests use (the package ships no types; @types/oidc-provider lags).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'
  interface Account { accountId: string, claims: () => Promise<Record<string, unknown>> }
  interface Configuration {
    clients: Array<Record<string, unknown>>
    claims?: Record<string, string[]>
    features?: Record<string, unknown>
    findAccount: (ctx: unknown, sub: string) => Promise<Account | undefined>
  }
  export default class Provider {
    constructor (issuer: string, configuration: Configuration)
    on (event: string, listener: (...args: unknown[]) => void): this
    callback (): (req: IncomingMessage, res: ServerResponse) => void
  }
}
