// The projects API: every handler works inside request.tenant's scope; ids from the request only ever select within it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ProjectCreate, ProjectId, ProjectPatch, ProjectSchema, ProjectStatusSchema, assertCanChange, newProject } from '../../src/domain/project.js'
import { sortableId } from '../../src/domain/ids.js'
import { NotFoundError } from '../../src/domain/errors.js'
import { problemResponses } from '../../src/http/problem.js'
import { Page, PageQuery } from '../../src/http/schemas.js'
import { IfMatchHeaders, currentIfMatch, etagOf, requireIfMatch } from '../../src/http/preconditions.js'
import { IdempotencyHeaders, idempotencyOf } from '../../src/http/idempotency.js'
import { tenantScopeOf } from '../../src/http/request-context.js'

// The project's shape and bodies are src/domain/project.ts's; the list query and the path are this API's.
const ListQuery = PageQuery(20, { status: Type.Optional(ProjectStatusSchema) })
const Params = Type.Object({ projectId: ProjectId })

const security = [{ bearerAuth: [] }]
const tags = ['projects']
const writers = { auth: { groups: ['members', 'admins'] as const } }

const projects: FastifyPluginAsyncTypebox = async (app) => {
  const repo = app.repos.projects

  app.post('/projects', {
    config: writers,
    schema: { tags, summary: 'Create a project', security, headers: IdempotencyHeaders, body: ProjectCreate, response: { 201: ProjectSchema, ...problemResponses(400, 401, 403, 422, 429, 503) } }
  }, async (request, reply) => {
    const project = newProject(sortableId(), request.body, new Date().toISOString())
    const { resource, replayed } = await repo.create(tenantScopeOf(request), project.projectId, project, idempotencyOf(request.headers['idempotency-key'], request.body))
    if (replayed) reply.header('idempotent-replayed', 'true')
    return reply.code(201).header('etag', etagOf(resource)).header('location', `/projects/${resource.projectId}`).send(resource)
  })

  app.get('/projects', {
    config: writers,
    schema: { tags, summary: 'List projects, newest first', security, querystring: ListQuery, response: { 200: Page(ProjectSchema), ...problemResponses(400, 401, 403, 429, 503) } }
  }, async (request) => {
    const { limit, cursor, status } = request.query
    return await repo.list(tenantScopeOf(request), { limit, cursor, newestFirst: true, ...(status !== undefined ? { filter: { status } } : {}) })
  })

  app.get('/projects/:projectId', {
    config: writers,
    schema: { tags, summary: 'Get a project', security, params: Params, response: { 200: ProjectSchema, ...problemResponses(400, 401, 403, 404, 429, 503) } }
  }, async (request, reply) => {
    const project = await repo.get(tenantScopeOf(request), request.params.projectId)
    if (!project) throw new NotFoundError('Project')
    return reply.header('etag', etagOf(project)).send(project)
  })

  app.patch('/projects/:projectId', {
    config: writers,
    schema: {
      tags,
      summary: 'Change a project (If-Match required)',
      security,
      params: Params,
      headers: IfMatchHeaders,
      body: ProjectPatch,
      response: { 200: ProjectSchema, ...problemResponses(400, 401, 403, 404, 409, 412, 428, 429, 503) }
    }
  }, async (request, reply) => {
    const scope = tenantScopeOf(request)
    const ifMatch = requireIfMatch(request.headers['if-match'])
    const current = await currentIfMatch(ifMatch, () => repo.get(scope, request.params.projectId, { consistent: true }), 'Project')
    assertCanChange(current, request.body)
    // Conditional on the version just checked: a concurrent change in between is a 412, not a lost update.
    const updated = await repo.update(scope, current.projectId, current.version, request.body)
    return reply.header('etag', etagOf(updated)).send(updated)
  })

  app.delete('/projects/:projectId', {
    config: { auth: { groups: ['admins'] } },
    schema: {
      tags,
      summary: 'Delete a project (admins; If-Match optional)',
      security,
      params: Params,
      headers: IfMatchHeaders,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(400, 401, 403, 404, 412, 428, 429, 503) }
    }
  }, async (request, reply) => {
    const scope = tenantScopeOf(request)
    const ifMatch = request.headers['if-match']
    // If-Match is optional here: with it, the delete is held to the version it names.
    const expected = ifMatch === undefined ? undefined : (await currentIfMatch(ifMatch, () => repo.get(scope, request.params.projectId, { consistent: true }), 'Project')).version
    await repo.delete(scope, request.params.projectId, expected)
    return reply.code(204).send(null)
  })
}
export default projects
