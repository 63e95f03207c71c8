// The readable audit trail end to end (cognito-local behind the shim, DynamoDB Local): people named by the address
// stored when the entry was written (so a removed person stays named), actions in words, filters by who, what and
// when, and the paged CSV export.
import t from 'tap'
import { startOrg, uniq } from '../helpers/org.js'

const { app, onboard, invite, accepted } = await startOrg(t)
const a = await onboard()
await app.inject({ url: '/orders', headers: a.auth })
const email = `Person-${uniq()}@Example.com`.toLowerCase()
const person = await accepted({ email, ...(await invite(a.auth, email, ['members'])) })
const started = new Date().toISOString()
const granted = await app.inject({ method: 'PUT', url: `/users/${person.userId}/groups/admins`, headers: a.auth })
const removal = await app.inject({ method: 'DELETE', url: `/users/${person.userId}`, headers: a.auth })
if (granted.statusCode !== 204 || removal.statusCode !== 204) throw new Error(`setup failed: ${granted.statusCode} ${removal.statusCode}`)
const get = async (query: string) => await app.inject({ url: `/audit?${query}`, headers: a.auth })

t.test('entries name people by address, removed ones too, and say what happened in words', async t => {
  const res = await get('limit=10')
  t.equal(res.statusCode, 200)
  const [removed, added] = res.json().items
  t.match(removed, { action: 'user.removed', actor: a.adminId, actorEmail: a.adminEmail, target: person.userId, targetEmail: email, summary: `removed ${email}` })
  t.match(added, { action: 'user.group_added', actorEmail: a.adminEmail, targetEmail: email, summary: `added ${email} to group admins` })
  const accept = res.json().items.find((e: { action: string }) => e.action === 'user.invitation_accepted')
  t.match(accept, { actorEmail: email, targetEmail: email, summary: 'accepted the invitation as member (by first sign-in)' }, 'acceptance by first sign-in, named')
})

t.test('filters: who (id or address, as actor or target), action (code or prefix), from/to', async t => {
  const byEmail = (await get(`who=${encodeURIComponent(email.toUpperCase())}`)).json().items.map((e: { action: string }) => e.action)
  t.same(byEmail, ['user.removed', 'user.group_added', 'user.invitation_accepted', 'user.invited'], 'every entry about the person, by address, any case')
  t.same((await get(`who=${person.userId}&action=user.group`)).json().items.map((e: { action: string }) => e.action), ['user.group_added'])
  const since = (await get(`from=${encodeURIComponent(started)}`)).json()
  t.same(since.items.map((e: { action: string }) => e.action), ['user.removed', 'user.group_added'], 'only what happened since')
  t.equal(since.nextCursor, null)
  const before = (await get('to=2000-01-01T00:00:00Z')).json()
  t.same(before, { items: [], nextCursor: null }, 'nothing before 2000')
  const paged = (await get(`who=${email}&limit=1`)).json()
  t.equal(paged.items.length, 1)
  const next = (await get(`who=${email}&limit=3&cursor=${paged.nextCursor as string}`)).json()
  t.same(next.items.map((e: { action: string }) => e.action), ['user.group_added', 'user.invitation_accepted', 'user.invited'], 'the cursor continues the filtered scan')
  for (const bad of ['from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z', 'action=USER;DROP', 'from=yesterday', 'cursor=bm9wZQ', 'who=', 'limit=0', 'tenantId=x']) {
    const res = await get(bad)
    t.equal(res.statusCode, 400, bad)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
})

t.test('CSV export: a header row, one line per entry, paged by X-Next-Cursor; admins only', async t => {
  const first = await app.inject({ url: `/audit/export?who=${email}&limit=2`, headers: a.auth })
  t.equal(first.statusCode, 200)
  t.match(first.headers['content-type'], /^text\/csv/)
  const lines = first.body.trimEnd().split('\r\n')
  t.equal(lines[0], 'at,actor_email,actor,action,summary,target_email,target,details')
  t.equal(lines.length, 3)
  t.match(lines[1], `,${a.adminEmail},${a.adminId},user.removed,removed ${email},${email},${person.userId},`)
  const cursor = first.headers['x-next-cursor'] as string
  t.ok(cursor)
  const rest = await app.inject({ url: `/audit/export?who=${email}&limit=500&cursor=${cursor}`, headers: a.auth })
  t.equal(rest.body.trimEnd().split('\r\n').length, 3, 'the other two')
  t.notOk(rest.headers['x-next-cursor'], 'no cursor at the end')
  t.equal((await app.inject({ url: '/audit/export?limit=501', headers: a.auth })).statusCode, 400)
  t.equal((await app.inject({ url: '/audit/export', headers: person.token })).statusCode, 403, 'a removed person reads nothing')
  t.equal((await app.inject({ url: '/audit/export' })).statusCode, 401)
})
