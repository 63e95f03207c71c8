// One error handler: every error, the framework's included, leaves as RFC 9457 application/problem+json (src/http/problem.ts).
import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { problem, sendProblem, toProblem, type HttpErrorExtras } from '../src/http/problem.js'

export default fp(async function errors (app) {
  app.setErrorHandler(function (err: FastifyError & HttpErrorExtras, request, reply) {
    const p = toProblem(err, request)
    if (p.status >= 500) request.log.error({ err }, 'request failed')
    // A 4xx is the caller's mistake, and the access line already records its status: its detail is for debugging.
    else request.log.debug({ code: err.code, status: p.status }, err.message)
    return sendProblem(reply, p, p.code === 'APP_DEPENDENCY_UNAVAILABLE' ? { 'retry-after': '1', ...err.headers } : err.headers)
  })
  app.setNotFoundHandler(function (request, reply) {
    return sendProblem(reply, problem(404, `Route ${request.method} ${request.url.split('?')[0]} not found`))
  })
}, { name: 'errors' })
