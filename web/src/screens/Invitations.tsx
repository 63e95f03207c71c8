// The signed-in person's pending invitations into tenants: accept or decline.
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { formatDate, ListStates, ProblemView, useAction, usePagedList } from '../ui.js'

type Invitation = paths['/me/invitations']['get']['responses'][200]['content']['application/json']['items'][number]

export function Invitations ({ api, onAnswered }: { api: Api, onAnswered: (tenantId: string, accepted: boolean) => void }) {
  const list = usePagedList<Invitation>(async () => ({ ...await call(api.GET('/me/invitations')), nextCursor: null }))
  return (
    <section aria-labelledby='invitations-title'>
      <h2 id='invitations-title'>My invitations</h2>
      <ListStates list={list} what='invitations' empty='You have no pending invitations.'>
        <ul className='cards'>
          {list.items.map(i => <InvitationItem key={i.tenantId} api={api} invitation={i} onAnswered={(accepted) => { list.reload(); onAnswered(i.tenantId, accepted) }} />)}
        </ul>
      </ListStates>
    </section>
  )
}

function InvitationItem ({ api, invitation, onAnswered }: { api: Api, invitation: Invitation, onAnswered: (accepted: boolean) => void }) {
  const action = useAction()
  const params = { params: { path: { tenantId: invitation.tenantId } } }
  return (
    <li className='card' data-invitation={invitation.tenantId}>
      <p><strong>{invitation.name}</strong> invites you as {invitation.groups.map(g => g === 'admins' ? 'admin' : 'member').join(' and ')}.</p>
      <p className='muted'>Invited {formatDate(invitation.invitedAt)}; valid until {formatDate(invitation.expiresAt)}.</p>
      <button type='button' onClick={() => { void action.run(async () => { await call(api.POST('/me/invitations/{tenantId}', params)); onAnswered(true) }) }} disabled={action.busy}>Accept<span className='sr-only'> the invitation to {invitation.name}</span></button>
      {' '}
      <button type='button' className='danger' onClick={() => { void action.run(async () => { await call(api.DELETE('/me/invitations/{tenantId}', params)); onAnswered(false) }) }} disabled={action.busy}>Decline<span className='sr-only'> the invitation to {invitation.name}</span></button>
      {action.problem !== null && <ProblemView problem={action.problem} />}
    </li>
  )
}
