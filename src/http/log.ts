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
