// The console shell: sign-in, who and where you are (the active tenant always named), the tenant switcher, navigation.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import { call, createApi, type Api } from './api/client.js'
import type { paths } from './api/schema.js'
import type { ConsoleConfig } from './config.js'
import type { Session } from './auth/session.js'
import { jwtClaims, tokenGroups } from './auth/tokens.js'
import { ProblemView, problemOf } from './ui.js'
import type { Problem } from './api/client.js'
import { SignIn } from './screens/SignIn.js'
import { Orders } from './screens/Orders.js'
import { Users } from './screens/Users.js'
import { Audit } from './screens/Audit.js'
import { Invitations } from './screens/Invitations.js'
import { Tenants } from './screens/Tenants.js'

type Me = paths['/me']['get']['responses'][200]['content']['application/json']
type Screen = 'orders' | 'users' | 'audit' | 'invitations' | 'tenants'
const TENANT_SCREENS: readonly Screen[] = ['orders', 'users', 'audit']
const ADMIN_SCREENS: readonly Screen[] = ['users', 'audit']

/** The route lives in the hash (#/orders/<tenantId>), so a deep link works under any base path and needs no server rewrite. */
export function parseRoute (hash: string): { screen: Screen | null, tenantId: string | null } {
  const [screen, tenantId] = hash.replace(/^#\/?/, '').split('/')
  const known = ['orders', 'users', 'audit', 'invitations', 'tenants'].includes(screen ?? '') ? screen as Screen : null
  return { screen: known, tenantId: tenantId !== undefined && tenantId !== '' ? decodeURIComponent(tenantId) : null }
}

const routeHref = (screen: Screen, tenantId?: string | null) => TENANT_SCREENS.includes(screen) && tenantId ? `#/${screen}/${encodeURIComponent(tenantId)}` : `#/${screen}`

function useHash (): string {
  return useSyncExternalStore(cb => { addEventListener('hashchange', cb); return () => removeEventListener('hashchange', cb) }, () => location.hash)
}

export function App ({ config, session, notice: initialNotice }: { config: ConsoleConfig, session: Session, notice?: string }) {
  const tokens = useSyncExternalStore(session.subscribe, session.tokens)
  const [notice, setNotice] = useState<string | undefined>(initialNotice)
  const [wasSignedIn, setWasSignedIn] = useState(false)
  useEffect(() => {
    if (tokens !== null) setWasSignedIn(true)
    else if (wasSignedIn) setNotice('You are signed out.')
  }, [tokens, wasSignedIn])
  if (tokens === null) return <SignIn session={session} notice={notice} />
  return <Console config={config} session={session} />
}

function Console ({ config, session }: { config: ConsoleConfig, session: Session }) {
  const accessToken = useCallback(() => session.tokens()?.accessToken, [session])
  const api = useMemo(() => createApi(config.apiUrl, accessToken), [config.apiUrl, accessToken])
  const [me, setMe] = useState<Me | null>(null)
  const [meProblem, setMeProblem] = useState<Problem | null>(null)
  const [platformAdmin, setPlatformAdmin] = useState(() => tokenGroups(session.tokens()?.idToken ?? '').includes('platform-admins') || tokenGroups(session.tokens()?.accessToken ?? '').includes('platform-admins'))
  const [lastTenant, setLastTenant] = useState<string | null>(null)
  const hash = useHash()
  const route = parseRoute(hash)

  const loadMe = useCallback(async () => {
    setMeProblem(null)
    try {
      const next = await call(api.GET('/me'))
      setMe(next)
      return next
    } catch (err) {
      setMeProblem(problemOf(err))
      return null
    }
  }, [api])
  useEffect(() => { void loadMe() }, [loadMe])
  // The ID token's groups name a platform admin; otherwise GET /tenants answering 200 does (e.g. a role granted later).
  useEffect(() => {
    if (platformAdmin) return
    let current = true
    void api.GET('/tenants', { params: { query: { limit: 1 } } }).then(r => { if (current && r.response.ok) setPlatformAdmin(true) }, () => {})
    return () => { current = false }
  }, [api, platformAdmin])

  if (me === null) {
    return <main className='shell'>{meProblem !== null ? <ProblemView problem={meProblem}> <button type='button' onClick={() => { void loadMe() }}>Retry</button></ProblemView> : <p role='status'>Loading your account…</p>}</main>
  }

  const tenants = me.tenants
  const routeTenant = tenants.find(t => t.tenantId === route.tenantId)
  const active = routeTenant ?? tenants.find(t => t.tenantId === lastTenant) ?? tenants.find(t => t.tenantId === me.tenantId) ?? tenants[0] ?? null
  const isAdmin = active?.groups.includes('admins') ?? false
  const allowed = (s: Screen) => s === 'invitations' || (s === 'tenants' ? platformAdmin : active !== null && (!ADMIN_SCREENS.includes(s) || isAdmin))
  const fallback: Screen = active !== null ? 'orders' : platformAdmin ? 'tenants' : 'invitations'
  const screen: Screen = route.screen !== null && allowed(route.screen) ? route.screen : fallback

  const switchTenant = (tenantId: string) => {
    setLastTenant(tenantId)
    const nextTenant = tenants.find(t => t.tenantId === tenantId)
    const keep = TENANT_SCREENS.includes(screen) && (!ADMIN_SCREENS.includes(screen) || nextTenant?.groups.includes('admins') === true)
    location.hash = routeHref(keep ? screen : 'orders', tenantId)
  }
  const nav: Array<[Screen, string]> = [['orders', 'Orders'], ['users', 'Users'], ['audit', 'Audit trail'], ['invitations', 'My invitations'], ['tenants', 'Tenants']]

  return (
    <div className='shell'>
      {/* Focuses the content without touching the hash, which holds the route. */}
      <a className='skip' href='#main' onClick={e => { e.preventDefault(); document.getElementById('main')?.focus() }}>Skip to content</a>
      <header>
        <h1>Console</h1>
        <p className='tenant'>
          {active !== null
            ? <>Tenant: <strong data-testid='active-tenant'>{active.name}</strong> <span className='muted'>({isAdmin ? 'admin' : 'member'})</span></>
            : <span data-testid='active-tenant'>No tenant</span>}
        </p>
        {tenants.length > 1 && active !== null && (
          <label>Switch tenant{' '}
            <select value={active.tenantId} onChange={e => switchTenant(e.target.value)}>
              {tenants.map(t => <option key={t.tenantId} value={t.tenantId}>{t.name}</option>)}
            </select>
          </label>
        )}
        <p className='who'>{signedInAs(session, me)}{platformAdmin && <span className='badge'>platform admin</span>} <button type='button' onClick={() => session.signOut()}>Sign out</button></p>
      </header>
      <nav aria-label='Sections'>
        <ul>
          {nav.filter(([s]) => allowed(s)).map(([s, label]) => (
            <li key={s}><a href={routeHref(s, active?.tenantId)} aria-current={s === screen ? 'page' : undefined}>{label}</a></li>
          ))}
        </ul>
      </nav>
      <main id='main' tabIndex={-1}>
        {screen === 'orders' && active !== null && <Orders key={active.tenantId} api={tenantApi(config, accessToken, active.tenantId)} tenantName={active.name} />}
        {screen === 'users' && active !== null && <Users key={active.tenantId} api={tenantApi(config, accessToken, active.tenantId)} tenantName={active.name} selfId={me.userId} />}
        {screen === 'audit' && active !== null && <Audit key={active.tenantId} api={tenantApi(config, accessToken, active.tenantId)} tenantName={active.name} />}
        {screen === 'invitations' && (
          <Invitations
            api={api} onAnswered={(tenantId, accepted) => {
              void loadMe().then(next => { if (accepted && next?.tenants.some(t => t.tenantId === tenantId) === true) switchTenant(tenantId) })
            }}
          />
        )}
        {screen === 'tenants' && <Tenants api={api} />}
        {screen === 'invitations' && active === null && !platformAdmin && <p className='muted'>You belong to no tenant yet: accept an invitation to start.</p>}
      </main>
    </div>
  )
}

/** One client per tenant, so every call of a tenant screen names its tenant (X-Tenant-Id); cached per tenant id. */
const tenantApis = new Map<string, Api>()
function tenantApi (config: ConsoleConfig, accessToken: () => string | undefined, tenantId: string): Api {
  const key = `${config.apiUrl} ${tenantId}`
  let client = tenantApis.get(key)
  if (client === undefined) {
    client = createApi(config.apiUrl, accessToken, tenantId)
    tenantApis.set(key, client)
  }
  return client
}

/** The person's address: the ID token's email (access tokens carry none, and GET /me knows it only within a tenant). */
function signedInAs (session: Session, me: Me): string {
  const email = jwtClaims(session.tokens()?.idToken ?? '').email
  return typeof email === 'string' ? email : me.email ?? me.username
}
