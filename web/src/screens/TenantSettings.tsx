// The active tenant's settings, for its admins: rename it (PATCH /tenant; audited).
import { useState } from 'react'
import { call, type Api } from '../api/client.js'
import { useFormAction } from '../ui.js'

export function TenantSettings ({ api, tenantName, onRenamed }: { api: Api, tenantName: string, onRenamed: () => void }) {
  const [name, setName] = useState(tenantName)
  const action = useFormAction(async () => {
    const renamed = await call(api.PATCH('/tenant', { body: { name: name.trim() } }))
    onRenamed()
    return `Renamed to ${renamed.name}.`
  })
  return (
    <section aria-labelledby='settings-title'>
      <h2 id='settings-title'>Settings of {tenantName}</h2>
      <form className='card' onSubmit={action.onSubmit} aria-labelledby='rename-title'>
        <h3 id='rename-title'>Rename the tenant</h3>
        <div className='fields'>
          <label>Tenant name <input required value={name} onChange={e => setName(e.target.value)} maxLength={100} /></label>
        </div>
        <button type='submit' disabled={action.busy || name.trim() === tenantName}>Rename</button>
        {action.feedback}
      </form>
    </section>
  )
}
