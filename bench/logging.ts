// Logging cost: the whole app's GET /me (one token repeated, as me-same-token) with a real pino logger writing through
// the server's destination (src/log-destination.ts) to /dev/null, at `info` (one access line per request) against
// `warn` (no line per request, but the request's child logger and its bindings). The performance issue's bound:
// `info` costs at most 1.25 times `warn`, so baseline/subject must stay at or above 1/1.25 = 0.8.
// The me-log-<mode> scenarios compare other sonic-boom write modes at `info` with the same baseline; they report and
// are not judged: they are what the server's choice rests on (bench/README.md, "Logging cost").
import { once, serve, type Scenario } from './lib.js'
import { benchData } from './stack.js'

const appLog = (env: Record<string, string>) => once(async () => serve('app-log', { ...(await benchData()).env, ...env }))
const warn = appLog({ LOG_LEVEL: 'warn' })

function atInfo (name: string, what: string, env: Record<string, string>, target?: number): Scenario {
  const info = appLog({ LOG_LEVEL: 'info', ...env })
  return {
    name,
    description: `GET /me, the whole app with pino writing to /dev/null: LOG_LEVEL=info ${what} (subject) against warn through the server's destination (baseline); one token repeated`,
    ...(target === undefined ? {} : { target }),
    async setup () {
      const [{ token }, baseline, subject] = await Promise.all([benchData(), warn(), info()])
      const headers = { authorization: `Bearer ${token()}` }
      return {
        baseline: { label: 'app at warn /me', urls: baseline.urls.map(u => `${u}/me`), headers },
        subject: { label: 'app at info /me', urls: subject.urls.map(u => `${u}/me`), headers }
      }
    }
  }
}

export const loggingScenarios: Scenario[] = [
  atInfo('me-log-info', 'through the server\'s destination', {}, 0.8),
  atInfo('me-log-sync', 'with synchronous writes (one write(2) per line)', { BENCH_LOG_SYNC: '1', BENCH_LOG_MIN_LENGTH: '0' }),
  atInfo('me-log-async', 'with asynchronous writes, nothing held (pino\'s default)', { BENCH_LOG_SYNC: '0', BENCH_LOG_MIN_LENGTH: '0' }),
  atInfo('me-log-async-4k', 'with asynchronous writes of at least 4 KiB', { BENCH_LOG_SYNC: '0', BENCH_LOG_MIN_LENGTH: '4096' }),
  atInfo('me-log-async-16k', 'with asynchronous writes of at least 16,000 bytes (minLength must stay below maxWrite, 16 KiB)', { BENCH_LOG_SYNC: '0', BENCH_LOG_MIN_LENGTH: '16000' })
]
