// Sign-in: the managed login (production), or email and password against the local Cognito, with the new-password
// step of an invited user's first sign-in.
import { useState, type FormEvent } from 'react'
import type { Session } from '../auth/session.js'
import { ProblemView } from '../ui.js'

export function SignIn ({ session, notice }: { session: Session, notice?: string }) {
  const [email, setEmail] = useState('')
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

  if (session.managed) {
    return (
      <main className='signin'>
        <h1>Console</h1>
        {notice !== undefined && <p role='status'>{notice}</p>}
        <button type='button' onClick={() => { void attempt(async () => { await session.startManagedLogin(location.hash) }) }} disabled={busy}>Sign in</button>
        {error !== null && <ProblemView problem={{ title: 'Sign-in failed', status: 0, detail: error }} />}
      </main>
    )
  }

  const signIn = (e: FormEvent) => {
    e.preventDefault()
    void attempt(async () => {
      const outcome = await session.signInWithPassword(email.trim(), password)
      if ('challenge' in outcome) { setChallenge(outcome.session); setPassword('') }
    })
  }
  const choose = (e: FormEvent) => {
    e.preventDefault()
    if (newPassword !== repeat) { setError('The two passwords differ.'); return }
    void attempt(async () => {
      const outcome = await session.completeNewPassword(email.trim(), newPassword, challenge ?? '')
      if ('challenge' in outcome) setChallenge(outcome.session)
    })
  }
  return (
    <main className='signin'>
      <h1>Console</h1>
      {notice !== undefined && <p role='status'>{notice}</p>}
      {challenge === null
        ? (
            <form onSubmit={signIn} aria-labelledby='signin-title'>
              <h2 id='signin-title'>Sign in</h2>
              <label>Email <input type='email' autoComplete='username' required value={email} onChange={e => setEmail(e.target.value)} /></label>
              <label>Password <input type='password' autoComplete='current-password' required value={password} onChange={e => setPassword(e.target.value)} /></label>
              <button type='submit' disabled={busy}>Sign in</button>
            </form>
          )
        : (
            <form onSubmit={choose} aria-labelledby='newpw-title'>
              <h2 id='newpw-title'>Choose a new password</h2>
              <p>Welcome, {email}. Your temporary password worked; choose your own to continue.</p>
              <label>New password <input type='password' autoComplete='new-password' required value={newPassword} onChange={e => setNewPassword(e.target.value)} /></label>
              <label>Repeat the new password <input type='password' autoComplete='new-password' required value={repeat} onChange={e => setRepeat(e.target.value)} /></label>
              <button type='submit' disabled={busy}>Set password and sign in</button>
            </form>
          )}
      {error !== null && <ProblemView problem={{ title: 'Sign-in failed', status: 0, detail: error }} />}
    </main>
  )
}
