// The tenant's SSO connections, for its admins: connect an OIDC or SAML identity provider to the verified domains,
// see what the customer's IT admin enters at it (never a secret), delete one, and require SSO at those domains.
import { useEffect, useState, type FormEvent } from 'react'
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { useConfirm } from '../confirm.js'
import { CopyValue, formatDate, ListStates, ProblemView, useAction, usePagedList } from '../ui.js'

type Connection = paths['/sso-connections']['get']['responses'][200]['content']['application/json']['items'][number]
type Enforcement = paths['/sso-connections/enforcement']['get']['responses'][200]['content']['application/json']
type NewConnection = NonNullable<paths['/sso-connections']['post']['requestBody']>['content']['application/json']

export function SsoConnections ({ api, tenantName, domainsHref }: { api: Api, tenantName: string, domainsHref: string }) {
  const list = usePagedList<Connection>(async () => ({ items: (await call(api.GET('/sso-connections'))).items, nextCursor: null }))
  return (
    <section aria-labelledby='sso-title'>
      <h2 id='sso-title'>SSO connections of {tenantName}</h2>
      <p className='note'>
        A connection sends the sign-in of people at {tenantName}'s <a href={domainsHref}>verified domains</a> to your
        identity provider (OIDC or SAML). A new connection serves every verified domain that has none yet.
      </p>
      <CreateConnection api={api} onCreated={list.reload} />
      <ListStates list={list} what='connections' empty='No SSO connections yet.'>
        <ul className='cards' aria-label={`SSO connections of ${tenantName}`}>
          {list.items.map(c => <ConnectionCard key={c.providerName} api={api} connection={c} onDeleted={list.reload} />)}
        </ul>
      </ListStates>
      <EnforcementCard api={api} connected={list.items.flatMap(c => c.domains)} />
    </section>
  )
}

function ConnectionCard ({ api, connection: c, onDeleted }: { api: Api, connection: Connection, onDeleted: () => void }) {
  const action = useAction()
  const confirm = useConfirm()
  const titleId = `sso-${c.providerName}`
  const remove = async () => {
    if (!await confirm.ask({
      title: `Delete the connection ${c.providerName}?`,
      body: <p>People at {c.domains.join(', ')} can no longer sign in through this identity provider; the domains stay verified.</p>,
      confirm: 'Delete connection'
    })) return
    await action.run(async () => { await call(api.DELETE('/sso-connections/{providerName}', { params: { path: { providerName: c.providerName } } })); onDeleted() })
  }
  const { setup } = c
  return (
    <li className='card' aria-labelledby={titleId} data-provider={c.providerName}>
      <h3 id={titleId}><span className='badge'>{c.type}</span> {c.providerName}</h3>
      <dl className='setup'>
        <dt>Domains</dt><dd>{c.domains.join(', ')}</dd>
        {c.issuer !== undefined && <><dt>Issuer</dt><dd><code>{c.issuer}</code></dd></>}
        {c.clientId !== undefined && <><dt>Client ID</dt><dd><code>{c.clientId}</code></dd></>}
        {c.scopes !== undefined && <><dt>Scopes</dt><dd>{c.scopes.join(' ')}</dd></>}
        {c.idpEntityId !== undefined && <><dt>IdP entity ID</dt><dd><code>{c.idpEntityId}</code></dd></>}
        {c.type === 'SAML' && <><dt>Metadata</dt><dd>{c.metadataUrl !== undefined ? <code>{c.metadataUrl}</code> : 'uploaded file'}</dd></>}
        <dt>Created</dt><dd>{formatDate(c.createdAt)}</dd>
      </dl>
      <h4>For your identity provider's admin</h4>
      <dl className='setup'>
        {setup.samlEntityId !== undefined && <><dt>Entity ID (audience)</dt><dd><CopyValue label={`entity ID for ${c.providerName}`} value={setup.samlEntityId} /></dd></>}
        {setup.acsUrl !== undefined && <><dt>ACS URL</dt><dd><CopyValue label={`ACS URL for ${c.providerName}`} value={setup.acsUrl} /></dd></>}
        {setup.redirectUri !== undefined && <><dt>Redirect URI</dt><dd><CopyValue label={`redirect URI for ${c.providerName}`} value={setup.redirectUri} /></dd></>}
      </dl>
      {setup.loginDomain === undefined && <p className='muted'>The API has no managed login domain configured (COGNITO_DOMAIN), so the {c.type === 'SAML' ? 'ACS URL' : 'redirect URI'} cannot be shown.</p>}
      <div className='actions'>
        <button type='button' className='danger' onClick={() => { void remove() }} disabled={action.busy}>Delete<span className='sr-only'> connection {c.providerName}</span></button>
      </div>
      {action.problem !== null && <ProblemView problem={action.problem} />}
      {confirm.dialog}
    </li>
  )
}

function CreateConnection ({ api, onCreated }: { api: Api, onCreated: () => void }) {
  const [type, setType] = useState<'OIDC' | 'SAML'>('OIDC')
  const [issuer, setIssuer] = useState('')
  const [clientId, setClientId] = useState('')
  const [clientSecret, setClientSecret] = useState('')
  const [scopes, setScopes] = useState('openid email profile')
  const [source, setSource] = useState<'url' | 'file'>('url')
  const [metadataUrl, setMetadataUrl] = useState('')
  const [file, setFile] = useState<File | null>(null)
  const [emailAttribute, setEmailAttribute] = useState('')
  const [done, setDone] = useState<string | null>(null)
  const action = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setDone(null)
    void action.run(async () => {
      let body: NewConnection
      if (type === 'OIDC') {
        body = { type, issuer: issuer.trim(), clientId: clientId.trim(), clientSecret, scopes: scopes.split(/\s+/).filter(s => s !== '') }
      } else {
        const metadata = source === 'file' && file !== null ? { metadata: await file.text() } : { metadataUrl: metadataUrl.trim() }
        body = { type, ...metadata, ...(emailAttribute.trim() !== '' ? { emailAttribute: emailAttribute.trim() } : {}) }
      }
      const created = await call(api.POST('/sso-connections', { body }))
      setDone(`Connected ${created.providerName} for ${created.domains.join(', ')}.`)
      // The secret is Cognito's now: it leaves the page.
      setClientSecret('')
      onCreated()
    })
  }
  return (
    <form className='card' onSubmit={submit} aria-labelledby='create-sso-title'>
      <h3 id='create-sso-title'>New connection</h3>
      <fieldset>
        <legend>Protocol</legend>
        <label className='check'><input type='radio' name='sso-type' checked={type === 'OIDC'} onChange={() => setType('OIDC')} /> OpenID Connect (OIDC)</label>
        <label className='check'><input type='radio' name='sso-type' checked={type === 'SAML'} onChange={() => setType('SAML')} /> SAML 2.0</label>
      </fieldset>
      {type === 'OIDC'
        ? (
            <div className='fields'>
              <label>Issuer URL <input type='url' className='wide' required value={issuer} onChange={e => setIssuer(e.target.value)} placeholder='https://idp.example.com' autoComplete='off' /></label>
              <label>Client ID <input required value={clientId} onChange={e => setClientId(e.target.value)} maxLength={255} autoComplete='off' /></label>
              <label>Client secret <input type='password' required value={clientSecret} onChange={e => setClientSecret(e.target.value)} maxLength={255} autoComplete='new-password' /></label>
              <label>Scopes <input required value={scopes} onChange={e => setScopes(e.target.value)} autoComplete='off' /></label>
            </div>
          )
        : (
            <>
              <fieldset>
                <legend>Metadata</legend>
                <label className='check'><input type='radio' name='saml-source' checked={source === 'url'} onChange={() => setSource('url')} /> From a URL</label>
                <label className='check'><input type='radio' name='saml-source' checked={source === 'file'} onChange={() => setSource('file')} /> Upload the XML file</label>
              </fieldset>
              <div className='fields'>
                {source === 'url'
                  ? <label>Metadata URL <input type='url' className='wide' required value={metadataUrl} onChange={e => setMetadataUrl(e.target.value)} autoComplete='off' /></label>
                  : <label>Metadata file <input type='file' required accept='.xml,application/xml,text/xml' onChange={e => setFile(e.target.files?.[0] ?? null)} /></label>}
                <label>Email attribute (optional) <input value={emailAttribute} onChange={e => setEmailAttribute(e.target.value)} placeholder='the emailaddress claim' autoComplete='off' /></label>
              </div>
            </>
          )}
      <button type='submit' disabled={action.busy}>Create connection</button>
      {done !== null && <p role='status' className='ok'>{done}</p>}
      {action.problem !== null && <ProblemView problem={action.problem} />}
    </form>
  )
}

function EnforcementCard ({ api, connected }: { api: Api, connected: string[] }) {
  const [state, setState] = useState<Enforcement | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const load = useAction()
  const action = useAction()
  const confirm = useConfirm()
  useEffect(() => { void load.run(async () => { setState(await call(api.GET('/sso-connections/enforcement'))) }) }, [api, load.run])
  const set = async (required: boolean) => {
    if (required && !await confirm.ask({
      title: 'Require SSO?',
      body: (
        <p>
          People at {connected.length > 0 ? connected.join(', ') : 'the connected domains'} must then sign in through
          the identity provider: password sign-in is refused there, and their password sessions are signed out now.
        </p>
      ),
      confirm: 'Require SSO'
    })) return
    setDone(null)
    await action.run(async () => {
      const next = await call(api.PUT('/sso-connections/enforcement', { body: { required } }))
      setState(next)
      setDone(next.required
        ? `SSO is required at ${(next.domains ?? []).join(', ')}. ${next.signedOut ?? 0} password session(s) signed out${(next.remaining ?? 0) > 0 ? `; ${next.remaining ?? 0} people still to sign out: press Require SSO again` : ''}.`
        : 'SSO is no longer required: password sign-in works again at those domains.')
    })
  }
  return (
    <div className='card' role='group' aria-labelledby='enforcement-title'>
      <h3 id='enforcement-title'>Require SSO</h3>
      {state === null && load.problem === null && <p role='status'>Loading the setting…</p>}
      {load.problem !== null && <ProblemView problem={load.problem} />}
      {state !== null && (
        <>
          <p data-testid='sso-required'>{state.required ? 'SSO is required: people at the connected domains cannot sign in with a password.' : 'SSO is not required: people at the connected domains may also sign in with a password.'}</p>
          <div className='actions'>
            {(!state.required || (state.remaining ?? 0) > 0) && <button type='button' className='danger' onClick={() => { void set(true) }} disabled={action.busy}>Require SSO</button>}
            {state.required && <button type='button' className='secondary' onClick={() => { void set(false) }} disabled={action.busy}>Stop requiring SSO</button>}
          </div>
        </>
      )}
      {done !== null && <p role='status' className='ok'>{done}</p>}
      {action.problem !== null && <ProblemView problem={action.problem} />}
      {confirm.dialog}
    </div>
  )
}
