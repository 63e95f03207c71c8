// The tenant's audit trail, newest first, for its admins: people by the address stored with each entry, actions in
// words, filters (who, what, when; the API bounds what one request reads, see GET /audit) and a CSV export built from
// the API's CSV pages.
import { useState, type FormEvent } from 'react'
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { formatDate, ListStates, ProblemView, useAction, usePagedList } from '../ui.js'

type Entry = paths['/audit']['get']['responses'][200]['content']['application/json']['items'][number]
type Query = Omit<NonNullable<paths['/audit']['get']['parameters']['query']>, 'limit' | 'cursor'>
interface Filters { who: string, action: string, from: string, to: string }

const ACTIONS: Array<[string, string]> = [
  ['', 'any action'], ['user.', 'any change to people'], ['user.invited', 'invitations sent'], ['user.invitation_accepted', 'invitations accepted'],
  ['user.group_', 'role changes'], ['user.disabled', 'disabled'], ['user.enabled', 'enabled'], ['user.removed', 'removals'], ['user.left', 'people who left'],
  ['user.invitation_revoked', 'invitations revoked'], ['tenant.', 'tenant changes'], ['domain.', 'domain changes'], ['order.deleted', 'orders deleted']
]
/** An EXPORT_PAGES × 500 entries cap keeps a browser download bounded; a larger trail is exported in time ranges. */
const EXPORT_PAGES = 20

/** The filters as query parameters: a date-only field means that whole day, in the browser's time zone. */
function queryOf (f: Filters): Query {
  return {
    ...(f.who.trim() !== '' ? { who: f.who.trim() } : {}),
    ...(f.action !== '' ? { action: f.action } : {}),
    ...(f.from !== '' ? { from: new Date(`${f.from}T00:00:00`).toISOString() } : {}),
    ...(f.to !== '' ? { to: new Date(`${f.to}T23:59:59.999`).toISOString() } : {})
  }
}

export function Audit ({ api, tenantName }: { api: Api, tenantName: string }) {
  const [filters, setFilters] = useState<Filters>({ who: '', action: '', from: '', to: '' })
  const [applied, setApplied] = useState<Filters>(filters)
  const submit = (e: FormEvent) => { e.preventDefault(); setApplied(filters) }
  const field = (name: keyof Filters) => ({ value: filters[name], onChange: (e: { target: { value: string } }) => setFilters(f => ({ ...f, [name]: e.target.value })) })
  return (
    <section aria-labelledby='audit-title'>
      <h2 id='audit-title'>Audit trail of {tenantName}</h2>
      <form className='card' onSubmit={submit} aria-labelledby='audit-filter-title'>
        <h3 id='audit-filter-title'>Filter</h3>
        <div className='fields'>
          <label>Who (address or user id) <input {...field('who')} autoComplete='off' /></label>
          <label>What <select {...field('action')}>{ACTIONS.map(([code, words]) => <option key={code} value={code}>{words}</option>)}</select></label>
          <label>From <input type='date' {...field('from')} /></label>
          <label>To <input type='date' {...field('to')} /></label>
        </div>
        <div className='actions'>
          <button type='submit'>Apply filters</button>
          <Export api={api} query={queryOf(applied)} />
        </div>
      </form>
      <Entries key={JSON.stringify(applied)} api={api} tenantName={tenantName} query={queryOf(applied)} />
    </section>
  )
}

function Entries ({ api, tenantName, query }: { api: Api, tenantName: string, query: Query }) {
  const list = usePagedList<Entry>(async cursor => await call(api.GET('/audit', { params: { query: { limit: 20, ...query, ...(cursor !== undefined ? { cursor } : {}) } } })))
  return (
    <ListStates list={list} what='audit entries' empty={list.nextCursor === null ? 'No entries match.' : 'None in this stretch; load more to search further.'}>
      <table>
        <caption className='sr-only'>Audit trail of {tenantName}</caption>
        <thead><tr><th scope='col'>When</th><th scope='col'>Who</th><th scope='col'>What</th></tr></thead>
        <tbody>
          {list.items.map(e => (
            <tr key={e.auditId} data-action={e.action}>
              <td>{formatDate(e.at)}</td>
              <td>{e.actorEmail ?? <code>{e.actor}</code>}</td>
              <td>{e.summary} <span className='muted'>({e.action})</span></td>
            </tr>
          ))}
        </tbody>
      </table>
    </ListStates>
  )
}

/** Downloads the filtered trail as one CSV: the API's pages (500 entries each) joined, the header row kept once. */
function Export ({ api, query }: { api: Api, query: Query }) {
  const action = useAction()
  const [done, setDone] = useState<string | null>(null)
  const run = () => action.run(async () => {
    setDone(null)
    const parts: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const { data, response } = await api.GET('/audit/export', { params: { query: { limit: 500, ...query, ...(cursor !== undefined ? { cursor } : {}) } }, parseAs: 'text' })
      if (!response.ok || data === undefined) await call(Promise.resolve({ error: await response.clone().json().catch(() => undefined), response }))
      const text = data ?? ''
      parts.push(pages === 0 ? text : text.slice(text.indexOf('\r\n') + 2))
      cursor = response.headers.get('x-next-cursor') ?? undefined
      pages++
    } while (cursor !== undefined && pages < EXPORT_PAGES)
    const url = URL.createObjectURL(new Blob(parts, { type: 'text/csv' }))
    const link = document.createElement('a')
    link.href = url
    link.download = 'audit.csv'
    link.click()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
    setDone(cursor === undefined ? 'Exported.' : `Exported the first ${EXPORT_PAGES * 500} entries; narrow the dates for the rest.`)
  })
  return (
    <>
      <button type='button' className='secondary' onClick={() => { void run() }} disabled={action.busy}>Export CSV</button>
      {done !== null && <span role='status' className='ok'>{done}</span>}
      {action.problem !== null && <ProblemView problem={action.problem} />}
    </>
  )
}
