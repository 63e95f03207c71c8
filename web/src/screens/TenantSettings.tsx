// The active tenant's settings, for its admins: rename it (PATCH /tenant; audited).
import { useState, type FormEvent } from 'react'
import { call, type Api } from '../api/client.js'
import { ProblemView, useAction } from '../ui.js'

export function TenantSettings ({ api, tenantName, onRenamed }: { api: Api, tenantName: string, onRenamed: () => void }) {
  const [name, setName] = useState(tenantName)
  const [done, setDone] = useState<string | null>(null)
  const action = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setDone(null)
    void action.run(async () => {
      const renamed = await call(api.PATCH('/tenant', { body: { name: name.trim() } }))
      setDone(`Renamed to ${renamed.name}.`)
      onRenamed()
    })
  }
  return (
    <section aria-labelledby='settings-title'>
      <h2 id='settings-title'>Settings of {tenantName}</h2>
      <form className='card' onSubmit={submit} aria-labelledby='rename-title'>
        <h3 id='rename-title'>Rename the tenant</h3>
        <div className='fields'>
          <label>Tenant name <input required value={name} onChange={e => setName(e.target.value)} maxLength={100} /></label>
        </div>
        <button type='submit' disabled={action.busy || name.trim() === tenantName}>Rename</button>
        {done !== null && <p role='status' className='ok'>{done}</p>}
        {action.problem !== null && <ProblemView problem={action.problem} />}
      </form>
    </section>
  )
}
