// Cross-site request forgery defence of the session routes, in three layers: the cookie's SameSite=Strict, the Origin
// checked against the console's origins (CORS_ORIGINS), and a custom header that a cross-site form or image cannot send
// and a cross-site script cannot send without a CORS preflight, which the API never grants for it.
// https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html

/** The header the console sends with every session request (value "1"). */
export const SESSION_HEADER = 'x-console-session'

/** Why a session request is refused, or null when it may proceed. */
export function sameSiteRefusal (headers: Record<string, string | string[] | undefined>, allowedOrigins: readonly string[]): string | null {
  const origin = headers.origin
  if (typeof origin !== 'string' || origin === '') return 'A session request must name its Origin'
  if (!allowedOrigins.some(o => o.replace(/\/+$/, '') === origin)) return 'This origin may not use the console session'
  if (headers[SESSION_HEADER] !== '1') return `A session request must send ${SESSION_HEADER}: 1`
  // Fetch metadata, where the browser sends it: the console calls its session on its own origin.
  const site = headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') return 'A session request must come from the console\'s own origin'
  return null
}
