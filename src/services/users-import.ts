// Bulk invitation of a CSV of users into one tenant (operators): parsing, validation, paced invites, a resumable summary.
import { parse } from 'csv-parse/sync'
import { TENANT_GROUPS, type TenantGroup } from '../domain/model.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import { AlreadyMemberError } from '../domain/errors.js'
import { isEmail, normalizeEmail } from '../repositories/keys.js'
import type { TenantUsers } from './tenant-users.js'

export interface ImportRow { line: number, email: string, groups: TenantGroup[] }
export interface ImportFailure { line: number, email: string, reason: string }
export interface ImportSummary {
  total: number
  invited: number
  alreadyMembers: number
  failed: ImportFailure[]
}

/**
 * Reads `email,groups` rows (groups separated by ';' or '|', default members). A bad row becomes a failure with its
 * line and reason, never an exception: one typo must not stop an import of thousands.
 */
export function parseUsersCsv (text: string): { rows: ImportRow[], failures: ImportFailure[] } {
  const records = parse(text, { columns: (h: string[]) => h.map(c => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, relax_column_count: true, bom: true, info: true }) as Array<{ record: Record<string, string | undefined>, info: { lines: number } }>
  const rows: ImportRow[] = []
  const failures: ImportFailure[] = []
  const seen = new Set<string>()
  for (const { record, info } of records) {
    const line = info.lines
    const raw = record.email ?? ''
    const email = normalizeEmail(raw)
    if (!isEmail(email)) { failures.push({ line, email: raw, reason: 'invalid email' }); continue }
    if (seen.has(email)) { failures.push({ line, email, reason: 'duplicate of an earlier row' }); continue }
    const wanted = (record.groups ?? '').split(/[;|]/).map(g => g.trim()).filter(Boolean)
    const unknown = wanted.filter(g => !(TENANT_GROUPS as readonly string[]).includes(g))
    if (unknown.length > 0) { failures.push({ line, email, reason: `unknown group(s): ${unknown.join(', ')} (allowed: ${TENANT_GROUPS.join(', ')})` }); continue }
    seen.add(email)
    rows.push({ line, email, groups: wanted.length > 0 ? wanted as TenantGroup[] : ['members'] })
  }
  return { rows, failures }
}

export interface ImportOptions {
  tenantUsers: TenantUsers
  scope: TenantScope
  actor: string
  rows: ImportRow[]
  /** Invites in flight; the Cognito client's rate limiter does the pacing, this only keeps its queue fed. */
  concurrency?: number
  onProgress?: (done: number, total: number) => void
}

/**
 * Invites every row through the same service the API uses (so the same claim/Cognito/membership steps and the same
 * rate limits apply). A rerun is cheap: a row already done is refused by its email claim before any Cognito call
 * and counted as already a member; a row interrupted mid-invite is completed.
 */
export async function importUsers (opts: ImportOptions, initialFailures: ImportFailure[] = []): Promise<ImportSummary> {
  const summary: ImportSummary = { total: opts.rows.length + initialFailures.length, invited: 0, alreadyMembers: 0, failed: [...initialFailures] }
  let next = 0
  let done = initialFailures.length
  opts.onProgress?.(done, summary.total)
  const worker = async () => {
    for (;;) {
      const row = opts.rows[next++]
      if (!row) return
      try {
        await opts.tenantUsers.invite(opts.scope, { email: row.email, groups: row.groups, actor: opts.actor })
        summary.invited++
      } catch (err) {
        if (err instanceof AlreadyMemberError) summary.alreadyMembers++
        else summary.failed.push({ line: row.line, email: row.email, reason: (err as Error).message })
      }
      opts.onProgress?.(++done, summary.total)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 10) }, worker))
  summary.failed.sort((a, b) => a.line - b.line)
  return summary
}
