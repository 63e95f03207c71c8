// The tenant's audit trail, newest first, for its admins.
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { formatDate, ListStates, usePagedList } from '../ui.js'

type Entry = paths['/audit']['get']['responses'][200]['content']['application/json']['items'][number]

export function Audit ({ api, tenantName }: { api: Api, tenantName: string }) {
  const list = usePagedList<Entry>(async cursor => await call(api.GET('/audit', { params: { query: { limit: 20, ...(cursor !== undefined ? { cursor } : {}) } } })))
  return (
    <section aria-labelledby='audit-title'>
      <h2 id='audit-title'>Audit trail of {tenantName}</h2>
      <ListStates list={list} what='audit entries' empty='No admin actions recorded yet.'>
        <table>
          <caption className='sr-only'>Audit trail of {tenantName}</caption>
          <thead><tr><th scope='col'>When</th><th scope='col'>Who</th><th scope='col'>Action</th><th scope='col'>Target</th></tr></thead>
          <tbody>
            {list.items.map(e => <tr key={e.auditId}><td>{formatDate(e.at)}</td><td><code>{e.actor}</code></td><td>{e.action}</td><td><code>{e.target}</code></td></tr>)}
          </tbody>
        </table>
      </ListStates>
    </section>
  )
}
