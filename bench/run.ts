// npm run bench [-- name ...]: runs each scenario's baseline and subject under the same load and prints subject/baseline ratios.
import { loadavg } from 'node:os'
import { compare, countInstructions, INSTRUCTIONS, jwksSummary, load, preflight, PROCESSES, runBenchEndHooks, warmUp, type Comparison, type LoadResult, type Scenario, type ScenarioRun } from './lib.js'
import { assertValgrind } from './callgrind.js'
import { authScenarios } from './auth.js'
import { ordersScenarios } from './orders.js'
import { loggingScenarios } from './logging.js'
import { limitsScenarios } from './limits.js'
import { shippedScenarios } from './shipped.js'

// `npm run bench -- coldstart`: the Lambda cold-start comparison (bench/coldstart.ts), a mode of its own rather than a
// load scenario (no servers, no load: fresh processes importing bundles). Nothing below runs in this mode.
if (process.argv[2] === 'coldstart') {
  const { coldstart } = await import('./coldstart.js')
  // stdout is synchronous on Linux pipes and files, so exiting here loses no output.
  process.exit(await coldstart())
}

/** Every scenario module contributes here. */
const scenarios: Scenario[] = [...authScenarios, ...ordersScenarios, ...limitsScenarios, ...loggingScenarios, ...shippedScenarios]

const defaultConnections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const duration = Number(process.env.BENCH_DURATION ?? 12)
/** The most warm-up seconds per process; each stops earlier once its throughput stops rising (bench/lib.ts warmUp). */
const warmup = Math.max(0, Number(process.env.BENCH_WARMUP ?? 12))
/**
 * Each side's time is split into alternating rounds, so background load drifting during the run hits both sides alike;
 * round r goes to process r % PROCESSES of each side (bench/lib.ts), so by default each process serves three rounds.
 * The spread between process pairs gives the ratio's interval (bench/lib.ts compare): more processes, a narrower one.
 */
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 12))
// `npm run bench -- orders` selects orders-*; `-- me-same-token` selects one scenario; `-- coldstart` is the mode above.
const only = process.argv.slice(2)
const selected = only.length ? scenarios.filter(s => only.some(o => s.name === o || s.name.startsWith(`${o}-`))) : scenarios
if (selected.length === 0) {
  console.error(`no scenario matches ${only.join(' ')}; scenarios: ${scenarios.map(s => s.name).join(', ')}`)
  process.exit(2)
}
const load1 = () => loadavg()[0]!.toFixed(2)
/** BENCH_INSTRUCTIONS: responses before the count is zeroed, and responses counted, per server process. */
const instrWarmup = Math.max(1, Number(process.env.BENCH_INSTRUCTIONS_WARMUP ?? 20_000))
const instrRequests = Math.max(1, Number(process.env.BENCH_INSTRUCTIONS_REQUESTS ?? 5_000))

const rows: string[] = []
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const span = (low: number, high: number) => `${low.toFixed(2)}–${Number.isFinite(high) ? high.toFixed(2) : '∞'}`
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
/** What a comparison says of its scenario's target, if it has one. */
const verdictText = (scenario: Scenario, { verdict }: Comparison) => verdict === undefined
  ? ''
  : `target ≥ ${scenario.target}: ${verdict === 'met' ? 'met' : verdict === 'missed' ? 'MISSED' : 'undecided (the interval spans it)'}`
/** A scenario's line in the closing summary: each side's figure, then the ratio, its interval and the verdict. */
const summaryRow = (scenario: Scenario, baseline: number, subject: number, c: Comparison) =>
  `${scenario.name.padEnd(22)} ${fmt(baseline).padStart(8)} ${fmt(subject).padStart(8)}   ${c.ratio.toFixed(2)}  ${span(c.low, c.high).padEnd(9)}  ${verdictText(scenario, c)}`
let failed = false

/**
 * The instructions mode's measurement of one scenario: every process of both sides is counted at once (the counts do
 * not depend on what else runs), each side's instructions per request become a work rate (1 / instructions), and
 * compare() judges their ratio like a throughput ratio, one pair per round: the interval is the spread between
 * processes, which is all the noise left.
 */
async function byInstructions (scenario: Scenario, run: ScenarioRun, connections: number): Promise<string> {
  // Every process at once: the counts do not depend on it, and no process idles for minutes while others are counted
  // (idle processes came back running Node's nextTick through V8's runtime; see bench/callgrind.ts and the README).
  const pairs = await Promise.all(Array.from({ length: PROCESSES }, (_, p) => {
    const opts = { connections, round: p, warmup: instrWarmup, requests: instrRequests }
    return Promise.all([countInstructions(run.baseline, opts), countInstructions(run.subject, opts)])
  }))
  const counts = { baseline: pairs.map(([b]) => b), subject: pairs.map(([, s]) => s) }
  const c = compare(counts.baseline.map(i => 1 / i), counts.subject.map(i => 1 / i), scenario.target)
  for (const [t, xs] of [[run.baseline, counts.baseline], [run.subject, counts.subject]] as const) {
    console.log(`  ${t.label.padEnd(20)} ${xs.map(fmt).join(' / ')} instructions per request`)
  }
  console.log(`  ratio ${c.ratio.toFixed(2)} (95% interval ${span(c.low, c.high)}; process pairs ${c.rounds.map(x => x.toFixed(2)).join(' ')})  ${verdictText(scenario, c)}`)
  return summaryRow(scenario, mean(counts.baseline), mean(counts.subject), c)
}

if (INSTRUCTIONS) {
  await assertValgrind()
  console.log(`bench by instructions: ${selected.length} scenario(s), every server process under valgrind's callgrind; per process ${instrWarmup.toLocaleString('en-US')} warm-up requests, then ${instrRequests.toLocaleString('en-US')} counted on the same connections; ${PROCESSES} process pair(s) per scenario. Ratio = baseline instructions per request / subject's; the kernel's share (sockets) is not counted, so a ratio below 1 understates the throughput ratio (bench/callgrind.ts).`)
} else console.log(`bench: ${selected.length} scenario(s), ${defaultConnections} connections unless a scenario says otherwise, ${duration} s each side in ${rounds} alternating rounds over ${PROCESSES} server process(es) per side (each process first warmed up until its throughput stops rising, at most ${warmup} s)`)
try {
  for (const scenario of selected) {
    const connections = scenario.connections ?? defaultConnections
    console.log(`\n# ${scenario.name}: ${scenario.description} (${connections} connections)`)
    const run = await scenario.setup()
    try {
      // One request each side first: a misconfigured side fails here with its status and body, not as a ratio.
      const note = await preflight(run.baseline, run.subject)
      if (note) console.log(`  note: ${note}`)
      if (INSTRUCTIONS) {
        rows.push(await byInstructions(scenario, run, connections))
        continue
      }
      const loadBefore = load1()
      if (warmup > 0) {
        const spent = { baseline: [] as number[], subject: [] as number[] }
        for (let p = 0; p < PROCESSES; p++) {
          spent.baseline.push(await warmUp(run.baseline, { connections, round: p, maxSeconds: warmup }))
          spent.subject.push(await warmUp(run.subject, { connections, round: p, maxSeconds: warmup }))
        }
        console.log(`  warm-up per process: baseline ${spent.baseline.join('/')} s, subject ${spent.subject.join('/')} s`)
      }
      const base: LoadResult = { rps: 0, p99: 0, errors: 0, non2xx: 0, total: 0 }
      const subj: LoadResult = { ...base }
      const perRound = { baseline: [] as number[], subject: [] as number[] }
      const cpuPerRound = { baseline: [] as Array<number | undefined>, subject: [] as Array<number | undefined> }
      for (let r = 0; r < rounds; r++) {
        for (const [side, target, acc] of [['baseline', run.baseline, base], ['subject', run.subject, subj]] as const) {
          const res = await load(target, { connections, duration: duration / rounds, round: r })
          // BENCH_VERBOSE=1: every round's throughput and server CPU, to see whether one process (or one moment) stands out.
          if (process.env.BENCH_VERBOSE) console.log(`    round ${r} ${target.label} process ${r % target.urls.length}: ${fmt(res.rps)} req/s${res.cpuPerRequest === undefined ? '' : `, ${res.cpuPerRequest.toFixed(1)} µs CPU per request`}`)
          perRound[side].push(res.rps)
          cpuPerRound[side].push(res.cpuPerRequest)
          acc.rps += res.rps / rounds
          acc.p99 = Math.max(acc.p99, res.p99)
          acc.errors += res.errors
          acc.non2xx += res.non2xx
          acc.total += res.total
        }
      }
      // Round r ran on process r % n of each side: rounds on the same pair of processes are one group (see compare).
      const [nb, ns] = [run.baseline.urls.length, run.subject.urls.length]
      const groups = nb > 1 || ns > 1 ? perRound.baseline.map((_, r) => (r % nb) * ns + (r % ns)) : undefined
      const c = compare(perRound.baseline, perRound.subject, scenario.target, groups)
      for (const [t, r] of [[run.baseline, base], [run.subject, subj]] as const) {
        console.log(`  ${t.label.padEnd(20)} ${fmt(r.rps).padStart(8)} req/s  p99 ${r.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}`)
        if (r.non2xx > 0 || r.errors > 0) failed = true
      }
      console.log(`  ratio ${c.ratio.toFixed(2)} (95% interval ${span(c.low, c.high)}; rounds ${c.rounds.map(x => x.toFixed(2)).join(' ')})  ${verdictText(scenario, c)}`)
      const cpu = { baseline: cpuPerRound.baseline.filter(x => x !== undefined), subject: cpuPerRound.subject.filter(x => x !== undefined) }
      if (cpu.baseline.length === rounds && cpu.subject.length === rounds) {
        // The same comparison on the servers' CPU time per request: baseline µs / subject µs is the share of bare's
        // capacity, which the throughput ratio approaches when the server saturates its core. Printed, not judged:
        // the targets are throughput shares.
        const byCpu = compare(cpu.subject, cpu.baseline, undefined, groups)
        console.log(`  server CPU per request: baseline ${mean(cpu.baseline).toFixed(1)} µs, subject ${mean(cpu.subject).toFixed(1)} µs; by CPU ${byCpu.ratio.toFixed(2)} (95% interval ${span(byCpu.low, byCpu.high)})`)
      }
      console.log(`  load average (1 min) ${loadBefore} before, ${load1()} after`)
      rows.push(summaryRow(scenario, base.rps, subj.rps, c))
    } finally {
      await run.close?.()
    }
  }
  console.log(`\n${'scenario'.padEnd(22)} ${'baseline'.padStart(8)} ${'subject'.padStart(8)}   ratio  95% interval${INSTRUCTIONS ? '  (instructions per request)' : ''}`)
  for (const row of rows) console.log(row)
  const jwks = await jwksSummary()
  if (jwks) console.log(jwks)
  if (failed) {
    console.log('WARNING: some responses were not 2xx or errored; the numbers above are not valid')
    process.exitCode = 1
  }
} finally {
  await runBenchEndHooks()
}
