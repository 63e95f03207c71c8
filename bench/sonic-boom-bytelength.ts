// Reproduction for sonic-boom (pino's destination), to offer upstream; not run by the tests.
//   npx tsx bench/sonic-boom-bytelength.ts [lines] [file]
// While an asynchronous write is in flight (or until minLength bytes are held), SonicBoom#write appends each new line
// to the last pending string and measures that whole string's UTF-8 length again (`Buffer.byteLength(bufs[bufs.length
// - 1])`, to keep each write under maxWrite). Each line then costs time in proportion to the bytes already pending:
// holding 16 KB (minLength: 16000; it must stay below maxWrite, 16 KiB) makes every line re-measure up to 16 KB. The same lines written in one burst,
// through each mode, show it: the cost per line grows with the bytes held, while a fixed cost per line is expected.
// Patch (bench/README.md, "Logging cost"): remember the last pending string's byte length next to it, as the
// buffer mode already does with `_lens`, instead of measuring it again.
import { once } from 'node:events'
import { createRequire } from 'node:module'
import type { SonicBoom as SonicBoomType } from 'sonic-boom'

// sonic-boom (pino's dependency) is CommonJS: its named export is not visible to an ES import.
const SonicBoom = createRequire(import.meta.url)('sonic-boom') as typeof SonicBoomType

const lines = Number(process.argv[2] ?? 50_000)
const file = process.argv[3] ?? '/dev/null'
// The size of one of the app's access lines.
const line = `${JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, hostname: 'h', reqId: 'req-1', userId: 'user-123', tenantId: 'bench', method: 'GET', route: '/me', status: 200, ms: 0.42, msg: 'request' })}\n`

// Every string Buffer.byteLength is asked to measure, summed: a count that the host's load cannot move.
const byteLength = Buffer.byteLength
let measured = 0
Buffer.byteLength = ((value: Parameters<typeof byteLength>[0], encoding?: BufferEncoding) => {
  if (typeof value === 'string') measured += value.length
  return byteLength(value, encoding)
}) as typeof byteLength

/** Bytes measured per line written, and ns per write() call (the file system's work is not in it), `burst` lines per event-loop turn. */
async function run (opts: { sync: boolean, minLength: number }, burst: number): Promise<{ bytes: number, ns: number }> {
  const stream = new SonicBoom({ dest: file, ...opts })
  await once(stream, 'ready')
  let ns = 0n
  let bytes = 0
  for (let i = 0; i < lines; i += burst) {
    measured = 0
    const t0 = process.hrtime.bigint()
    for (let j = 0; j < burst; j++) stream.write(line)
    ns += process.hrtime.bigint() - t0
    bytes += measured
    await new Promise(resolve => setImmediate(resolve))
  }
  stream.end()
  await once(stream, 'close')
  return { bytes: bytes / lines, ns: Number(ns) / lines }
}

const modes = [
  ['sync, minLength 0', { sync: true, minLength: 0 }],
  ['async, minLength 0', { sync: false, minLength: 0 }],
  ['async, minLength 4096', { sync: false, minLength: 4096 }],
  ['async, minLength 16000', { sync: false, minLength: 16000 }]
] as const
const bursts = [1, 10, 100, 1000]
console.log(`${lines} lines of ${Buffer.byteLength(line)} bytes to ${file}, by lines written per event-loop turn:`)
console.log('bytes Buffer.byteLength measured per line written (ns per write() call, the host\'s noise included)')
console.log(`${'mode'.padEnd(24)}${bursts.map(b => String(b).padStart(18)).join('')}`)
for (const [, opts] of modes) await run(opts, 100) // warm-up
for (const [label, opts] of modes) {
  const cells: string[] = []
  for (const burst of bursts) {
    const { bytes, ns } = await run(opts, burst)
    cells.push(`${bytes.toFixed(0)} (${ns.toFixed(0)} ns)`.padStart(18))
  }
  console.log(`${label.padEnd(24)}${cells.join('')}`)
}
