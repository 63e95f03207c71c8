// The tenant's users, for its admins: invite (one, or a CSV file: BulkInvite), change role, disable/enable, remove, resend an invitation; search and
// sort. The memberships are one partition keyed by user id, so the API lists them in that order only: search and sort
// run in the browser over the users loaded (100 a request; "Load all" follows the cursor up to MAX_LOADED). Measured
// (bench/members-list.ts, bench/README.md): 1,000 members load in 11 requests in about 0.2 s, 5,000 in 51 in about
// 1.7 s against DynamoDB Local; the filter and sort take under 40 ms.
import { useId, useState } from 'react'
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { formatDate, ListStates, ProblemView, useAction, useFormAction, usePagedList } from '../ui.js'
import { useConfirm } from '../confirm.js'
import { BulkInvite } from './BulkInvite.js'

type User = paths['/users/{userId}']['get']['responses'][200]['content']['application/json']
type Role = 'admins' | 'members'

const roleOf = (u: User): Role => u.groups.includes('admins') ? 'admins' : 'members'
const MAX_LOADED = 5000
type Sort = 'email' | 'email-desc' | 'role' | 'status'
const SORTS: Record<Sort, [string, (a: User, b: User) => number]> = {
  email: ['address, A to Z', (a, b) => a.email.localeCompare(b.email)],
  'email-desc': ['address, Z to A', (a, b) => b.email.localeCompare(a.email)],
  role: ['role, admins first', (a, b) => roleOf(a).localeCompare(roleOf(b)) || a.email.localeCompare(b.email)],
  status: ['status', (a, b) => a.status.localeCompare(b.status) || a.email.localeCompare(b.email)]
}

export function Users ({ api, tenantName, selfId }: { api: Api, tenantName: string, selfId: string }) {
  const list = usePagedList<User>(async cursor => await call(api.GET('/users', { params: { query: { limit: 100, ...(cursor !== undefined ? { cursor } : {}) } } })))
  const [onlyExpired, setOnlyExpired] = useState(false)
  const [search, setSearch] = useState('')
  const [sort, setSort] = useState<Sort>('email')
  const expired = list.items.filter(u => u.invitation?.expired === true)
  const needle = search.trim().toLowerCase()
  const shown = (onlyExpired ? expired : list.items).filter(u => needle === '' || u.email.toLowerCase().includes(needle)).sort(SORTS[sort][1])
  return (
    <section aria-labelledby='users-title'>
      <h2 id='users-title'>Users of {tenantName}</h2>
      <Invite api={api} onInvited={list.reload} />
      <BulkInvite api={api} onInvited={list.reload} />
      <p>
        <label className='check'><input type='checkbox' checked={onlyExpired} onChange={e => setOnlyExpired(e.target.checked)} /> Only expired invitations ({expired.length} among the users loaded)</label>
      </p>
      <div className='fields'>
        <label>Find by address <input type='search' value={search} onChange={e => setSearch(e.target.value)} autoComplete='off' /></label>
        <label>Sort users by <select value={sort} onChange={e => setSort(e.target.value as Sort)}>{Object.entries(SORTS).map(([id, [words]]) => <option key={id} value={id}>{words}</option>)}</select></label>
      </div>
      <p className='muted' role='status'>
        {needle !== '' && `${shown.length} of `}{list.items.length} users loaded{list.nextCursor !== null ? '; more exist, so a search may miss some' : ', all of them'}.{' '}
        {list.nextCursor !== null && <button type='button' className='secondary' onClick={() => list.loadAll(MAX_LOADED)} disabled={list.loading}>Load all users</button>}
      </p>
      <ListStates list={list} what='users' empty='No users.'>
        {shown.length === 0
          ? <p className='empty'>{onlyExpired ? 'No expired invitations among the users loaded' : 'No user matches'}{needle !== '' ? ` "${search.trim()}"` : ''}.</p>
          : (
              <table>
                <caption className='sr-only'>Users of {tenantName}</caption>
                <thead><tr><th scope='col'>Email</th><th scope='col'>Role</th><th scope='col'>Status</th><th scope='col'>Actions</th></tr></thead>
                <tbody>
                  {shown.map(u => <UserRow key={u.userId} api={api} user={u} self={u.userId === selfId} onChanged={list.reload} />)}
                </tbody>
              </table>
            )}
      </ListStates>
    </section>
  )
}

function UserRow ({ api, user, self, onChanged }: { api: Api, user: User, self: boolean, onChanged: () => void }) {
  const action = useAction()
  const [done, setDone] = useState<string | null>(null)
  const roleId = useId()
  const [role, setRole] = useState<Role>(roleOf(user))
  const path = { path: { userId: user.userId } }
  const changeRole = () => action.run(async () => {
    const from = roleOf(user)
    if (role === from) return
    // Add the new group before removing the old: the last-admin guard never sees a tenant without an admin.
    await call(api.PUT('/users/{userId}/groups/{group}', { params: { path: { userId: user.userId, group: role } } }))
    await call(api.DELETE('/users/{userId}/groups/{group}', { params: { path: { userId: user.userId, group: from } } }))
    onChanged()
  })
  const confirm = useConfirm()
  const setStatus = async (status: 'active' | 'disabled') => {
    if (status === 'disabled' && !await confirm.ask({ title: `Disable ${user.email}?`, body: <p>They are signed out of this tenant at once and cannot act in it until enabled again.</p>, confirm: 'Disable' })) return
    await action.run(async () => {
      await call(api.PATCH('/users/{userId}', { params: path, body: { status } }))
      onChanged()
    })
  }
  const remove = async () => {
    const invited = user.status === 'invited'
    const ok = await confirm.ask(invited
      ? { title: `Revoke the invitation to ${user.email}?`, body: <p>The invitation stops working. You can invite them again later.</p>, confirm: 'Revoke invitation' }
      : { title: `Remove ${user.email}?`, body: <p>Their membership in this tenant ends; with their last membership their account is deleted. This cannot be undone; you can invite them again.</p>, confirm: 'Remove' })
    if (!ok) return
    await action.run(async () => {
      await call(api.DELETE('/users/{userId}', { params: path }))
      onChanged()
    })
  }
  const resend = () => action.run(async () => {
    const resent = await call(api.POST('/users/{userId}/invitation', { params: path }))
    setDone(`Invitation resent; valid until ${formatDate(resent.invitation.expiresAt)}.`)
  })
  const who = user.email
  return (
    <tr data-user={user.email}>
      <td>{user.email}{self && <span className='muted'> (you)</span>}</td>
      <td>
        <div className='inline'>
          <label className='sr-only' htmlFor={roleId}>Role of {who}</label>
          <select id={roleId} value={role} onChange={e => setRole(e.target.value as Role)}>
            <option value='members'>member</option>
            <option value='admins'>admin</option>
          </select>
          <button type='button' onClick={() => { void changeRole() }} disabled={action.busy || role === roleOf(user)}>Change role<span className='sr-only'> of {who}</span></button>
        </div>
      </td>
      <td>
        <span className={`badge ${user.status}`}>{user.status}</span>
        {user.invitation !== undefined && (
          user.invitation.expired === true
            ? <span className='badge expired'> invitation expired {formatDate(user.invitation.expiresAt)}</span>
            : <span className='muted'> until {formatDate(user.invitation.expiresAt)}</span>
        )}
      </td>
      <td>
        <div className='actions'>
          {user.status === 'invited' && <button type='button' onClick={() => { void resend() }} disabled={action.busy}>Resend invitation<span className='sr-only'> to {who}</span></button>}
          {user.status === 'active' && !self && <button type='button' onClick={() => { void setStatus('disabled') }} disabled={action.busy}>Disable<span className='sr-only'> {who}</span></button>}
          {user.status === 'disabled' && <button type='button' onClick={() => { void setStatus('active') }} disabled={action.busy}>Enable<span className='sr-only'> {who}</span></button>}
          {!self && <button type='button' className='danger' onClick={() => { void remove() }} disabled={action.busy}>{user.status === 'invited' ? 'Revoke invitation' : 'Remove'}<span className='sr-only'> {who}</span></button>}
        </div>
        {done !== null && <p role='status' className='ok'>{done}</p>}
        {action.problem !== null && <ProblemView problem={action.problem} />}
        {confirm.dialog}
      </td>
    </tr>
  )
}

function Invite ({ api, onInvited }: { api: Api, onInvited: () => void }) {
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('members')
  const action = useFormAction(async () => {
    const invited = await call(api.POST('/users', { body: { email: email.trim(), groups: [role] } }))
    setEmail('')
    onInvited()
    return `Invited ${invited.email}; the invitation is valid until ${formatDate(invited.invitation.expiresAt)}.`
  })
  return (
    <form className='card' onSubmit={action.onSubmit} aria-labelledby='invite-title'>
      <h3 id='invite-title'>Invite a person</h3>
      <div className='fields'>
        <label>Email <input type='email' required value={email} onChange={e => setEmail(e.target.value)} autoComplete='off' /></label>
        <label>Role <select value={role} onChange={e => setRole(e.target.value as Role)}><option value='members'>member</option><option value='admins'>admin</option></select></label>
      </div>
      <button type='submit' disabled={action.busy}>Invite</button>
      {action.feedback}
    </form>
  )
}
