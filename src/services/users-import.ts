// Bulk invitation of a CSV of users into one tenant (operators): parsing, validation, paced invites, a resumable summary.
import { CsvError, parse } from 'csv-parse/sync'
import { TENANT_GROUPS, type TenantGroup } from '../domain/model.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import { AlreadyMemberError } from '../domain/errors.js'
import { isEmail, normalizeEmail } from '../repositories/keys.js'
import type { TenantUsers } from './users/index.js'

export interface ImportRow { line: number, email: string, groups: TenantGroup[] }
export interface ImportFailure { line: number, email: string, reason: string }
export interface ImportSummary {
  total: number
  /** New accounts created by the import: the person's first sign-in accepts the invitation. */
  invited: number
  /** Addresses that already had an account (a member elsewhere): a pending invitation, which the person accepts. */
  pendingInvitations: number
  alreadyMembers: number
  failed: ImportFailure[]
}

/** A CSV the import cannot read at all (its header line); a bad data row is a failure instead. */
export class UnreadableCsvError extends Error {
  override name = 'UnreadableCsvError'
}

/** Why csv-parse refused a row, without its position (the failure carries the file's line number). */
function csvReason (err: unknown): string {
  if (!(err instanceof CsvError)) throw err
  return `unreadable CSV row (${err.code.replace(/^CSV_/, '').toLowerCase().replaceAll('_', ' ')})`
}

/** One physical line as CSV fields. */
function fieldsOf (line: string): string[] {
  const records = parse(line, { trim: true, relax_column_count: true }) as string[][]
  return records[0] ?? []
}

/**
 * Reads `email,groups` rows (groups separated by ';' or '|', default members). A bad row becomes a failure with its
 * line and reason, never an exception: one typo must not stop an import of thousands.
 *
 * Each line is parsed on its own. Neither column can hold a line break, and parsing the whole text at once lets one
 * stray quote swallow every line after it (csv-parse reads on, inside the quote, to the next one), or throw a
 * CsvError that ends the import. Only an unreadable header throws (UnreadableCsvError).
 */
export function parseUsersCsv (text: string): { rows: ImportRow[], failures: ImportFailure[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
  const rows: ImportRow[] = []
  const failures: ImportFailure[] = []
  const seen = new Set<string>()
  let columns: string[] | undefined
  for (const [index, text] of lines.entries()) {
    const line = index + 1
    if (text.trim() === '') continue
    let fields: string[]
    try {
      fields = fieldsOf(text)
    } catch (err) {
      if (!columns) throw new UnreadableCsvError(`line ${line}: the header is an ${csvReason(err)}`)
      failures.push({ line, email: '', reason: csvReason(err) })
      continue
    }
    if (!columns) { columns = fields.map(c => c.toLowerCase()); continue }
    const record: Record<string, string | undefined> = Object.fromEntries(columns.map((c, i) => [c, fields[i]]))
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

/**
 * Text from the file (or from errors that quote it) made safe for the operator's terminal: control characters (C0,
 * DEL, C1: escape sequences), bidi controls and invisible format characters are written as \xNN or \u{NNNN}, and a
 * backslash as \\, so what is printed is exactly what the file holds and nothing the terminal acts on.
 */
export function printable (text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\\\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, c => {
    if (c === '\\') return '\\\\'
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`
  })
}

/** The summary the script prints: every line through printable(). */
export function formatSummary (s: ImportSummary): string {
  const lines = [`${s.total} rows: ${s.invited} invited, ${s.pendingInvitations} pending invitations (existing users), ${s.alreadyMembers} already members, ${s.failed.length} failed`]
  for (const f of s.failed) lines.push(`  line ${f.line} ${f.email ? printable(f.email) : '(empty)'}: ${printable(f.reason)}`)
  return lines.join('\n')
}

/**
 * One CSV cell that a spreadsheet shows as text: a cell starting with = + - @ (or a tab or CR) would be read as a
 * formula (OWASP, CSV injection), so it gets a leading single quote; control characters are escaped as in printable().
 */
export function csvCell (value: string | number): string {
  let cell = printable(String(value))
  if (/^[=+\-@\t\r]/.test(cell)) cell = `'${cell}`
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell
}

/** The failures as a CSV report (`line,email,reason`), safe to open in a spreadsheet. */
export function failuresCsv (failures: ImportFailure[]): string {
  return ['line,email,reason', ...failures.map(f => [f.line, f.email, f.reason].map(csvCell).join(','))].join('\r\n') + '\r\n'
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
