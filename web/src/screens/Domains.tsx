// The tenant's verified email domains, for its admins: claim one (the TXT record to publish), verify it (or see what
// DNS holds instead), choose what the domain does for people with an address there, release it after a confirmation.
import { useId, useState, type FormEvent } from 'react'
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { useConfirm } from '../confirm.js'
import { CopyValue, formatDate, ListStates, ProblemView, useAction, usePagedList } from '../ui.js'

type Domain = paths['/domains']['get']['responses'][200]['content']['application/json']['items'][number]
type Policy = NonNullable<Domain['policy']>

/** The policies, in the words an admin chooses by. */
export const POLICIES: ReadonlyArray<[Policy, string, string]> = [
  ['off', 'Off', 'Nothing happens: people at the domain join only when invited.'],
  ['suggest', 'Suggest', 'People with a verified address at the domain see this tenant among their invitations, and may join it as members.'],
  ['join', 'Join', 'People with a verified address at the domain become members at their next sign-in (someone you removed stays out until invited again).']
]

const STATUS_WORDS: Record<Domain['status'], string> = {
  pending: 'pending',
  verified: 'verified',
  ended: 'verified by another tenant',
  expired: 'claim expired'
}

export function Domains ({ api, tenantName }: { api: Api, tenantName: string }) {
  const list = usePagedList<Domain>(async () => ({ items: (await call(api.GET('/domains'))).items, nextCursor: null }))
  return (
    <section aria-labelledby='domains-title'>
      <h2 id='domains-title'>Domains of {tenantName}</h2>
      <p className='note'>
        A verified email domain proves that {tenantName} controls the addresses at it: it can then route their sign-in
        to your identity provider (SSO connections) and let people there join. Add the domain, publish the TXT record
        it shows in your DNS, then verify it.
      </p>
      <ClaimDomain api={api} onClaimed={list.reload} />
      <ListStates list={list} what='domains' empty='No domains yet.'>
        <ul className='cards' aria-label={`Domains of ${tenantName}`}>
          {list.items.map(d => <DomainCard key={d.domain} api={api} domain={d} onChanged={u => list.replace(u, (a, b) => a.domain === b.domain)} onReload={list.reload} />)}
        </ul>
      </ListStates>
    </section>
  )
}

function ClaimDomain ({ api, onClaimed }: { api: Api, onClaimed: () => void }) {
  const [domain, setDomain] = useState('')
  const action = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void action.run(async () => {
      await call(api.POST('/domains', { body: { domain: domain.trim().toLowerCase() } }))
      setDomain('')
      onClaimed()
    })
  }
  return (
    <form className='card' onSubmit={submit} aria-labelledby='claim-domain-title'>
      <h3 id='claim-domain-title'>Add a domain</h3>
      <div className='fields'>
        <label>Domain <input required value={domain} onChange={e => setDomain(e.target.value)} placeholder='example.com' maxLength={253} autoComplete='off' spellCheck={false} /></label>
      </div>
      <button type='submit' disabled={action.busy}>Add domain</button>
      {action.problem !== null && <ProblemView problem={action.problem} />}
    </form>
  )
}

function DomainCard ({ api, domain: d, onChanged, onReload }: { api: Api, domain: Domain, onChanged: (d: Domain) => void, onReload: () => void }) {
  const action = useAction()
  const confirm = useConfirm()
  const [done, setDone] = useState<string | null>(null)
  const titleId = useId()
  const path = { path: { domain: d.domain } }
  const verify = () => action.run(async () => {
    setDone(null)
    const verified = await call(api.POST('/domains/{domain}/verify', { params: path }))
    setDone(`${d.domain} is verified.`)
    onChanged(verified)
  })
  const claimAgain = () => action.run(async () => {
    await call(api.POST('/domains', { body: { domain: d.domain } }))
    onReload()
  })
  const remove = async () => {
    const body = d.status === 'verified'
      ? <p>{d.domain} is released: sign-in no longer routes or joins people by it, and another tenant may claim it.</p>
      : <p>The claim is withdrawn; the TXT record can be removed from DNS.</p>
    if (!await confirm.ask({ title: `Delete ${d.domain}?`, body, confirm: 'Delete domain' })) return
    await action.run(async () => { await call(api.DELETE('/domains/{domain}', { params: path })); onReload() })
  }
  return (
    <li className='card' aria-labelledby={titleId} data-domain={d.domain}>
      <h3 id={titleId}>{d.domain} <span className={`badge ${d.status}`}>{STATUS_WORDS[d.status]}</span></h3>
      {d.status === 'pending' && d.record !== undefined && (
        <>
          <p>Publish this TXT record in the DNS of {d.domain}, then verify:</p>
          <dl className='setup'>
            <dt>Name</dt><dd><CopyValue label={`record name for ${d.domain}`} value={d.record.name} /></dd>
            <dt>Type</dt><dd><code>{d.record.type}</code></dd>
            <dt>Value</dt><dd><CopyValue label={`record value for ${d.domain}`} value={d.record.value} /></dd>
          </dl>
          {d.expiresAt !== undefined && <p className='muted'>The claim ends unverified on {formatDate(d.expiresAt)}.</p>}
        </>
      )}
      {d.status === 'verified' && d.verifiedAt !== undefined && <p className='muted'>Verified on {formatDate(d.verifiedAt)}.</p>}
      {d.status === 'ended' && <p className='muted'>Another tenant verified {d.domain} first; this claim has ended.</p>}
      {d.status === 'expired' && <p className='muted'>The claim ended unverified. Claim it again for a new record.</p>}
      {d.status === 'verified' && <PolicyForm api={api} domain={d} onChanged={onChanged} />}
      <div className='actions'>
        {d.status === 'pending' && <button type='button' onClick={() => { void verify() }} disabled={action.busy}>Verify<span className='sr-only'> {d.domain}</span></button>}
        {d.status === 'expired' && <button type='button' onClick={() => { void claimAgain() }} disabled={action.busy}>Claim again<span className='sr-only'> {d.domain}</span></button>}
        <button type='button' className='danger' onClick={() => { void remove() }} disabled={action.busy}>Delete<span className='sr-only'> {d.domain}</span></button>
      </div>
      {done !== null && <p role='status' className='ok'>{done}</p>}
      {action.problem !== null && <ProblemView problem={action.problem} />}
      {confirm.dialog}
    </li>
  )
}

function PolicyForm ({ api, domain: d, onChanged }: { api: Api, domain: Domain, onChanged: (d: Domain) => void }) {
  const [policy, setPolicy] = useState<Policy>(d.policy ?? 'off')
  const [done, setDone] = useState<string | null>(null)
  const action = useAction()
  const name = useId()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setDone(null)
    void action.run(async () => {
      const saved = await call(api.PUT('/domains/{domain}/policy', { params: { path: { domain: d.domain } }, body: { policy } }))
      setDone(`Saved: ${POLICIES.find(p => p[0] === saved.policy)?.[1] ?? saved.policy ?? ''}.`)
      onChanged(saved)
    })
  }
  return (
    <form onSubmit={submit}>
      <fieldset>
        <legend>People with an address at {d.domain}</legend>
        {POLICIES.map(([value, label, words]) => (
          <label key={value} className='check'>
            <input type='radio' name={name} value={value} checked={policy === value} onChange={() => setPolicy(value)} />
            <span><strong>{label}</strong>: {words}</span>
          </label>
        ))}
      </fieldset>
      <button type='submit' disabled={action.busy || policy === (d.policy ?? 'off')}>Save policy<span className='sr-only'> for {d.domain}</span></button>
      {done !== null && <p role='status' className='ok'>{done}</p>}
      {action.problem !== null && <ProblemView problem={action.problem} />}
    </form>
  )
}
