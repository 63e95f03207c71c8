// The projects API against DynamoDB Local with two tenants side by side: isolation, preconditions, idempotency, pages.
import t from 'tap'
import { A, B, seedTwoTenants, startStack } from '../helpers/tenancy.js'
import { keys } from '../../src/repositories/keys.js'

const body = { name: 'Apollo', description: 'the first one' }

const stack = await startStack(t, [A, B])
const { alice, member: mike, bob, ops } = await seedTwoTenants(stack)
const app = await stack.app(t)

const create = async (headers: Record<string, string>, payload: unknown = body) =>
  await app.inject({ method: 'POST', url: '/projects', headers, payload: payload as object })
const patch = async (headers: Record<string, string>, id: string, payload: unknown) =>
  await app.inject({ method: 'PATCH', url: `/projects/${id}`, headers, payload: payload as object })
const rawProject = (tenantId: string, id: string) => stack.ddb.item(keys.item(tenantId, 'PROJECT', id))

t.test('create, read, change, archive and delete a project', async t => {
  const created = await create(mike)
  t.equal(created.statusCode, 201)
  const project = created.json()
  t.match(project, { projectId: /^[0-9a-z]{22}$/, name: 'Apollo', description: 'the first one', status: 'active', version: 1 })
  t.equal(created.headers.etag, '"1"')
  t.equal(created.headers.location, `/projects/${project.projectId}`)
  t.notOk('tenantId' in project || 'PK' in project, 'no internal attributes leak')
  t.match(await rawProject(A, project.projectId), { PK: `TENANT#${A}`, SK: `PROJECT#${project.projectId}`, type: 'project' })

  const got = await app.inject({ url: `/projects/${project.projectId}`, headers: mike })
  t.equal(got.statusCode, 200)
  t.equal(got.headers.etag, '"1"')
  t.same(got.json(), project)

  const renamed = await patch({ ...mike, 'if-match': '"1"' }, project.projectId, { name: 'Apollo 2' })
  t.equal(renamed.statusCode, 200)
  t.match(renamed.json(), { name: 'Apollo 2', description: 'the first one', version: 2 })
  t.equal(renamed.headers.etag, '"2"')
  const archived = await patch({ ...mike, 'if-match': '"2"' }, project.projectId, { status: 'archived' })
  t.equal(archived.json().status, 'archived')
  const whileArchived = await patch({ ...mike, 'if-match': '"3"' }, project.projectId, { name: 'x' })
  t.equal(whileArchived.statusCode, 409, 'an archived project is read-only')
  const reactivated = await patch({ ...mike, 'if-match': '"3"' }, project.projectId, { status: 'active', name: 'Apollo 3' })
  t.match(reactivated.json(), { status: 'active', name: 'Apollo 3', version: 4 })
  const badStatus = await patch({ ...mike, 'if-match': '"4"' }, project.projectId, { status: 'deleted' })
  t.equal(badStatus.statusCode, 400)
  t.match(badStatus.json().errors, [{ path: 'body/status', message: 'must be one of "active", "archived"' }])

  t.equal((await app.inject({ method: 'DELETE', url: `/projects/${project.projectId}`, headers: mike })).statusCode, 403, 'members cannot delete')
  t.equal((await app.inject({ method: 'DELETE', url: `/projects/${project.projectId}`, headers: { ...alice, 'if-match': '"1"' } })).statusCode, 412)
  t.equal((await app.inject({ method: 'DELETE', url: `/projects/${project.projectId}`, headers: { ...alice, 'if-match': '"4"' } })).statusCode, 204)
  t.notOk(await rawProject(A, project.projectId))
  t.equal((await app.inject({ url: `/projects/${project.projectId}`, headers: mike })).statusCode, 404)
  t.equal((await app.inject({ method: 'DELETE', url: `/projects/${project.projectId}`, headers: alice })).statusCode, 404)
})

t.test("another tenant's project is a 404 on every route, and stays untouched", async t => {
  const theirs = (await create(bob)).json()
  const missing = await app.inject({ url: '/projects/01ARZ3NDEKTSV4RRFFQ69G5FAV', headers: alice })
  const foreign = await app.inject({ url: `/projects/${theirs.projectId}`, headers: alice })
  t.equal(foreign.statusCode, 404)
  t.same(foreign.json(), missing.json(), 'indistinguishable from a missing project')
  t.match(foreign.json(), { type: 'about:blank', status: 404, detail: 'Project not found' })
  t.equal((await patch({ ...alice, 'if-match': '"1"' }, theirs.projectId, { name: 'mine' })).statusCode, 404)
  t.equal((await app.inject({ method: 'DELETE', url: `/projects/${theirs.projectId}`, headers: alice })).statusCode, 404)
  const list = (await app.inject({ url: '/projects?limit=100', headers: alice })).json()
  t.notOk(list.items.some((p: { projectId: string }) => p.projectId === theirs.projectId))
  t.match(await rawProject(B, theirs.projectId), { name: 'Apollo', version: 1 })
  for (const extra of [{ tenantId: B }, { PK: `TENANT#${B}` }, { version: 7 }, { status: 'archived' }]) {
    t.equal((await create(alice, { ...body, ...extra })).statusCode, 400, `body with ${Object.keys(extra)[0]}`)
  }
  t.equal((await app.inject({ url: `/projects?tenantId=${B}`, headers: alice })).statusCode, 400)
  t.equal((await app.inject({ url: `/projects/${encodeURIComponent(`x#TENANT#${B}`)}`, headers: alice })).statusCode, 400)
})

t.test('If-Match: required on PATCH, strong, quoted; concurrent PATCHes: one wins', async t => {
  const p = (await create(alice)).json()
  const none = await patch(alice, p.projectId, { name: 'x' })
  t.match(none.json(), { status: 428, detail: 'If-Match header is required' })
  const star = await patch({ ...alice, 'if-match': '*' }, p.projectId, { name: 'x' })
  t.match(star.json(), { status: 428, detail: 'If-Match: * is not accepted; send the ETag of the version you change' })
  const bare = await patch({ ...alice, 'if-match': '1' }, p.projectId, { name: 'x' })
  t.match(bare.json(), { status: 400, detail: 'ETags are quoted: send If-Match: "1"' })
  t.equal((await patch({ ...alice, 'if-match': 'W/"1"' }, p.projectId, { name: 'x' })).statusCode, 412)
  t.equal((await patch({ ...alice, 'if-match': '"9"' }, p.projectId, { name: 'x' })).statusCode, 412)
  t.match(await rawProject(A, p.projectId), { version: 1, name: 'Apollo' }, 'nothing written')
  const results = await Promise.all(['a', 'b', 'c'].map(name => patch({ ...alice, 'if-match': '"1"' }, p.projectId, { name })))
  t.same(results.map(r => r.statusCode).sort(), [200, 412, 412])
  t.equal((await patch({ ...alice, 'if-match': '"2"' }, p.projectId, {})).statusCode, 400, 'an empty change is not valid')
})

t.test('Idempotency-Key: retries replay one project; another body is 422; keys are per tenant', async t => {
  const key = { 'idempotency-key': 'p-1' }
  const results = await Promise.all(Array.from({ length: 4 }, () => create({ ...alice, ...key })))
  t.same(results.map(r => r.statusCode), [201, 201, 201, 201])
  t.equal(new Set(results.map(r => r.json().projectId)).size, 1, 'one project for every retry')
  const later = await create({ ...alice, ...key }, { description: body.description, name: body.name })
  t.same(later.json(), results[0]!.json(), 'same body in another key order')
  t.equal(later.headers['idempotent-replayed'], 'true')
  t.equal((await create({ ...alice, ...key }, { name: 'other' })).statusCode, 422)
  const theirs = await create({ ...bob, ...key })
  t.equal(theirs.statusCode, 201)
  t.not(theirs.json().projectId, results[0]!.json().projectId)
})

t.test('pages: newest first, each project once, nextCursor null on the last page', async t => {
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await app.inject({ url: `/projects?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: mike })
    t.equal(res.statusCode, 200)
    const page = res.json() as { items: Array<{ projectId: string }>, nextCursor: string | null }
    t.ok(page.items.length > 0, 'no empty page')
    seen.push(...page.items.map(p => p.projectId))
    cursor = page.nextCursor
    pages++
  } while (cursor && pages < 20)
  const all = (await app.inject({ url: '/projects?limit=100', headers: mike })).json()
  t.same(seen, all.items.map((p: { projectId: string }) => p.projectId), 'every project once, in order')
  t.same([...seen].sort().reverse(), seen, 'newest first')
  const exact = (await app.inject({ url: `/projects?limit=${seen.length}`, headers: mike })).json()
  t.equal(exact.items.length, seen.length)
  t.equal(exact.nextCursor, null, 'exactly `limit` projects: nextCursor is null')
  const archived = (await app.inject({ url: '/projects?status=archived', headers: mike })).json()
  t.same(archived, { items: [], nextCursor: null })
  const first = (await app.inject({ url: '/projects?limit=1', headers: mike })).json()
  t.equal((await app.inject({ url: `/projects?cursor=${first.nextCursor as string}`, headers: bob })).statusCode, 400, "A's cursor in B")
  const orderCursor = Buffer.from(JSON.stringify({ PK: `TENANT#${A}`, SK: `ORDER#${seen[0] as string}` })).toString('base64url')
  t.equal((await app.inject({ url: `/projects?cursor=${orderCursor}`, headers: mike })).statusCode, 400, 'a cursor of another kind')
})

t.test('who may call: members and admins of the tenant only', async t => {
  t.equal((await app.inject({ url: '/projects' })).statusCode, 401)
  t.equal((await app.inject({ url: '/projects', headers: ops })).statusCode, 403, 'a platform admin has no tenant')
  t.equal((await create(ops)).statusCode, 403)
  t.equal((await app.inject({ url: '/projects', headers: stack.auth({ sub: 'stranger', groups: ['admins'] }) })).statusCode, 403)
})
