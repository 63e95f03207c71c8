// The web console for `npm run dev` and the browser tests: builds web/ with Vite, and serves the build under /console/
// with a config.json for the local stack, from a tiny static server of its own. The API gains no static-file route: the
// console is on another origin, as in production (CloudFront in front of S3, the API elsewhere), so CORS is exercised
// locally exactly as it will be there. Only the session (/session*) is proxied to the API, as CloudFront routes it, so
// its cookie is the console origin's own (docs/decisions/0023-console-session.md).
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createRequire } from 'node:module'
import { dirname, extname, join, normalize, resolve as resolvePath, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { INBOX_PATH, inboxPage } from './inbox.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
export const WEB_DIR = join(root, 'web')
export const WEB_DIST = join(WEB_DIR, 'dist')
export const CONSOLE_BASE = '/console/'

/** The newest modification time of the console's sources (and the lock file, which pins its dependencies). */
function newestSource (): number {
  let newest = 0
  const visit = (path: string) => {
    const s = statSync(path)
    if (s.isDirectory()) { for (const entry of readdirSync(path)) visit(join(path, entry)) } else newest = Math.max(newest, s.mtimeMs)
  }
  for (const p of [join(WEB_DIR, 'src'), join(WEB_DIR, 'public'), join(WEB_DIR, 'index.html'), join(WEB_DIR, 'vite.config.ts'), join(root, 'package-lock.json')]) {
    if (existsSync(p)) visit(p)
  }
  return newest
}

/** Whether `outDir` holds a build at least as new as every source file. */
export function consoleBuildIsCurrent (outDir = WEB_DIST): boolean {
  const index = join(outDir, 'index.html')
  return existsSync(index) && statSync(index).mtimeMs >= newestSource()
}

/** `vite build` of web/ into outDir (default web/dist), as a child process: the build's own Node options, not ours. */
export async function buildConsole (outDir = WEB_DIST): Promise<void> {
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js')
  const env = { ...process.env }
  delete env.NODE_OPTIONS // tsx or tap loaders of the parent; vite needs none
  // Vite refuses a second build of one project while one runs (a lock per root, not per outDir); browser test files
  // run in parallel, each building into a directory of its own, so only a build into web/dist keeps the lock.
  const lock = resolvePath(outDir) === WEB_DIST ? [] : ['--bypass-lock']
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', WEB_DIR, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn', ...lock], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (c: Buffer) => { output += c.toString() })
    child.stderr.on('data', (c: Buffer) => { output += c.toString() })
    child.once('error', reject)
    child.once('exit', code => code === 0 ? resolve() : reject(new Error(`vite build failed (exit ${code ?? 'signal'}):\n${output}`)))
  })
}

/** The console's config.json (ConsoleConfig in web/src/config.ts, repeated here: src/ does not import web/). */
export interface LocalConsoleConfig {
  apiUrl: string
  region: string
  userPoolId: string
  clientId: string
  /** Local sign-in (USER_PASSWORD_AUTH); `npm run dev` sets this. */
  cognitoEndpoint?: string
  /** Managed login (code grant with PKCE); the browser tests play it. */
  cognitoDomain?: string
  redirectUri?: string
  logoutUri?: string
}

export interface ConsoleServer {
  /** http://127.0.0.1:<port>/console/ */
  url: string
  /** http://127.0.0.1:<port>: what the API's CORS_ORIGINS must allow. */
  origin: string
  port: number
  /** http://127.0.0.1:<port>/inbox when started with an inbox file (npm run dev). */
  inboxUrl?: string
  close: () => Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon'
}

/** The console's session routes, answered by the API on the console's origin (CloudFront's behaviour in production). */
export const SESSION_PREFIX = '/session'
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection', 'te', 'trailer'])

/** Forwards one request to the API as it came (method, path, headers, body) and its answer back, Set-Cookie included. */
function proxyToApi (apiUrl: string, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? '/', apiUrl)
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
  const upstream = httpRequest({ hostname: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${target.search}`, headers: { ...headers, host: target.host } }, answer => {
    const back: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) back[name] = value
    res.writeHead(answer.statusCode ?? 502, back)
    answer.pipe(res)
  })
  upstream.once('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/problem+json' })
    res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: 'The API did not answer' }))
  })
  req.pipe(upstream)
}

/**
 * Serves a console build under /console/ (and config.json beside its index.html) on 127.0.0.1, and proxies /session*
 * to the API. The CSP is the one a production distribution should send too: scripts and styles only from the console's
 * origin, calls only to it, the API and (locally, for the password flow) the Cognito API.
 */
export async function startConsoleServer (options: { distDir?: string, config: LocalConsoleConfig, port?: number, inboxFile?: string }): Promise<ConsoleServer> {
  const distDir = resolvePath(options.distDir ?? WEB_DIST)
  if (!existsSync(join(distDir, 'index.html'))) throw new Error(`No console build in ${distDir}: run buildConsole() first`)
  const configJson = JSON.stringify(options.config, null, 2)
  const { apiUrl, cognitoEndpoint } = options.config
  // The managed login is only navigated to: its code is exchanged by the API (POST /session), not by the page.
  const connect = [...new Set([
    new URL(apiUrl).origin,
    ...(cognitoEndpoint !== undefined ? [new URL(cognitoEndpoint).origin] : [])
  ])].join(' ')
  const csp = `default-src 'self'; connect-src 'self' ${connect}; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'`

  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    if (path === SESSION_PREFIX || path.startsWith(`${SESSION_PREFIX}/`)) { proxyToApi(apiUrl, req, res); return }
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return }
    if (path === INBOX_PATH && options.inboxFile !== undefined) {
      res.writeHead(200, { 'content-security-policy': "default-src 'none'; frame-ancestors 'none'", 'content-type': TYPES['.html'] as string, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
      res.end(req.method === 'HEAD' ? undefined : inboxPage(options.inboxFile))
      return
    }
    // Browsers ask the origin's root for it on any page without an icon link (the inbox): the build's, not a 404.
    if (path === '/favicon.ico' && existsSync(join(distDir, 'favicon.ico'))) {
      res.writeHead(200, { 'content-type': TYPES['.ico'] as string, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }).end(req.method === 'HEAD' ? undefined : readFileSync(join(distDir, 'favicon.ico')))
      return
    }
    if (path === '/' || path === CONSOLE_BASE.slice(0, -1)) { res.writeHead(302, { location: CONSOLE_BASE }).end(); return }
    if (!path.startsWith(CONSOLE_BASE)) { res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the console is under /console/\n'); return }
    const rel = path.slice(CONSOLE_BASE.length) || 'index.html'
    const headers: Record<string, string> = { 'content-security-policy': csp, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' }
    if (rel === 'config.json') {
      res.writeHead(200, { ...headers, 'content-type': TYPES['.json'] as string, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : configJson)
      return
    }
    const file = normalize(join(distDir, rel))
    if (!file.startsWith(distDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n')
      return
    }
    // Hashed assets never change; index.html must be fetched again to pick up a new build.
    const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache })
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file))
  })
  const sockets = new Set<Socket>()
  server.on('connection', s => { sockets.add(s); s.once('close', () => sockets.delete(s)) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const port = (server.address() as AddressInfo).port
  let closed: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}${CONSOLE_BASE}`,
    origin: `http://127.0.0.1:${port}`,
    port,
    ...(options.inboxFile !== undefined ? { inboxUrl: `http://127.0.0.1:${port}${INBOX_PATH}` } : {}),
    close: async () => {
      closed ??= new Promise<void>(resolve => { for (const s of sockets) s.destroy(); server.close(() => resolve()) })
      await closed
    }
  }
}
