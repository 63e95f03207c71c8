// The users CSV module the console bundles: with csv-parse's browser build it reads a file exactly as users:import does.
import t from 'tap'
import { CsvError, parse } from 'csv-parse/browser/esm/sync'
import { csvOf, readUsersCsv } from '../../src/domain/users-csv.js'
import { parseUsersCsv } from '../../src/services/users-import.js'

const browserFields = { parse, CsvError }

t.test('the browser build of csv-parse reads rows, refusals and line numbers as the CLI does', async t => {
  const text = '\uFEFFEmail,Groups\r\nok@example.com,admins;members\n"bad"x@example.com,members\n\nnot-an-email,members\nOK@example.com,members\nthird@example.com,owners\n=cmd@example.com,members\n'
  const browser = readUsersCsv(text, browserFields)
  t.same(browser, parseUsersCsv(text), 'the same result')
  t.same(browser.rows, [{ line: 2, email: 'ok@example.com', groups: ['admins', 'members'] }, { line: 8, email: '=cmd@example.com', groups: ['members'] }], 'an address may start with = (the report neutralises it)')
  t.same(browser.failures.map(f => [f.line, f.reason]), [
    [3, 'unreadable CSV row (invalid closing quote)'],
    [5, 'invalid email'],
    [6, 'duplicate of an earlier row'],
    [7, 'unknown group(s): owners (allowed: admins, members)']
  ])
  t.throws(() => readUsersCsv('"email\n', browserFields), { name: 'UnreadableCsvError' })
})

t.test('an error that is not csv-parse\'s is not taken for a bad row', async t => {
  t.throws(() => readUsersCsv('email\na@example.com\n', { parse: () => { throw new TypeError('a bug') }, CsvError }), TypeError)
})

t.test('csvOf: CRLF lines, formulas neutralised, quotes doubled', async t => {
  t.equal(csvOf(['line', 'email'], [[2, '=HYPERLINK("x")'], [3, 'a,b']]), 'line,email\r\n2,"\'=HYPERLINK(""x"")"\r\n3,"a,b"\r\n')
})
