// RFC 9457 problem details: the one shape of every error answer, its response schema, and the mapping from errors to it.
import { PATTERN_REASONS } from '../domain/tenant-name.js'
import { TransactionCancelled } from '../repositories/transact.js'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { Type } from 'typebox'

export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  code?: string
  instance?: string
  errors?: Array<{ path: string, message: string }>
}

/** The response schema of a problem, for route schemas and the OpenAPI document. */
export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() })))
}, { description: 'RFC 9457 problem details' })

/** { [status]: ProblemSchema } for each status, to complete a route's response schemas. */
export function problemResponses<const S extends readonly number[]> (...statuses: S) {
  return Object.fromEntries(statuses.map(s => [s, ProblemSchema])) as { [K in S[number]]: typeof ProblemSchema }
}

/**
 * Errors may carry response headers (WWW-Authenticate, Retry-After) to send with the problem, and, for a 4xx, the
 * problem's `errors` (what was found where, for the caller to act on).
 */
export interface HttpErrorExtras { headers?: Record<string, string>, problemErrors?: Array<{ path: string, message: string }> }

export function problem (status: number, detail?: string, extra: Partial<Problem> = {}): Problem {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, ...(detail ? { detail } : {}), ...extra }
}

export function sendProblem (reply: FastifyReply, p: Problem, headers?: Record<string, string>) {
  if (headers) reply.headers(headers)
  return reply.code(p.status).type('application/problem+json; charset=utf-8').send(p)
}

/**
 * The raw HTTP answer to a request Node's parser refused before Fastify saw it (headers too large, timeout, garbage):
 * the same problem+json as every other error, where Fastify's default writes plain JSON. `Connection: close`: the
 * stream cannot be trusted to continue after a parse error.
 */
export function clientErrorResponse (err: { code?: string }): string {
  const [status, detail] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'The request headers are too large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'The request took too long to arrive'] : [400, 'The request could not be parsed']
  const body = JSON.stringify(problem(status, detail))
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'TooManyRequestsException', 'LimitExceededException'])
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'])

/**
 * DynamoDB or Cognito down, unreachable or throttling after the SDK's own retries: the client should retry later (503 +
 * Retry-After), which is not the same as a bug of ours (500). Nothing was half-written: every multi-step operation
 * is ordered so that a retry completes it.
 */
export function isDependencyUnavailable (err: unknown): boolean {
  const e = err as { $metadata?: unknown, $fault?: string, $retryable?: unknown, name?: string, code?: string } | null
  if (e === null || typeof e !== 'object') return false
  if (typeof e.code === 'string' && NETWORK.has(e.code)) return true
  if (e instanceof TransactionCancelled) return e.retryable
  if (e.name === 'TimeoutError') return true
  if (e.$metadata === undefined) return false
  return e.$fault === 'server' || Boolean(e.$retryable) || THROTTLING.has(e.name ?? '')
}

type ValidationError = NonNullable<FastifyError['validation']>[number]

const listValues = (values: readonly unknown[]) => values.map(v => JSON.stringify(v)).join(', ')

/**
 * ajv's errors as a client can act on them. A union of literals (TypeBox's shape for a status) fails as one "must be
 * equal to constant" per branch plus "must match a schema in anyOf", none naming a value: collapsed into one error
 * listing the allowed values. An unknown property and an enum name what they refuse or allow.
 */
export function validationErrors (list: readonly ValidationError[], context: string): Array<{ path: string, message: string }> {
  const consumed = new Set<ValidationError>()
  const collapsed = new Map<ValidationError, string>()
  for (const e of list) {
    if (e.keyword !== 'anyOf') continue
    const branches = list.filter(b => b !== e && b.schemaPath.startsWith(`${e.schemaPath}/`))
    const consts = branches.filter(b => b.keyword === 'const')
    if (consts.length === 0 || branches.some(b => b.keyword !== 'const' && b.keyword !== 'type')) continue
    for (const b of branches) consumed.add(b)
    collapsed.set(e, `must be one of ${listValues([...new Set(consts.map(b => b.params.allowedValue))])}`)
  }
  return list.filter(e => !consumed.has(e)).map(e => {
    let message = collapsed.get(e) ?? e.message ?? 'invalid'
    if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') {
      message = `must NOT have additional property ${JSON.stringify(e.params.additionalProperty)}`
    } else if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
      message = `must be one of ${listValues(e.params.allowedValues)}`
    } else if (e.keyword === 'const' && 'allowedValue' in e.params) {
      message = `must be ${JSON.stringify(e.params.allowedValue)}`
    } else if (e.keyword === 'pattern' && PATTERN_REASONS.has(String(e.params.pattern))) {
      message = PATTERN_REASONS.get(String(e.params.pattern)) as string
    }
    return { path: `${context}${e.instancePath ?? ''}`, message }
  })
}

/** Maps an error to a problem. 5xx details are never exposed. */
export function toProblem (err: FastifyError & HttpErrorExtras, request: FastifyRequest): Problem {
  if (err.validation) {
    return problem(400, 'The request is not valid', {
      code: 'VALIDATION',
      errors: validationErrors(err.validation, err.validationContext ?? 'request')
    })
  }
  if (err.statusCode === undefined && isDependencyUnavailable(err)) {
    return problem(503, 'A backing service is unavailable; retry shortly', { code: 'APP_DEPENDENCY_UNAVAILABLE', instance: request.id })
  }
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
  if (status >= 500) return problem(status, status === 503 && err.code?.startsWith('APP_') ? err.message : undefined, { instance: request.id })
  return problem(status, err.message, { ...(err.code ? { code: err.code } : {}), ...(err.problemErrors ? { errors: err.problemErrors } : {}) })
}
