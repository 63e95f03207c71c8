// One tenant, for platform admins: rename it, see its admins and members, appoint an admin (a member becomes one, or
// the person is invited as its admin), renew an admin's expired invitation (a first admin's has nobody else to renew it).
import { useId, useState } from 'react'
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { formatDate, ListStates, ProblemView, useAction, useFormAction, usePagedList } from '../ui.js'

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
            {people.items.map(p => <PersonRow key={p.userId} api={api} tenant={tenant} person={p} onRenewed={renewed => people.replace(renewed, (a, b) => a.userId === b.userId)} />)}
          </tbody>
        </table>
      </ListStates>
      <Appoint api={api} tenant={tenant} onAppointed={people.reload} />
    </div>
  )
}

/** A person of the tenant; an admin's expired invitation can be renewed here (POST /tenants/{id}/users/{userId}/invitation). */
function PersonRow ({ api, tenant, person, onRenewed }: { api: Api, tenant: Tenant, person: Person, onRenewed: (p: Person) => void }) {
  const action = useAction()
  const admin = person.groups.includes('admins')
  const renew = () => action.run(async () => {
    const renewed = await call(api.POST('/tenants/{tenantId}/users/{userId}/invitation', { params: { path: { tenantId: tenant.tenantId, userId: person.userId } } }))
    onRenewed({ ...person, invitation: { expiresAt: renewed.invitation.expiresAt } })
  })
  return (
    <tr data-person={person.email}>
      <td>{person.email}</td>
      <td>{admin ? 'admin' : 'member'}</td>
      <td>
        <span className={`badge ${person.status}`}>{person.status}</span>
        {person.invitation !== undefined && (person.invitation.expired === true
          ? <span className='badge expired'> invitation expired {formatDate(person.invitation.expiresAt)}</span>
          : <span className='muted'> until {formatDate(person.invitation.expiresAt)}</span>)}
        {person.invitation?.expired === true && admin && (
          <> <button type='button' onClick={() => { void renew() }} disabled={action.busy}>Renew invitation<span className='sr-only'> of {person.email}</span></button></>
        )}
        {action.problem !== null && <ProblemView problem={action.problem} />}
      </td>
    </tr>
  )
}

function Rename ({ api, tenant, onChanged }: { api: Api, tenant: Tenant, onChanged: (t: Tenant) => void }) {
  const [name, setName] = useState(tenant.name)
  const action = useFormAction(async () => {
    onChanged(await call(api.PATCH('/tenants/{tenantId}', { params: { path: { tenantId: tenant.tenantId } }, body: { name: name.trim() } })))
  })
  return (
    <form onSubmit={action.onSubmit} aria-label={`Rename ${tenant.name}`}>
      <div className='fields'>
        <label>New name of {tenant.name} <input required value={name} onChange={e => setName(e.target.value)} maxLength={100} /></label>
      </div>
      <button type='submit' disabled={action.busy || name.trim() === tenant.name}>Rename</button>
      {action.feedback}
    </form>
  )
}

function Appoint ({ api, tenant, onAppointed }: { api: Api, tenant: Tenant, onAppointed: () => void }) {
  const [email, setEmail] = useState('')
  const action = useFormAction(async () => {
    const { data, error, response } = await api.POST('/tenants/{tenantId}/admins', { params: { path: { tenantId: tenant.tenantId } }, body: { email: email.trim() } })
    const appointed = await call(Promise.resolve({ data, error, response }))
    setEmail('')
    onAppointed()
    return response.status === 201 ? `${appointed.email} is invited as an admin of ${tenant.name}.` : `${appointed.email} is now an admin of ${tenant.name}.`
  })
  return (
    <form onSubmit={action.onSubmit} aria-label={`Appoint an admin of ${tenant.name}`}>
      <div className='fields'>
        <label>Appoint as admin (email) <input type='email' required value={email} onChange={e => setEmail(e.target.value)} autoComplete='off' /></label>
      </div>
      <button type='submit' disabled={action.busy}>Appoint admin</button>
      {action.feedback}
    </form>
  )
}
