// Entry: fetch config.json (beside index.html), finish a managed-login callback if this is one, else resume the
// session this browser has (a reload, a new tab), render.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.js'
import { parseConfig } from './config.js'
import { createSession } from './auth/session.js'
import './styles.css'

const root = createRoot(document.getElementById('root') as HTMLElement)

async function start () {
  const res = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' })
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`)
  const config = parseConfig(await res.json())
  const session = createSession(config)
  let notice: string | undefined
  try {
    if (await session.finishManagedLogin() === null) await session.restore()
  } catch (err) {
    // A failed or foreign callback: say why, drop its parameters, and offer a fresh sign-in.
    notice = err instanceof Error ? err.message : String(err)
    history.replaceState(null, '', `${location.pathname}${location.hash}`)
  }
  root.render(<StrictMode><App config={config} session={session} notice={notice} /></StrictMode>)
}

start().catch((err: unknown) => {
  root.render(
    <main className='signin'>
      <h1>Console</h1>
      <div className='problem' role='alert'><strong>The console could not start</strong>: {err instanceof Error ? err.message : String(err)}</div>
    </main>
  )
})
