// The local console server proxies the console's session (/session*) to the API as CloudFront does, so the session
// cookie is the console origin's own: method, path, query, headers and body go through; Set-Cookie comes back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startConsoleServer } from '../../src/local/console.js'

const dist = mkdtempSync(join(tmpdir(), 'console-proxy-'))
t.teardown(() => rmSync(dist, { recursive: true, force: true }))
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>')

const seen: Array<{ method?: string, url?: string, headers: IncomingHttpHeaders, body: string }> = []
const api = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => { body += c.toString() })
  req.on('end', () => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, body })
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['__Host-console-session=abc; Path=/; Secure; HttpOnly; SameSite=Strict'] }).end('{"ok":true}')
  })
})
await new Promise<void>(resolve => api.listen(0, '127.0.0.1', resolve))
t.teardown(() => { api.close() })
const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
const config = { apiUrl, region: 'us-east-1', userPoolId: 'us-east-1_x', clientId: 'c', cognitoDomain: 'auth.console.test' }
const web = await startConsoleServer({ distDir: dist, config })
t.teardown(web.close)

t.test('/session* goes to the API as it came, and its answer comes back with Set-Cookie', async t => {
  const res = await fetch(`${web.origin}/session/refresh?x=1`, { method: 'POST', headers: { origin: web.origin, 'x-console-session': '1', cookie: 'a=b', 'content-type': 'application/json' }, body: '{"k":1}' })
  t.equal(res.status, 200)
  t.same(await res.json(), { ok: true })
  t.equal(res.headers.get('set-cookie'), '__Host-console-session=abc; Path=/; Secure; HttpOnly; SameSite=Strict')
  t.match(seen.at(-1), { method: 'POST', url: '/session/refresh?x=1', body: '{"k":1}', headers: { origin: web.origin, 'x-console-session': '1', cookie: 'a=b', host: new URL(apiUrl).host } })
  t.equal((await fetch(`${web.origin}/session`, { method: 'DELETE' })).status, 200, 'DELETE /session too')
  t.equal(seen.at(-1)?.method, 'DELETE')
  t.equal((await fetch(`${web.origin}/sessions`, { method: 'POST' })).status, 405, 'only /session and below')
})

t.test('the CSP lets the page call its own origin and the API; the managed login is only navigated to', async t => {
  const csp = (await fetch(`${web.url}index.html`)).headers.get('content-security-policy') ?? ''
  t.match(csp, `connect-src 'self' ${apiUrl};`)
  t.notMatch(csp, 'auth.console.test')
})

t.test('an API that does not answer: 502 problem', async t => {
  const down = await startConsoleServer({ distDir: dist, config: { ...config, apiUrl: 'http://127.0.0.1:9' } })
  t.teardown(down.close)
  const res = await fetch(`${down.origin}/session/refresh`, { method: 'POST' })
  t.equal(res.status, 502)
  t.match(await res.json(), { status: 502, title: 'Bad Gateway' })
})
