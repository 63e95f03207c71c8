// users:import's pure parts: a bad CSV row is a failure on its own line, printed text is inert, the failures CSV is spreadsheet-safe.
import t from 'tap'
import { csvCell, failuresCsv, formatSummary, parseUsersCsv, printable, UnreadableCsvError } from '../../src/services/users-import.js'

t.test('a row with bad quoting is a failure with its line number; the rows after it are still read', async t => {
  const { rows, failures } = parseUsersCsv('email,groups\nok1@example.com,members\n"bad"x@example.com,members\nok2@example.com,"unterminated\n=HYPERLINK("x")@example.com,members\nok3@example.com,admins\n')
  t.same(rows.map(r => [r.line, r.email]), [[2, 'ok1@example.com'], [6, 'ok3@example.com']])
  t.match(failures, [
    { line: 3, email: '', reason: /^unreadable CSV row \(invalid closing quote\)$/ },
    { line: 4, email: '', reason: /^unreadable CSV row \(quote not closed\)$/ },
    { line: 5, email: '', reason: /^unreadable CSV row \(invalid opening quote\)$/ }
  ])
})

t.test('line numbers count blank lines, CRLF and a BOM as the file does; quoted fields still parse', async t => {
  const { rows } = parseUsersCsv('\uFEFFEmail , Groups\r\n\r\n"a@example.com","admins;members"\r\nb@example.com\r\n')
  t.same(rows, [{ line: 3, email: 'a@example.com', groups: ['admins', 'members'] }, { line: 4, email: 'b@example.com', groups: ['members'] }])
})

t.test('an unreadable header stops the import with one error naming the line, not a CsvError', async t => {
  t.throws(() => parseUsersCsv('"email,groups\na@example.com,members\n'), UnreadableCsvError)
  t.throws(() => parseUsersCsv('"email,groups\n'), { message: /^line 1: / })
})

t.test('printed rows carry no terminal escape sequences or bidi controls', async t => {
  t.equal(printable('a\u001b]0;pwned\u0007\u001b[2Jb'), 'a\\x1b]0;pwned\\x07\\x1b[2Jb')
  t.equal(printable('x\u202eevil\u0000\u009b\r\n'), 'x\\u{202e}evil\\x00\\x9b\\x0d\\x0a')
  t.equal(printable('back\\slash'), 'back\\\\slash', 'a backslash is escaped too, so escapes in the output are unambiguous')
  t.equal(printable('plain@example.com (ok)'), 'plain@example.com (ok)')
  const { failures } = parseUsersCsv('email,groups\n\u001b[31mred@example.com\u001b[0m,members\nok@example.com,\u001b[2Jadmins\n')
  const out = formatSummary({ total: 2, invited: 0, pendingInvitations: 0, alreadyMembers: 0, failed: failures })
  // eslint-disable-next-line no-control-regex
  t.notMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, 'nothing but newlines between the lines')
  t.match(out, /line 2 \\x1b\[31mred@example.com\\x1b\[0m: invalid email/)
  t.match(out, /line 3 ok@example.com: unknown group\(s\): \\x1b\[2Jadmins/)
})

t.test('the failures CSV: no cell a spreadsheet would read as a formula', async t => {
  for (const v of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)']) t.equal(csvCell(v).replace(/^"/, '')[0], '\'', `prefixed: ${JSON.stringify(v)}`)
  t.equal(csvCell('\t=1'), '\\x09=1', 'a leading tab or CR is escaped, so the cell starts with a backslash')
  t.equal(csvCell('a,b'), '"a,b"')
  t.equal(csvCell('say "hi"'), '"say ""hi"""')
  t.equal(csvCell(7), '7')
  const csv = failuresCsv([{ line: 2, email: '=cmd|\' /C calc\'!A0', reason: 'invalid email' }, { line: 3, email: '+x@example.com', reason: 'unknown group(s): @admins' }])
  t.equal(csv, 'line,email,reason\r\n2,\'=cmd|\' /C calc\'!A0,invalid email\r\n3,\'+x@example.com,unknown group(s): @admins\r\n')
  for (const line of csv.trim().split('\r\n')) for (const cell of line.split(',')) t.notOk(/^[=+\-@]/.test(cell), `cell ${cell}`)
})
