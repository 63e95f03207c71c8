// Instructions per request, counted by valgrind's callgrind: the work a server does, unmoved by what else the host runs.
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Why: on a shared host, throughput moves with the neighbours (bare Fastify alone ran 14k–36k req/s here within an
 * hour), so a ratio near its target can stay undecided run after run. callgrind counts the instructions the server
 * executes, all of its threads, and the same code under the same requests counts the same within ~1% whatever else
 * the machine does (bare Fastify: 70,694, 70,697 and 70,992 per request in three processes, with other work loading
 * the host). Processes can still differ from each other: V8's inline caches can settle differently per process
 * (README, Benchmarks), and that is real work, which the spread between a run's process pairs shows. The kernel's
 * work (socket reads and writes) is not counted; it is about the same on both sides of a comparison, so an
 * instruction ratio below 1 understates the throughput ratio of a CPU-bound server: a conservative witness, not the
 * throughput the targets name.
 */

/** The dump's total, all threads: its header's `summary:` line, or the `totals:` line when a version writes only that. */
export function dumpTotal (text: string): number {
  const m = /^summary: (\d+)/m.exec(text) ?? /^totals: (\d+)/m.exec(text)
  if (!m) throw new Error('not a callgrind dump: no totals line')
  return Number(m[1])
}

/** `valgrind` is on the PATH: a clear error before any server starts, not a failed fork later. */
export async function assertValgrind (): Promise<void> {
  await new Promise<void>((resolve, reject) => execFile('valgrind', ['--version'], err => err
    ? reject(new Error('BENCH_INSTRUCTIONS needs valgrind (Debian: apt-get install valgrind)'))
    : resolve()))
}

export interface Counter {
  /** Forget what the process has executed so far. */
  zero: () => Promise<void>
  /** The instructions executed since the last zero (or dump). */
  dump: () => Promise<number>
}

export interface CallgrindLaunch {
  /** fork()'s execPath and the arguments before node's own. */
  execPath: string
  execArgv: string[]
  /** The counter of the process fork() started with this launch. */
  counter: (pid: number) => Counter
  /** Removes the dumps; call once the process has exited. */
  cleanup: () => void
}

const control = (pid: number, command: '-z' | '-d') => new Promise<void>((resolve, reject) => {
  execFile('callgrind_control', [command, String(pid)], (err, stdout, stderr) => {
    if (err) reject(new Error(`callgrind_control ${command} ${pid} failed: ${stderr || stdout || err.message}`))
    else resolve()
  })
})

/** How to start one server process under callgrind, and count its instructions from outside. */
export function callgrindLaunch (): CallgrindLaunch {
  const dir = mkdtempSync(join(tmpdir(), 'bench-callgrind-'))
  return {
    execPath: 'valgrind',
    // Node's threads in one count (RSA checks on the threadpool are the server's work too); no cache simulation.
    // --no-memory-reducer: under valgrind a server waits minutes (for the others to start, for other pairs), and V8's
    // idle-time memory reducer then left processes running Node's nextTick through the runtime, 40-50% more
    // instructions per request for the whole count, in some processes and not others (README, Benchmarks). The count
    // is of the code's work per request, so the flag keeps idle processes out of that state. It is not the only way
    // in: one process that never idled still landed there, so a wide interval over the pairs calls for more pairs.
    execArgv: ['--tool=callgrind', '-q', '--separate-threads=no', `--callgrind-out-file=${join(dir, 'cg.%p')}`, process.execPath, '--no-memory-reducer'],
    counter: (pid) => ({
      zero: () => control(pid, '-z'),
      async dump () {
        await control(pid, '-d')
        // Each dump is <out>.<n>, numbered from 1: the newest is this one.
        const prefix = `cg.${pid}.`
        const numbers = readdirSync(dir).filter(f => f.startsWith(prefix)).map(f => Number(f.slice(prefix.length))).filter(Number.isInteger)
        if (numbers.length === 0) throw new Error(`callgrind wrote no dump for process ${pid}`)
        return dumpTotal(readFileSync(join(dir, `${prefix}${Math.max(...numbers)}`), 'utf8'))
      }
    }),
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}
