// Child-process entry for bench servers: imports a module whose default export builds a Fastify app, listens, reports the port.
import type { FastifyInstance } from 'fastify'

const modulePath = process.argv[2]
try {
  if (!modulePath) throw new Error('usage: serve.ts <module>')
  const mod = await import(modulePath) as { default: () => Promise<FastifyInstance> | FastifyInstance }
  const app = await mod.default()
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 })
  // The parent asks for counters it cannot see from outside (bench/lib.ts askProcess): JWKS fetches so far, and the
  // process's CPU time so far in µs (user + system, the threadpool's signature checks included).
  process.on('message', (m: unknown) => {
    if (m === 'jwks-fetches') process.send?.({ question: m, answer: app.jwksFetchCount?.() ?? 0 })
    if (m === 'cpu') { const { user, system } = process.cpuUsage(); process.send?.({ question: m, answer: user + system }) }
  })
  process.on('SIGTERM', () => { app.close().finally(() => process.exit(0)) })
  // The bench process died without stopping us (crash, kill -9): do not outlive it.
  process.on('disconnect', () => { app.close().finally(() => process.exit(0)) })
} catch (err) {
  process.send?.({ error: String(err) })
  process.exit(1)
}
