// One access line per request: Fastify's LogController, with its "incoming request" line dropped and its completion line
// carrying what an operator looks for. The request's logger already binds reqId, userId and tenantId (src/http/log.ts).
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/**
 * Fastify writes two lines per request by default ("incoming request", "request completed"), each through its req/res
 * serializers, and the first holds the whole URL with its query string (where a misplaced access_token would sit).
 * This writes one line after the response: method, route pattern (the path only when no route matched, without its
 * query string), status and latency in ms; the bindings add reqId, userId and tenantId.
 */
export class AccessLogController extends LogController {
  override incomingRequest (): void {}

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    writeAccessLine(error, request, reply)
  }
}

/**
 * The access line. Also written by the app's frameworkErrors handler: a request the router refuses (a malformed URL)
 * never reaches the controller, and would otherwise leave no line at all.
 */
export function writeAccessLine (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
  // At warn and above (as shipped) a served request writes nothing: do not build the line for nobody.
  if (!error && (reply.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('info') === false) return
  const route = request.routeOptions?.url
  const line = {
    method: request.method,
    ...(route !== undefined ? { route } : { path: pathOf(request.url) }),
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 100) / 100
  }
  if (error) reply.log.error({ ...line, err: error }, 'request errored')
  else reply.log.info(line, 'request')
}

function pathOf (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}
