// The typed API client (openapi-fetch over the generated schema.d.ts): the access token on every call, and
// X-Tenant-Id on every call of a tenant-bound client.
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema.js'

export type Api = ReturnType<typeof createClient<paths>>
/** The caller as GET /me describes them. */
export type Me = paths['/me']['get']['responses'][200]['content']['application/json']

/** RFC 9457 problem details, as every API error answers. */
export interface Problem { type?: string, title: string, status: number, detail?: string, code?: string, errors?: Array<{ path: string, message: string }> }

export function createApi (apiUrl: string, accessToken: () => string | undefined, tenantId?: string): Api {
  const client = createClient<paths>({ baseUrl: apiUrl })
  const auth: Middleware = {
    onRequest ({ request }) {
      const token = accessToken()
      if (token !== undefined) request.headers.set('Authorization', `Bearer ${token}`)
      if (tenantId !== undefined) request.headers.set('X-Tenant-Id', tenantId)
      return request
    }
  }
  client.use(auth)
  return client
}

/** An error answer (or a failed fetch) as a Problem, so every screen shows its title and detail the same way. */
export function toProblem (error: unknown, response?: Response): Problem {
  if (typeof error === 'object' && error !== null && typeof (error as Problem).title === 'string') {
    const p = error as Problem
    return { ...p, status: p.status ?? response?.status ?? 0 }
  }
  if (error instanceof Error) return { title: 'The request failed', status: 0, detail: error.message }
  return { title: response?.statusText || 'The request failed', status: response?.status ?? 0 }
}

/**
 * Calls the API and returns the data, or throws an ApiError carrying the problem. openapi-fetch resolves error
 * answers instead of throwing; this makes one path for every screen.
 */
export class ApiError extends Error {
  constructor (readonly problem: Problem) { super(problem.detail ?? problem.title) }
}

export async function call<T> (request: Promise<{ data?: T, error?: unknown, response: Response }>): Promise<T> {
  let result: { data?: T, error?: unknown, response: Response }
  try {
    result = await request
  } catch (err) {
    throw new ApiError(toProblem(err))
  }
  if (result.error !== undefined || !result.response.ok) throw new ApiError(toProblem(result.error, result.response))
  return result.data as T
}
