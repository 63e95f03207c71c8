// Sign-in, email first: GET /sso/discover says whether the address's domain signs in through a tenant's identity
// provider. With the managed login (production) an SSO address goes straight to that provider (identity_provider),
// any other to the managed login; locally, email and password against the local Cognito, with the new-password step
// of an invited user's first sign-in; an SSO address goes to the local managed login when config.json names one
// (`npm run dev`), else is told that SSO needs the managed login.
import { useMemo, useState, type FormEvent } from 'react'
import { ApiError, call, createApi } from '../api/client.js'
import type { Session } from '../auth/session.js'
import { ProblemView } from '../ui.js'

interface Discovery { sso: boolean, providerName?: string, required?: boolean }

export function SignIn ({ session, apiUrl, notice }: { session: Session, apiUrl: string, notice?: string }) {
  const api = useMemo(() => createApi(apiUrl, () => undefined), [apiUrl])
  const [email, setEmail] = useState('')
  // Local only: the address whose password is asked for, and what discovery said of its domain.
  const [chosen, setChosen] = useState<{ email: string, discovery: Discovery } | null>(null)
  const [password, setPassword] = useState('')
  const [challenge, setChallenge] = useState<string | null>(null)
  const [newPassword, setNewPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const attempt = async (step: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    try { await step() } catch (err) { setError(err instanceof Error ? err.message : String(err)) } finally { setBusy(false) }
  }

  /** What discovery says of the address; a refusal of the address itself is shown, any other failure means no SSO (sign-in refuses what it must anyway). */
  const discover = async (address: string): Promise<Discovery> => {
    try {
      return await call(api.GET('/sso/discover', { params: { query: { email: address } } }))
    } catch (err) {
      if (err instanceof ApiError && err.problem.status === 400) throw new Error(err.problem.detail ?? err.problem.title)
      return { sso: false }
    }
  }

  const emailField = <label>Email <input type='email' autoComplete='username' required value={email} onChange={e => setEmail(e.target.value)} /></label>
  const failed = error !== null && <ProblemView problem={{ title: 'Sign-in failed', status: 0, detail: error }} />

  if (session.managed) {
    const start = (e: FormEvent) => {
      e.preventDefault()
      void attempt(async () => {
        const found = await discover(email.trim())
        await session.startManagedLogin(location.hash, found.sso ? found.providerName : undefined)
      })
    }
    return (
      <main className='signin'>
        <h1>Console</h1>
        {notice !== undefined && <p role='status'>{notice}</p>}
        <form onSubmit={start} aria-labelledby='signin-title'>
          <h2 id='signin-title'>Sign in</h2>
          {emailField}
          <button type='submit' disabled={busy}>Sign in</button>
        </form>
        {failed}
      </main>
    )
  }

  const next = (e: FormEvent) => {
    e.preventDefault()
    void attempt(async () => {
      const address = email.trim()
      const discovery = await discover(address)
      // With the local managed login, an SSO address signs in through its tenant's identity provider, as on AWS.
      if (discovery.sso && session.federates) await session.startManagedLogin(location.hash, discovery.providerName)
      else setChosen({ email: address, discovery })
    })
  }
  const signIn = (e: FormEvent) => {
    e.preventDefault()
    if (chosen === null) return
    void attempt(async () => {
      const outcome = await session.signInWithPassword(chosen.email, password)
      if ('challenge' in outcome) { setChallenge(outcome.session); setPassword('') }
    })
  }
  const choose = (e: FormEvent) => {
    e.preventDefault()
    if (newPassword !== repeat) { setError('The two passwords differ.'); return }
    void attempt(async () => {
      const outcome = await session.completeNewPassword(chosen?.email ?? '', newPassword, challenge ?? '')
      if ('challenge' in outcome) setChallenge(outcome.session)
    })
  }
  const another = () => { setChosen(null); setPassword(''); setError(null) }

  let content
  if (chosen === null) {
    content = (
      <form onSubmit={next} aria-labelledby='signin-title'>
        <h2 id='signin-title'>Sign in</h2>
        {emailField}
        <button type='submit' disabled={busy}>Continue</button>
      </form>
    )
  } else if (challenge === null) {
    const { discovery } = chosen
    const domain = chosen.email.slice(chosen.email.lastIndexOf('@') + 1)
    const passwordAllowed = !discovery.sso || discovery.required !== true
    content = (
      <>
        <h2 id='signin-title'>Sign in</h2>
        <p>As <strong>{chosen.email}</strong> <button type='button' className='secondary' onClick={another}>Use another email</button></p>
        {discovery.sso && (
          <div className='card' role='status' data-testid='sso-local'>
            <strong>{domain} signs in with single sign-on</strong> through the identity provider {discovery.providerName}.
            Single sign-on needs the deployed managed login; this local console cannot sign in through an identity provider.
            {passwordAllowed ? ' You may sign in with a password instead.' : ' The tenant requires single sign-on there, so password sign-in is refused.'}
          </div>
        )}
        {passwordAllowed && (
          <form onSubmit={signIn} aria-labelledby='signin-title'>
            <label>Password <input type='password' autoComplete='current-password' required value={password} onChange={e => setPassword(e.target.value)} autoFocus /></label>
            <button type='submit' disabled={busy}>Sign in</button>
          </form>
        )}
      </>
    )
  } else {
    content = (
      <form onSubmit={choose} aria-labelledby='newpw-title'>
        <h2 id='newpw-title'>Choose a new password</h2>
        <p>Welcome, {chosen.email}. Your temporary password worked; choose your own to continue.</p>
        <label>New password <input type='password' autoComplete='new-password' required value={newPassword} onChange={e => setNewPassword(e.target.value)} /></label>
        <label>Repeat the new password <input type='password' autoComplete='new-password' required value={repeat} onChange={e => setRepeat(e.target.value)} /></label>
        <button type='submit' disabled={busy}>Set password and sign in</button>
      </form>
    )
  }
  return (
    <main className='signin'>
      <h1>Console</h1>
      {notice !== undefined && <p role='status'>{notice}</p>}
      {content}
      {failed}
    </main>
  )
}
