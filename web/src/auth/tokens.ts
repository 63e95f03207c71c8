// Tokens as the console holds them (in memory only) and the few claims it reads. No signature check: the API verifies.

export interface Tokens {
  accessToken: string
  idToken: string
  /** Only in Cognito's answer to a password sign-in, on its way to the API's session (bff.ts); never kept by the page. */
  refreshToken?: string
  /** Epoch ms when the access token expires (its `exp`: cognito-local sends no ExpiresIn on refresh). */
  expiresAt: number
}

/** The payload of a JWT, unverified; {} when it is not one. */
export function jwtClaims (token: string): Record<string, unknown> {
  const part = token.split('.')[1]
  if (part === undefined) return {}
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=')
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0))
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as unknown
    return typeof claims === 'object' && claims !== null ? claims as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

/** Builds Tokens from Cognito's answer (token endpoint or InitiateAuth), taking the expiry from the access token. */
export function tokensFrom (access: string, id: string, refresh: string | undefined, nowMs = Date.now()): Tokens {
  const exp = jwtClaims(access).exp
  const expiresAt = typeof exp === 'number' ? exp * 1000 : nowMs + 3600_000
  return { accessToken: access, idToken: id, ...(refresh ? { refreshToken: refresh } : {}), expiresAt }
}

/** The user pool groups named in the token (`cognito:groups`). */
export function tokenGroups (token: string): string[] {
  const groups = jwtClaims(token)['cognito:groups']
  return Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : []
}

/** When to renew: a minute before expiry (at most half the remaining lifetime for short tokens), never in the past. */
export function renewDelayMs (tokens: Tokens, nowMs = Date.now()): number {
  const left = tokens.expiresAt - nowMs
  return Math.max(0, left - Math.min(60_000, left / 2))
}
