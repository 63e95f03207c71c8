// npm run users:import -- --tenant <id> --file users.csv: invites a CSV of users into a tenant at the Cognito rate limits.
import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { ConfigError, loadConfig } from '../config.js'
import { createLimitStore } from '../limits/store.js'
import { createDynamo } from '../dynamodb/client.js'
import { createUserPoolClient } from '../cognito/user-pool.js'
import { createTenantUsers } from '../services/users/index.js'
import { failuresCsv, formatSummary, importUsers, parseUsersCsv, printable, UnreadableCsvError } from '../services/users-import.js'
import { tenantsRepository } from '../repositories/tenants.js'
import { mintTenantScope } from '../domain/tenant-scope.js'
import { ID_REGEX } from '../domain/model.js'

const USAGE = 'usage: npm run users:import -- --tenant <tenantId> --file <users.csv> [--concurrency 10] [--failures <failures.csv>]'

/** One line, never a stack trace; whatever it quotes from the command line or the file is escaped for the terminal. */
function fail (message: string): never {
  process.stderr.write(`${printable(message)}\n`)
  process.exit(2)
}

async function main () {
  const { values } = parseArgs({ options: { tenant: { type: 'string' }, file: { type: 'string' }, concurrency: { type: 'string', default: '10' }, failures: { type: 'string' } } })
  if (!values.tenant || !values.file) fail(USAGE)
  if (!ID_REGEX.test(values.tenant)) fail(`invalid tenant id: ${values.tenant}`)
  const concurrency = Number(values.concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100) fail('--concurrency must be an integer from 1 to 100')

  // The same environment, and the same validation, as the server.
  let config
  try { config = loadConfig() } catch (err) { if (err instanceof ConfigError) fail(err.message); throw err }

  const text = await readFile(values.file, 'utf8').catch((err: Error) => fail(`cannot read ${values.file}: ${err.message}`))
  let parsed
  try { parsed = parseUsersCsv(text) } catch (err) { if (err instanceof UnreadableCsvError) fail(`${values.file}: ${err.message}`); throw err }
  const { rows, failures } = parsed

  const dynamo = createDynamo(config)
  // A batch may wait for rate-limit slots as long as it needs: it paces itself instead of failing fast like the API.
  // It spends the same account-wide Cognito budget as the running API instances, counted in the same table.
  const cognito = createUserPoolClient(config, {
    maxWaitMs: 10 * 60_000,
    ...(config.LIMITS_STORE === 'dynamodb' ? { limitStore: createLimitStore(dynamo) } : {})
  })
  try {
    const tenant = await tenantsRepository(dynamo).get(values.tenant, { consistent: true })
    if (!tenant) fail(`tenant ${values.tenant} not found`)
    if (tenant.status !== 'active') fail(`tenant ${values.tenant} is ${tenant.status}`)

    const tty = process.stderr.isTTY === true
    const bar = tty ? new cliProgress.SingleBar({ format: 'importing [{bar}] {value}/{total} {percentage}% | eta {eta}s', stream: process.stderr }, cliProgress.Presets.shades_classic) : null
    let lastPlain = 0
    let barStarted = false
    const summary = await importUsers({
      tenantUsers: createTenantUsers({ dynamo, cognito, invitationTtlSeconds: config.INVITATION_TTL_SECONDS }),
      // Operator path: the tenant is addressed by id on the command line (allow-listed for mintTenantScope).
      scope: mintTenantScope(values.tenant),
      actor: `operator:users-import:${process.env.USER ?? 'unknown'}`,
      rows,
      concurrency,
      onProgress: (done, total) => {
        if (bar) {
          if (barStarted) bar.update(done)
          else { bar.start(total, done); barStarted = true }
          return
        }
        // Plain output when not a terminal (CI logs): a line every 10 % and at the end.
        if (done === total || done - lastPlain >= Math.max(1, Math.ceil(total / 10))) { lastPlain = done; process.stderr.write(`imported ${done}/${total}\n`) }
      }
    }, failures)
    bar?.stop()
    process.stdout.write(`${formatSummary(summary)}\n`)
    if (values.failures) {
      // Opened in a spreadsheet to fix rows by hand: failuresCsv quotes any cell that would read as a formula.
      await writeFile(values.failures, failuresCsv(summary.failed))
      process.stdout.write(`failures written to ${printable(values.failures)}\n`)
    }
    process.exitCode = summary.failed.length > 0 ? 1 : 0
  } finally {
    cognito.close()
    dynamo.client.destroy()
  }
}

try {
  await main()
} catch (err) {
  // An outage or a bug: one line for the operator (the import is rerunnable), not a trace.
  process.stderr.write(`users:import failed: ${printable((err as Error)?.message ?? String(err))}\n`)
  process.exitCode = 1
}
