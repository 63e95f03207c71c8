// Request log bindings: every later log line of a request names its user and tenant.
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Adds bindings to every later log line of the request. pino's setBindings extends the request's own child logger in
 * place (Fastify makes one per request), which costs a fraction of a new child (and its copy of the parent's state);
 * a logger without it (a custom one) gets a child instead.
 */
export function bindLog (request: FastifyRequest, reply: FastifyReply, bindings: Record<string, string>) {
  const log = request.log as FastifyRequest['log'] & { setBindings?: (b: Record<string, string>) => void }
  // Only ever in place on a logger of this request: never on the server's own (a custom childLoggerFactory could hand
  // that out), or the bindings would stick to every later line of every request.
  if (typeof log.setBindings === 'function' && log !== request.server.log) {
    log.setBindings(bindings)
    return
  }
  const child = log.child(bindings)
  request.log = child
  reply.log = child
}

/** Query parameters that carry credentials (RFC 6750 §2.3 access_token, OAuth/OIDC id_token and code, a bare token). */
const CREDENTIAL_PARAMS = new Set(['access_token', 'id_token', 'token', 'code'])

function paramName (raw: string): string {
  const name = raw.replace(/\+/g, ' ')
  try { return decodeURIComponent(name).toLowerCase() } catch { return name.toLowerCase() }
}

/**
 * The URL with the values of credential query parameters replaced, for log lines. The API never reads a token from
 * the query string, but a client that sends one there must not have it written to the logs by the request line. Names
 * are compared decoded and case-insensitively (`Access%5FToken=` counts), so no spelling slips through.
 */
export function redactUrl (url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const query = url.slice(q + 1)
  let changed = false
  const parts = query.split('&').map(part => {
    const eq = part.indexOf('=')
    const name = eq === -1 ? part : part.slice(0, eq)
    if (!CREDENTIAL_PARAMS.has(paramName(name))) return part
    changed = true
    return `${name}=[redacted]`
  })
  return changed ? `${url.slice(0, q)}?${parts.join('&')}` : url
}
