// Every tenant, for platform admins, by name: onboard (a tenant and its first admin), suspend, reactivate, and manage
// one (rename, its people, appoint an admin).
import { useState } from 'react'
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { formatDate, ListStates, ProblemView, useAction, useFormAction, usePagedList } from '../ui.js'
import { useConfirm } from '../confirm.js'
import { TenantManage } from './TenantManage.js'

type Tenant = paths['/tenants/{tenantId}']['get']['responses'][200]['content']['application/json']

export function Tenants ({ api }: { api: Api }) {
  const list = usePagedList<Tenant>(async cursor => await call(api.GET('/tenants', { params: { query: { limit: 20, ...(cursor !== undefined ? { cursor } : {}) } } })))
  return (
    <section aria-labelledby='tenants-title'>
      <h2 id='tenants-title'>Tenants</h2>
      <Onboard api={api} onCreated={list.reload} />
      <ListStates list={list} what='tenants' empty='No tenants yet.'>
        <table>
          <caption className='sr-only'>All tenants</caption>
          <thead><tr><th scope='col'>Name</th><th scope='col'>Id</th><th scope='col'>Status</th><th scope='col'>Created</th><th scope='col'>Actions</th></tr></thead>
          <tbody>
            {list.items.map(t => <TenantRow key={t.tenantId} api={api} tenant={t} onChanged={u => list.replace(u, (a, b) => a.tenantId === b.tenantId)} />)}
          </tbody>
        </table>
      </ListStates>
    </section>
  )
}

function TenantRow ({ api, tenant, onChanged }: { api: Api, tenant: Tenant, onChanged: (t: Tenant) => void }) {
  const action = useAction()
  const confirm = useConfirm()
  const [managing, setManaging] = useState(false)
  const setStatus = async (status: Tenant['status']) => {
    if (status === 'suspended' && !await confirm.ask({ title: `Suspend ${tenant.name}?`, body: <p>Every user of {tenant.name} is refused until it is reactivated; its data stays.</p>, confirm: 'Suspend' })) return
    await action.run(async () => {
      onChanged(await call(api.PATCH('/tenants/{tenantId}', { params: { path: { tenantId: tenant.tenantId } }, body: { status } })))
    })
  }
  return (
    <>
      <tr data-tenant={tenant.tenantId}>
        <td>{tenant.name}</td>
        <td><code>{tenant.tenantId}</code></td>
        <td><span className={`badge ${tenant.status}`}>{tenant.status}</span></td>
        <td>{formatDate(tenant.createdAt)}</td>
        <td>
          {tenant.status === 'active'
            ? <button type='button' className='danger' onClick={() => { void setStatus('suspended') }} disabled={action.busy}>Suspend<span className='sr-only'> {tenant.name}</span></button>
            : <button type='button' onClick={() => { void setStatus('active') }} disabled={action.busy}>Reactivate<span className='sr-only'> {tenant.name}</span></button>}
          {' '}<button type='button' className='secondary' onClick={() => setManaging(m => !m)} aria-expanded={managing}>Manage<span className='sr-only'> {tenant.name}</span></button>
          {action.problem !== null && <ProblemView problem={action.problem} />}
          {confirm.dialog}
        </td>
      </tr>
      {managing && <tr><td colSpan={5}><TenantManage api={api} tenant={tenant} onChanged={onChanged} /></td></tr>}
    </>
  )
}

function Onboard ({ api, onCreated }: { api: Api, onCreated: () => void }) {
  const [name, setName] = useState('')
  const [adminEmail, setAdminEmail] = useState('')
  const action = useFormAction(async () => {
    const created = await call(api.POST('/tenants', { body: { name: name.trim(), adminEmail: adminEmail.trim() } }))
    setName('')
    setAdminEmail('')
    onCreated()
    return `Created ${created.name} (${created.tenantId}); ${created.admin.email} is invited as its admin.`
  })
  return (
    <form className='card' onSubmit={action.onSubmit} aria-labelledby='onboard-title'>
      <h3 id='onboard-title'>Onboard a tenant</h3>
      <div className='fields'>
        <label>Name <input required value={name} onChange={e => setName(e.target.value)} maxLength={100} /></label>
        <label>First admin's email <input type='email' required value={adminEmail} onChange={e => setAdminEmail(e.target.value)} autoComplete='off' /></label>
      </div>
      <button type='submit' disabled={action.busy}>Onboard tenant</button>
      {action.feedback}
    </form>
  )
}
