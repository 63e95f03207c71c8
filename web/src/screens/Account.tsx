// The signed-in person's own account: the tenant their next sign-in opens in (PUT /me/default-tenant), and leaving a
// tenant (DELETE /me/memberships/:tenantId), which with the last membership deletes the account.
import { useState } from 'react'
import { call, type Api } from '../api/client.js'
import { useConfirm } from '../confirm.js'
import { ProblemView, useAction, useFormAction } from '../ui.js'
import type { Me } from '../api/client.js'

export function Account ({ api, me, reloadMe, signOut }: { api: Api, me: Me, reloadMe: () => Promise<Me | null>, signOut: () => void }) {
  return (
    <section aria-labelledby='account-title'>
      <h2 id='account-title'>My account</h2>
      <p>Signed in as <strong>{me.email ?? me.username}</strong>.</p>
      {me.tenants.length > 0 && <DefaultTenant api={api} me={me} />}
      <Memberships api={api} me={me} reloadMe={reloadMe} signOut={signOut} />
    </section>
  )
}

function DefaultTenant ({ api, me }: { api: Api, me: Me }) {
  const [tenantId, setTenantId] = useState(me.tenantId ?? me.tenants[0]?.tenantId ?? '')
  const action = useFormAction(async () => {
    await call(api.PUT('/me/default-tenant', { body: { tenantId } }))
    return `Saved: your next sign-in opens in ${me.tenants.find(t => t.tenantId === tenantId)?.name ?? tenantId}.`
  })
  return (
    <form className='card' onSubmit={action.onSubmit} aria-labelledby='default-tenant-title'>
      <h3 id='default-tenant-title'>Default tenant</h3>
      <div className='fields'>
        <label>Open in this tenant after sign-in
          <select value={tenantId} onChange={e => setTenantId(e.target.value)}>
            {me.tenants.map(t => <option key={t.tenantId} value={t.tenantId}>{t.name}</option>)}
          </select>
        </label>
      </div>
      <button type='submit' disabled={action.busy}>Save default tenant</button>
      {action.feedback}
    </form>
  )
}

function Memberships ({ api, me, reloadMe, signOut }: { api: Api, me: Me, reloadMe: () => Promise<Me | null>, signOut: () => void }) {
  const action = useAction()
  const confirm = useConfirm()
  const [done, setDone] = useState<string | null>(null)
  const last = me.tenants.length === 1 && !me.platformRoles.includes('platform-admins')
  const leave = async (tenant: Me['tenants'][number]) => {
    const ok = await confirm.ask({
      title: `Leave ${tenant.name}?`,
      body: last
        ? <p>This is your only tenant: leaving it <strong>deletes your account</strong> and signs you out. You would need a new invitation to come back.</p>
        : <p>You lose access to {tenant.name} at once; your other tenants stay. You would need a new invitation to come back.</p>,
      confirm: last ? 'Leave and delete my account' : `Leave ${tenant.name}`
    })
    if (!ok) return
    setDone(null)
    await action.run(async () => {
      await call(api.DELETE('/me/memberships/{tenantId}', { params: { path: { tenantId: tenant.tenantId } } }))
      if (last) { signOut(); return }
      await reloadMe()
      setDone(`You left ${tenant.name}.`)
    })
  }
  return (
    <div className='card'>
      <h3>Your tenants</h3>
      {me.tenants.length === 0
        ? <p className='empty'>You belong to no tenant.</p>
        : (
            <ul>
              {me.tenants.map(t => (
                <li key={t.tenantId} data-tenant={t.name}>
                  {t.name} <span className='muted'>({t.groups.includes('admins') ? 'admin' : 'member'})</span>{' '}
                  <button type='button' className='danger' onClick={() => { void leave(t) }} disabled={action.busy}>Leave<span className='sr-only'> {t.name}</span></button>
                </li>
              ))}
            </ul>
          )}
      {done !== null && <p role='status' className='ok'>{done}</p>}
      {action.problem !== null && <ProblemView problem={action.problem} />}
      {confirm.dialog}
    </div>
  )
}
