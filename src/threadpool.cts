// Preloaded with `node --require` (npm start, the Dockerfile, the bench's servers): sizes libuv's threadpool before
// anything starts it. RSA signature checks of uncached tokens run there (src/auth/verify-token.ts), and Node's default
// of 4 threads oversubscribes a small host: on 2 vCPUs the threads took the event loop's core, and distinct-token
// throughput read 0.44-0.50 of bare against 0.48-0.56 with one thread (paired bench runs). Default: one thread per CPU
// besides the event loop's, at least one. An operator's UV_THREADPOOL_SIZE always wins.
// This cannot live in ESM code: Node's ESM loader reads modules through the threadpool, so the pool has already
// started (with 4 threads) before any entry module runs; a CommonJS preload runs before that.
// Plain JavaScript on purpose (no type syntax): the bench preloads this source file as is, before tsx is registered.
const { availableParallelism } = require('node:os')

if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = String(Math.max(1, availableParallelism() - 1))
