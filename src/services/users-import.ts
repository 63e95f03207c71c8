// Bulk invitation of a CSV of users into one tenant (operators): parsing, validation, paced invites, a resumable summary.
import { CsvError, parse } from 'csv-parse/sync'
import type { TenantScope } from '../domain/tenant-scope.js'
import { AlreadyMemberError } from '../domain/errors.js'
import { csvOf, printable, readUsersCsv, type ImportFailure, type ImportRow } from '../domain/users-csv.js'
import type { TenantUsers } from './users/index.js'

export { csvCell, printable, UnreadableCsvError, type ImportFailure, type ImportRow } from '../domain/users-csv.js'

export interface ImportSummary {
  total: number
  /** New accounts created by the import: the person's first sign-in accepts the invitation. */
  invited: number
  /** Addresses that already had an account (a member elsewhere): a pending invitation, which the person accepts. */
  pendingInvitations: number
  alreadyMembers: number
  failed: ImportFailure[]
}

/** readUsersCsv (src/domain/users-csv.ts) with Node's csv-parse (the console passes the browser build). */
export const parseUsersCsv = (text: string) => readUsersCsv(text, { parse, CsvError })

/** The summary the script prints: every line through printable(). */
export function formatSummary (s: ImportSummary): string {
  const lines = [`${s.total} rows: ${s.invited} invited, ${s.pendingInvitations} pending invitations (existing users), ${s.alreadyMembers} already members, ${s.failed.length} failed`]
  for (const f of s.failed) lines.push(`  line ${f.line} ${f.email ? printable(f.email) : '(empty)'}: ${printable(f.reason)}`)
  return lines.join('\n')
}

/** The failures as a CSV report (`line,email,reason`), safe to open in a spreadsheet. */
export function failuresCsv (failures: ImportFailure[]): string {
  return csvOf(['line', 'email', 'reason'], failures.map(f => [f.line, f.email, f.reason]))
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
 * rate limits apply). An address that already has an account gets a pending invitation and is counted as one. A rerun is cheap: a row already done is refused by its email claim before any Cognito call
 * and counted as already a member; a row interrupted mid-invite is completed.
 */
export async function importUsers (opts: ImportOptions, initialFailures: ImportFailure[] = []): Promise<ImportSummary> {
  const summary: ImportSummary = { total: opts.rows.length + initialFailures.length, invited: 0, pendingInvitations: 0, alreadyMembers: 0, failed: [...initialFailures] }
  let next = 0
  let done = initialFailures.length
  opts.onProgress?.(done, summary.total)
  const worker = async () => {
    for (;;) {
      const row = opts.rows[next++]
      if (!row) return
      try {
        const m = await opts.tenantUsers.invite(opts.scope, { email: row.email, groups: row.groups, actor: opts.actor })
        if (m.invitation?.createdUser === false) summary.pendingInvitations++
        else summary.invited++
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
