// npm run users:import -- --tenant <id> --file users.csv: invites a CSV of users into a tenant at the Cognito rate limits.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { ConfigError, loadConfig } from '../config.js'
import { createDynamo } from '../dynamodb.js'
import { createUserPoolClient } from '../cognito/user-pool.js'
import { createTenantUsers } from '../services/tenant-users.js'
import { importUsers, parseUsersCsv, type ImportSummary } from '../services/users-import.js'
import { tenantsRepository } from '../repositories/tenants.js'
import { mintTenantScope } from '../domain/tenant-scope.js'
import { ID_REGEX } from '../domain/model.js'

const USAGE = 'usage: npm run users:import -- --tenant <tenantId> --file <users.csv> [--concurrency 10]'

function fail (message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(2)
}

function formatSummary (s: ImportSummary): string {
  const lines = [`${s.total} rows: ${s.invited} invited, ${s.alreadyMembers} already members, ${s.failed.length} failed`]
  for (const f of s.failed) lines.push(`  line ${f.line} ${f.email || '(empty)'}: ${f.reason}`)
  return lines.join('\n')
}

async function main () {
  const { values } = parseArgs({ options: { tenant: { type: 'string' }, file: { type: 'string' }, concurrency: { type: 'string', default: '10' } } })
  if (!values.tenant || !values.file) fail(USAGE)
  if (!ID_REGEX.test(values.tenant)) fail(`invalid tenant id: ${values.tenant}`)
  const concurrency = Number(values.concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100) fail('--concurrency must be an integer from 1 to 100')

  // The same environment, and the same validation, as the server.
  let config
  try { config = loadConfig() } catch (err) { if (err instanceof ConfigError) fail(err.message); throw err }

  const text = await readFile(values.file, 'utf8').catch((err: Error) => fail(`cannot read ${values.file}: ${err.message}`))
  const { rows, failures } = parseUsersCsv(text)

  const dynamo = createDynamo(config)
  // A batch may wait for rate-limit slots as long as it needs: it paces itself instead of failing fast like the API.
  const cognito = createUserPoolClient(config, { maxWaitMs: 10 * 60_000 })
  try {
    const tenant = await tenantsRepository(dynamo).get(values.tenant, { consistent: true })
    if (!tenant) fail(`tenant ${values.tenant} not found`)
    if (tenant.status !== 'active') fail(`tenant ${values.tenant} is ${tenant.status}`)

    const tty = process.stderr.isTTY === true
    const bar = tty ? new cliProgress.SingleBar({ format: 'importing [{bar}] {value}/{total} {percentage}% | eta {eta}s', stream: process.stderr }, cliProgress.Presets.shades_classic) : null
    let lastPlain = 0
    let barStarted = false
    const summary = await importUsers({
      tenantUsers: createTenantUsers({ dynamo, cognito }),
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
    process.exitCode = summary.failed.length > 0 ? 1 : 0
  } finally {
    cognito.close()
    dynamo.client.destroy()
  }
}

await main()
