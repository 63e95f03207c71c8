// One tenant, for platform admins: rename it, see its admins and members, appoint an admin (a member becomes one, or
// the person is invited as its admin).
import { useId, useState, type FormEvent } from 'react'
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { ListStates, ProblemView, useAction, usePagedList } from '../ui.js'

type Tenant = paths['/tenants/{tenantId}']['get']['responses'][200]['content']['application/json']
type Person = paths['/tenants/{tenantId}/users']['get']['responses'][200]['content']['application/json']['items'][number]

export function TenantManage ({ api, tenant, onChanged }: { api: Api, tenant: Tenant, onChanged: (t: Tenant) => void }) {
  const path = { path: { tenantId: tenant.tenantId } }
  const people = usePagedList<Person>(async cursor => await call(api.GET('/tenants/{tenantId}/users', { params: { ...path, query: { limit: 50, ...(cursor !== undefined ? { cursor } : {}) } } })))
  const titleId = useId()
  return (
    <div className='card' role='region' aria-labelledby={titleId}>
      <h3 id={titleId}>Manage {tenant.name}</h3>
      <Rename api={api} tenant={tenant} onChanged={onChanged} />
      <ListStates list={people} what={`people of ${tenant.name}`} empty='Nobody yet.'>
        <table>
          <caption>People of {tenant.name}</caption>
          <thead><tr><th scope='col'>Email</th><th scope='col'>Role</th><th scope='col'>Status</th></tr></thead>
          <tbody>
            {people.items.map(p => <tr key={p.userId} data-person={p.email}><td>{p.email}</td><td>{p.groups.includes('admins') ? 'admin' : 'member'}</td><td><span className={`badge ${p.status}`}>{p.status}</span></td></tr>)}
          </tbody>
        </table>
      </ListStates>
      <Appoint api={api} tenant={tenant} onAppointed={people.reload} />
    </div>
  )
}

function Rename ({ api, tenant, onChanged }: { api: Api, tenant: Tenant, onChanged: (t: Tenant) => void }) {
  const [name, setName] = useState(tenant.name)
  const action = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void action.run(async () => { onChanged(await call(api.PATCH('/tenants/{tenantId}', { params: { path: { tenantId: tenant.tenantId } }, body: { name: name.trim() } }))) })
  }
  return (
    <form onSubmit={submit} aria-label={`Rename ${tenant.name}`}>
      <div className='fields'>
        <label>New name of {tenant.name} <input required value={name} onChange={e => setName(e.target.value)} maxLength={100} /></label>
      </div>
      <button type='submit' disabled={action.busy || name.trim() === tenant.name}>Rename</button>
      {action.problem !== null && <ProblemView problem={action.problem} />}
    </form>
  )
}

function Appoint ({ api, tenant, onAppointed }: { api: Api, tenant: Tenant, onAppointed: () => void }) {
  const [email, setEmail] = useState('')
  const [done, setDone] = useState<string | null>(null)
  const action = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setDone(null)
    void action.run(async () => {
      const { data, error, response } = await api.POST('/tenants/{tenantId}/admins', { params: { path: { tenantId: tenant.tenantId } }, body: { email: email.trim() } })
      const appointed = await call(Promise.resolve({ data, error, response }))
      setDone(response.status === 201 ? `${appointed.email} is invited as an admin of ${tenant.name}.` : `${appointed.email} is now an admin of ${tenant.name}.`)
      setEmail('')
      onAppointed()
    })
  }
  return (
    <form onSubmit={submit} aria-label={`Appoint an admin of ${tenant.name}`}>
      <div className='fields'>
        <label>Appoint as admin (email) <input type='email' required value={email} onChange={e => setEmail(e.target.value)} autoComplete='off' /></label>
      </div>
      <button type='submit' disabled={action.busy}>Appoint admin</button>
      {done !== null && <p role='status' className='ok'>{done}</p>}
      {action.problem !== null && <ProblemView problem={action.problem} />}
    </form>
  )
}
