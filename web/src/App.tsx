// The console shell: sign-in, who and where you are (the active tenant always named), the tenant switcher, and the
// screens: navigation, routing and permissions all come from the registry (screens/registry.tsx).
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import { call, createApi, type Api } from './api/client.js'
import type { ConsoleConfig } from './config.js'
import type { Session } from './auth/session.js'
import { jwtClaims } from './auth/tokens.js'
import { ProblemView, ScreenBoundary, problemOf } from './ui.js'
import type { Problem } from './api/client.js'
import { parseRoute, routeHref } from './route.js'
import { SignIn } from './screens/SignIn.js'
import { SCREENS, homeScreen, isTenantScreen, mayOpen, refusal, screenById, type Me, type Screen, type Viewer } from './screens/registry.js'

/** A screen's address: a tenant screen names the tenant it shows. */
const hrefOf = (screen: Screen, tenantId: string | null) => routeHref(screen.id, isTenantScreen(screen) ? tenantId : null)

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
  if (tokens === null) return <SignIn session={session} apiUrl={config.apiUrl} notice={notice} />
  return <Console config={config} session={session} />
}

function Console ({ config, session }: { config: ConsoleConfig, session: Session }) {
  const accessToken = useCallback(() => session.tokens()?.accessToken, [session])
  const api = useMemo(() => createApi(config.apiUrl, accessToken), [config.apiUrl, accessToken])
  const [me, setMe] = useState<Me | null>(null)
  const [meProblem, setMeProblem] = useState<Problem | null>(null)
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

  if (me === null) {
    // Even before the account is known, a refusal keeps a way out: retry, or sign out.
    return (
      <main className='shell'>
        {meProblem !== null
          ? <ProblemView problem={meProblem}> <button type='button' onClick={() => { void loadMe() }}>Retry</button> <button type='button' onClick={() => { void session.signOut() }}>Sign out</button></ProblemView>
          : <p role='status'>Loading your account…</p>}
      </main>
    )
  }

  const tenants = me.tenants
  const routeTenant = tenants.find(t => t.tenantId === route.tenantId)
  const active = routeTenant ?? tenants.find(t => t.tenantId === lastTenant) ?? tenants.find(t => t.tenantId === me.tenantId) ?? tenants[0] ?? null
  const isAdmin = active?.groups.includes('admins') ?? false
  // GET /me names the platform roles, confirmed with Cognito when asked (a token's groups may be stale).
  const platformAdmin = me.platformRoles.includes('platform-admins')
  const viewer: Viewer = { tenant: active, platformAdmin }
  const home = homeScreen(viewer)
  const routed = screenById(route.screen)
  // A known screen the viewer may not open is named, with the role it needs; an unknown or empty route goes home.
  const screen = routed ?? home
  const allowed = mayOpen(screen, viewer)
  const tenantId = active?.tenantId ?? null

  /** `known`: the tenants to find it in; after GET /me was reloaded, the fresh list (this render's may lack it). */
  const switchTenant = (nextId: string, known = tenants) => {
    setLastTenant(nextId)
    const next = { ...viewer, tenant: known.find(t => t.tenantId === nextId) ?? null }
    const keep = isTenantScreen(screen) && mayOpen(screen, next)
    location.hash = hrefOf(keep ? screen : homeScreen(next), nextId)
  }

  const wayHome = <a href={hrefOf(home, tenantId)}>Go to {home.label}</a>
  const onInvitationAnswered = (answered: string, accepted: boolean) => {
    void loadMe().then(next => { if (accepted && next?.tenants.some(t => t.tenantId === answered) === true) switchTenant(answered, next.tenants) })
  }
  const content = isTenantScreen(screen)
    ? active !== null && <screen.component key={active.tenantId} api={tenantApi(config, accessToken, active.tenantId)} tenant={active} me={me} reloadMe={loadMe} />
    : <screen.component api={api} me={me} tenant={active} platformAdmin={platformAdmin} onInvitationAnswered={onInvitationAnswered} reloadMe={loadMe} signOut={() => { void session.signOut() }} />

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
        <p className='who'>{signedInAs(session, me)}{platformAdmin && <span className='badge'>platform admin</span>} <button type='button' onClick={() => { void session.signOut() }}>Sign out</button></p>
      </header>
      <nav aria-label='Sections'>
        <ul>
          {SCREENS.filter(s => mayOpen(s, viewer)).map(s => (
            <li key={s.id}><a href={hrefOf(s, tenantId)} aria-current={allowed && s === screen ? 'page' : undefined}>{s.label}</a></li>
          ))}
        </ul>
      </nav>
      <main id='main' tabIndex={-1}>
        {allowed
          ? <ScreenBoundary key={`${screen.id} ${tenantId ?? ''}`} wayOut={screen !== home && wayHome}>{content}</ScreenBoundary>
          : <div className='problem' role='alert'><strong>{refusal(screen, viewer)}</strong> {wayHome}</div>}
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
