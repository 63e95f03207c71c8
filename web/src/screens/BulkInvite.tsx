// Bulk invite for a tenant's admins: a CSV file (the columns of `npm run users:import`: email,groups) read and checked
// in the browser, a preview with each row's problem, then one POST /users at a time, paced by the API's 429/503
// Retry-After, with progress and Cancel; a per-row report to download. Paced from the browser because the HTTP API
// cuts a request at 30 s and Cognito's pace is far slower than a large file. A re-run is safe: a row already invited
// or already a member answers 409 APP_ALREADY_MEMBER, reported as "already there".
import { useEffect, useId, useRef, useState, type ChangeEvent } from 'react'
import { csvOf, readUsersCsv, UnreadableCsvError, type ImportRow } from '../../../src/domain/users-csv.js'
import { toProblem, type Api } from '../api/client.js'

/** The largest file the console takes: past it, split the file or run `npm run users:import`. */
export const MAX_ROWS = 1000
export const MAX_BYTES = 512 * 1024
/** Waits asked by 429/503 before a row is given up as refused. */
const MAX_WAITS = 5
const MAX_WAIT_SECONDS = 60

type Outcome = 'invited' | 'already there' | 'refused' | 'invalid' | 'not sent'
interface Line { line: number, email: string, groups: string, outcome: Outcome | 'ready', detail: string }
type Phase = { step: 'choose' } | { step: 'preview' } | { step: 'sending', done: number, total: number, waiting: string | null } | { step: 'report', cancelled: boolean }

const roles = (groups: readonly string[]) => groups.map(g => g === 'admins' ? 'admin' : 'member').join(', ')

/** Seconds from a Retry-After header (delay-seconds or an HTTP date), bounded; 1 s when absent or unreadable. */
function retryAfterSeconds (header: string | null): number {
  if (header === null) return 1
  const seconds = /^\d+$/.test(header.trim()) ? Number(header) : (Date.parse(header) - Date.now()) / 1000
  return Number.isFinite(seconds) ? Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.ceil(seconds))) : 1
}

export function BulkInvite ({ api, onInvited }: { api: Api, onInvited: () => void }) {
  const [lines, setLines] = useState<Line[]>([])
  const [rows, setRows] = useState<ImportRow[]>([])
  const [problem, setProblem] = useState<string | null>(null)
  const [phase, setPhase] = useState<Phase>({ step: 'choose' })
  const [fileName, setFileName] = useState('')
  const cancel = useRef<(() => void) | null>(null)
  const fileId = useId()
  // Leaving the screen (or switching tenants) stops a run after the row in flight.
  useEffect(() => () => cancel.current?.(), [])

  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0]
    // Emptied, so that choosing the same file again (fixed, or to re-run it) is a change too; its name stays shown.
    e.target.value = ''
    setProblem(null)
    setPhase({ step: 'choose' })
    if (file === undefined) return
    setFileName(file.name)
    if (file.size > MAX_BYTES) { setProblem(`${file.name} is ${Math.ceil(file.size / 1024)} KB: the console takes files up to ${MAX_BYTES / 1024} KB and ${MAX_ROWS} rows. Split it, or run npm run users:import.`); return }
    let read: ReturnType<typeof readUsersCsv>
    try {
      // Loaded when a file is chosen (about 60 KB with its Buffer shim), not with every page of the console.
      const csv = await import('csv-parse/browser/esm/sync')
      read = readUsersCsv(await file.text(), csv)
    } catch (err) {
      setProblem(err instanceof UnreadableCsvError ? `${file.name} cannot be read: ${err.message}.` : `${file.name} cannot be read.`)
      return
    }
    const count = read.rows.length + read.failures.length
    if (count > MAX_ROWS) { setProblem(`${file.name} has ${count} rows: the console takes up to ${MAX_ROWS}. Split it, or run npm run users:import.`); return }
    if (count === 0) { setProblem(`${file.name} has no rows under its header (email,groups).`); return }
    setRows(read.rows)
    setLines([
      ...read.rows.map(r => ({ line: r.line, email: r.email, groups: roles(r.groups), outcome: 'ready' as const, detail: '' })),
      ...read.failures.map(f => ({ line: f.line, email: f.email, groups: '', outcome: 'invalid' as const, detail: f.reason }))
    ].sort((a, b) => a.line - b.line))
    setPhase({ step: 'preview' })
  }

  const settle = (line: number, outcome: Outcome, detail: string) =>
    setLines(ls => ls.map(l => l.line === line ? { ...l, outcome, detail } : l))

  /** One row: its invite, waiting out 429/503 as Retry-After asks; resolves with the row's outcome. */
  const inviteRow = async (row: ImportRow, stopped: () => boolean, wait: (s: number) => Promise<void>, onWait: (why: string | null) => void): Promise<[Outcome, string]> => {
    for (let waits = 0; ; waits++) {
      let answer
      try {
        answer = await api.POST('/users', { body: { email: row.email, groups: row.groups } })
      } catch (err) {
        return ['refused', `${toProblem(err).title}: ${(err as Error).message}`]
      }
      const { error, response } = answer
      if (response.ok) return ['invited', '']
      const p = toProblem(error, response)
      const said = `${p.title} (${p.status})${p.detail !== undefined ? `: ${p.detail}` : ''}`
      if (response.status === 409 && p.code === 'APP_ALREADY_MEMBER') return ['already there', p.detail ?? p.title]
      if ((response.status === 429 || response.status === 503) && waits < MAX_WAITS && !stopped()) {
        const seconds = retryAfterSeconds(response.headers.get('retry-after'))
        onWait(`The API asked to wait ${seconds} s (${response.status}); row ${row.line} is sent again then.`)
        await wait(seconds)
        onWait(null)
        if (stopped()) return ['not sent', 'cancelled while waiting']
        continue
      }
      return ['refused', said]
    }
  }

  const send = async () => {
    let stopped = false
    let wake: (() => void) | null = null
    cancel.current = () => { stopped = true; wake?.() }
    const wait = (seconds: number) => new Promise<void>(resolve => {
      const timer = setTimeout(resolve, seconds * 1000)
      wake = () => { clearTimeout(timer); resolve() }
    })
    let invited = 0
    setPhase({ step: 'sending', done: 0, total: rows.length, waiting: null })
    for (const [i, row] of rows.entries()) {
      if (stopped) { settle(row.line, 'not sent', 'cancelled'); continue }
      const [outcome, detail] = await inviteRow(row, () => stopped, wait, waiting => setPhase({ step: 'sending', done: i, total: rows.length, waiting }))
      if (outcome === 'invited') invited++
      settle(row.line, outcome, detail)
      setPhase({ step: 'sending', done: i + 1, total: rows.length, waiting: null })
    }
    cancel.current = null
    setPhase({ step: 'report', cancelled: stopped })
    if (invited > 0) onInvited()
  }

  const download = () => {
    const csv = csvOf(['line', 'email', 'groups', 'outcome', 'detail'], lines.map(l => [l.line, l.email, l.groups, l.outcome, l.detail]))
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }))
    const link = document.createElement('a')
    link.href = url
    link.download = 'invite-report.csv'
    link.click()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }

  const count = (o: Line['outcome']) => lines.filter(l => l.outcome === o).length
  const sending = phase.step === 'sending'
  return (
    <div className='card' role='region' aria-labelledby='bulk-title'>
      <h3 id='bulk-title'>Invite from a CSV file</h3>
      <p className='muted'>Columns <code>email,groups</code> (groups <code>admins</code> and/or <code>members</code>, split by <code>;</code>; members when empty), as <code>npm run users:import</code> reads them. Up to {MAX_ROWS} rows; one invitation at a time, at the pace the API allows.</p>
      <div className='fields'>
        <label htmlFor={fileId}>CSV file</label>
        <input id={fileId} type='file' accept='.csv,text/csv' onChange={e => { void choose(e) }} disabled={sending} />
      </div>
      {problem !== null && <p className='problem' role='alert'>{problem}</p>}
      {phase.step === 'preview' && (
        <p role='status'>
          {fileName}: {rows.length} to invite{count('invalid') > 0 ? `, ${count('invalid')} refused before sending (see below)` : ''}.{' '}
          <button type='button' onClick={() => { void send() }} disabled={rows.length === 0}>Invite {rows.length} {rows.length === 1 ? 'person' : 'people'}</button>
        </p>
      )}
      {phase.step === 'sending' && (
        <div className='inline'>
          <label>Inviting <progress value={phase.done} max={phase.total}>{phase.done} of {phase.total}</progress></label>
          <span role='status'>{phase.done} of {phase.total} sent{phase.waiting !== null ? `. ${phase.waiting}` : ''}</span>
          <button type='button' className='danger' onClick={() => cancel.current?.()}>Cancel</button>
        </div>
      )}
      {phase.step === 'report' && (
        <p role='status'>
          {phase.cancelled ? 'Cancelled. ' : 'Done. '}{count('invited')} invited, {count('already there')} already there, {count('refused')} refused, {count('invalid')} invalid{count('not sent') > 0 ? `, ${count('not sent')} not sent` : ''}.{' '}
          <button type='button' className='secondary' onClick={download}>Download report</button>
        </p>
      )}
      {lines.length > 0 && phase.step !== 'choose' && (
        <table>
          <caption>{phase.step === 'preview' ? `Rows of ${fileName}` : `Report of ${fileName}`}</caption>
          <thead><tr><th scope='col'>Line</th><th scope='col'>Email</th><th scope='col'>Role</th><th scope='col'>Outcome</th><th scope='col'>Detail</th></tr></thead>
          <tbody>
            {lines.map(l => (
              <tr key={l.line} data-line={l.line}>
                <td>{l.line}</td><td>{l.email}</td><td>{l.groups}</td>
                <td><span className={`badge outcome-${l.outcome.replace(' ', '-')}`}>{l.outcome}</span></td><td>{l.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
