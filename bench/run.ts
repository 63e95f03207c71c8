// npm run bench [-- name ...]: runs each scenario's baseline and subject under the same load and prints subject/baseline ratios.
import { load, runBenchEndHooks, type LoadResult, type Scenario } from './lib.js'
import { authScenarios, jwksRequests } from './auth.js'

/** Every scenario module contributes here (bench/orders.ts, ...). */
const scenarios: Scenario[] = [...authScenarios]

const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const duration = Number(process.env.BENCH_DURATION ?? 5)
const warmup = Number(process.env.BENCH_WARMUP ?? 1)
/** Each side's time is split into alternating rounds, so background load drifting during the run hits both sides alike. */
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5))
const only = process.argv.slice(2)
const selected = only.length ? scenarios.filter(s => only.includes(s.name)) : scenarios

const rows: string[] = []
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
let failed = false

console.log(`bench: ${selected.length} scenario(s), ${connections} connections, ${duration} s each side in ${rounds} alternating rounds (+${warmup} s warm-up)`)
try {
  for (const scenario of selected) {
    console.log(`\n# ${scenario.name}: ${scenario.description}`)
    const run = await scenario.setup()
    try {
      if (warmup > 0) {
        await load(run.baseline, { connections, duration: warmup })
        await load(run.subject, { connections, duration: warmup })
      }
      const base: LoadResult = { rps: 0, p99: 0, errors: 0, non2xx: 0, total: 0 }
      const subj: LoadResult = { ...base }
      for (let r = 0; r < rounds; r++) {
        for (const [target, acc] of [[run.baseline, base], [run.subject, subj]] as const) {
          const res = await load(target, { connections, duration: duration / rounds })
          acc.rps += res.rps / rounds
          acc.p99 = Math.max(acc.p99, res.p99)
          acc.errors += res.errors
          acc.non2xx += res.non2xx
          acc.total += res.total
        }
      }
      const ratio = subj.rps / base.rps
      for (const [t, r] of [[run.baseline, base], [run.subject, subj]] as const) {
        console.log(`  ${t.label.padEnd(20)} ${fmt(r.rps).padStart(8)} req/s  p99 ${r.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}`)
        if (r.non2xx > 0 || r.errors > 0) failed = true
      }
      const verdict = scenario.target === undefined ? '' : ratio >= scenario.target ? `target ≥ ${scenario.target}: met` : `target ≥ ${scenario.target}: MISSED`
      console.log(`  ratio ${ratio.toFixed(2)}  ${verdict}`)
      for (const line of await run.report?.() ?? []) console.log(`  ${line}`)
      rows.push(`${scenario.name.padEnd(22)} ${fmt(base.rps).padStart(8)} ${fmt(subj.rps).padStart(8)}   ${ratio.toFixed(2)}   ${verdict}`)
    } finally {
      await run.close?.()
    }
  }
  console.log(`\n${'scenario'.padEnd(22)} ${'baseline'.padStart(8)} ${'subject'.padStart(8)}   ratio`)
  for (const row of rows) console.log(row)
  console.log(`JWKS requests during the whole run: ${await jwksRequests()}`)
  if (failed) console.log('WARNING: some responses were not 2xx or errored; the numbers above are not valid')
} finally {
  await runBenchEndHooks()
}
