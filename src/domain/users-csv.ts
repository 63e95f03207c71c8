// The users CSV (`email,groups`) that `npm run users:import` and the console's bulk invite read, and the
// spreadsheet-safe CSV they write back. No Node imports: the console bundles it, with the browser build of csv-parse.
import { TENANT_GROUPS, type TenantGroup } from './model.js'
import { isEmail, normalizeEmail } from './email.js'

export interface ImportRow { line: number, email: string, groups: TenantGroup[] }
export interface ImportFailure { line: number, email: string, reason: string }

/** A CSV the import cannot read at all (its header line); a bad data row is a failure instead. */
export class UnreadableCsvError extends Error {
  override name = 'UnreadableCsvError'
}

/**
 * csv-parse's sync API: `csv-parse/sync` in Node, `csv-parse/browser/esm/sync` in the console (the same code, with
 * its own CsvError class).
 */
export interface CsvParser {
  parse: (input: string, options: { trim: boolean, relax_column_count: boolean }) => unknown
  CsvError: abstract new (...args: never[]) => Error & { code: string }
}

/** One physical line as CSV fields. */
function fieldsOf (csv: CsvParser, line: string): string[] {
  const records = csv.parse(line, { trim: true, relax_column_count: true }) as string[][]
  return records[0] ?? []
}

/** Why csv-parse refused a row, without its position (the failure carries the file's line number). */
function csvReason (csv: CsvParser, err: unknown): string {
  if (!(err instanceof csv.CsvError)) throw err
  return `unreadable CSV row (${err.code.replace(/^CSV_/, '').toLowerCase().replaceAll('_', ' ')})`
}

/**
 * Reads `email,groups` rows (groups separated by ';' or '|', default members). A bad row becomes a failure with its
 * line and reason, never an exception: one typo must not stop an import of thousands.
 *
 * Each line is parsed on its own. Neither column can hold a line break, and parsing the whole text at once lets one
 * stray quote swallow every line after it (csv-parse reads on, inside the quote, to the next one), or throw a
 * CsvError that ends the import. Only an unreadable header throws (UnreadableCsvError).
 */
export function readUsersCsv (text: string, csv: CsvParser): { rows: ImportRow[], failures: ImportFailure[] } {
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
      fields = fieldsOf(csv, text)
    } catch (err) {
      if (!columns) throw new UnreadableCsvError(`line ${line}: the header is an ${csvReason(csv, err)}`)
      failures.push({ line, email: '', reason: csvReason(csv, err) })
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

/**
 * One CSV cell that a spreadsheet shows as text: a cell starting with = + - @ (or a tab or CR) would be read as a
 * formula (OWASP, CSV injection), so it gets a leading single quote; control characters are escaped as in printable().
 */
export function csvCell (value: string | number): string {
  let cell = printable(String(value))
  if (/^[=+\-@\t\r]/.test(cell)) cell = `'${cell}`
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell
}

/** A CSV (a header, then one line per row; CRLF as RFC 4180), every cell through csvCell: safe to open in a spreadsheet. */
export function csvOf (header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [header.join(','), ...rows.map(r => r.map(csvCell).join(','))].join('\r\n') + '\r\n'
}
