// Projects of the active tenant: paged list (all, active or archived), create, archive and reactivate held to the
// version shown (If-Match), and (admins) delete after a confirmation.
import { useRef, useState, type FormEvent } from 'react'
import { randomUrlSafe } from '../auth/managed-login.js'
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { useConfirm } from '../confirm.js'
import { formatDate, ListStates, ProblemView, useAction, usePagedList } from '../ui.js'

type Project = paths['/projects/{projectId}']['get']['responses'][200]['content']['application/json']
type Status = Project['status']

export function Projects ({ api, tenantName, admin }: { api: Api, tenantName: string, admin: boolean }) {
  const [status, setStatus] = useState<Status | ''>('')
  // A new filter or a new project starts the list afresh (the list is keyed by both).
  const [created, setCreated] = useState(0)
  return (
    <section aria-labelledby='projects-title'>
      <h2 id='projects-title'>Projects of {tenantName}</h2>
      <CreateProject api={api} onCreated={() => setCreated(n => n + 1)} />
      <p>
        <label>Show <select value={status} onChange={e => setStatus(e.target.value as Status | '')}><option value=''>all projects</option><option value='active'>active projects</option><option value='archived'>archived projects</option></select></label>
      </p>
      <ProjectList key={`${status}/${created}`} api={api} tenantName={tenantName} admin={admin} status={status} />
    </section>
  )
}

function ProjectList ({ api, tenantName, admin, status }: { api: Api, tenantName: string, admin: boolean, status: Status | '' }) {
  const list = usePagedList<Project>(async cursor => await call(api.GET('/projects', { params: { query: { limit: 20, ...(status !== '' ? { status } : {}), ...(cursor !== undefined ? { cursor } : {}) } } })))
  return (
    <ListStates list={list} what='projects' empty={status === '' ? 'No projects yet.' : `No ${status} projects.`}>
      <table>
        <caption className='sr-only'>Projects of {tenantName}</caption>
        <thead><tr><th scope='col'>Name</th><th scope='col'>Description</th><th scope='col'>Status</th><th scope='col'>Created</th><th scope='col'>Actions</th></tr></thead>
        <tbody>
          {list.items.map(p => <ProjectRow key={p.projectId} api={api} project={p} admin={admin} onChanged={u => list.replace(u, (a, b) => a.projectId === b.projectId)} onReload={list.reload} />)}
        </tbody>
      </table>
    </ListStates>
  )
}

function ProjectRow ({ api, project, admin, onChanged, onReload }: { api: Api, project: Project, admin: boolean, onChanged: (p: Project) => void, onReload: () => void }) {
  const action = useAction()
  const confirm = useConfirm()
  const params = { path: { projectId: project.projectId }, header: { 'if-match': `"${project.version}"` } }
  const setStatus = (status: Status) => action.run(async () => { onChanged(await call(api.PATCH('/projects/{projectId}', { params, body: { status } }))) })
  const remove = async () => {
    if (!await confirm.ask({ title: `Delete project ${project.name}?`, body: <p>The project is deleted for good. Archiving keeps it, read-only.</p>, confirm: 'Delete project' })) return
    await action.run(async () => { await call(api.DELETE('/projects/{projectId}', { params })); onReload() })
  }
  return (
    <tr data-project={project.name}>
      <td>{project.name}</td>
      <td>{project.description ?? <span className='muted'>none</span>}</td>
      <td><span className={`badge ${project.status}`}>{project.status}</span></td>
      <td>{formatDate(project.createdAt)}</td>
      <td>
        <div className='actions'>
          {project.status === 'active'
            ? <button type='button' className='secondary' onClick={() => { void setStatus('archived') }} disabled={action.busy}>Archive<span className='sr-only'> {project.name}</span></button>
            : <button type='button' className='secondary' onClick={() => { void setStatus('active') }} disabled={action.busy}>Reactivate<span className='sr-only'> {project.name}</span></button>}
          {admin && <button type='button' className='danger' onClick={() => { void remove() }} disabled={action.busy}>Delete<span className='sr-only'> project {project.name}</span></button>}
        </div>
        {action.problem !== null && (
          <ProblemView problem={action.problem}>
            {action.problem.status === 412 && <> <span className='stale'>This project was changed by someone else.</span> <button type='button' onClick={onReload}>Reload projects</button></>}
          </ProblemView>
        )}
        {confirm.dialog}
      </td>
    </tr>
  )
}

function CreateProject ({ api, onCreated }: { api: Api, onCreated: () => void }) {
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  // The same content submitted again (after a timeout) reuses its Idempotency-Key: one project, not two.
  const lastAttempt = useRef<{ body: string, key: string } | null>(null)
  const action = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const body = { name: name.trim(), ...(description.trim() !== '' ? { description: description.trim() } : {}) }
    const json = JSON.stringify(body)
    const key = lastAttempt.current?.body === json ? lastAttempt.current.key : randomUrlSafe(24)
    lastAttempt.current = { body: json, key }
    void action.run(async () => {
      await call(api.POST('/projects', { params: { header: { 'idempotency-key': key } }, body }))
      lastAttempt.current = null
      setName('')
      setDescription('')
      onCreated()
    })
  }
  return (
    <form className='card' onSubmit={submit} aria-labelledby='create-project-title'>
      <h3 id='create-project-title'>New project</h3>
      <div className='fields'>
        <label>Project name <input required value={name} onChange={e => setName(e.target.value)} maxLength={100} /></label>
        <label>Description <input value={description} onChange={e => setDescription(e.target.value)} maxLength={2000} /></label>
      </div>
      <button type='submit' disabled={action.busy}>Create project</button>
      {action.problem !== null && <ProblemView problem={action.problem} />}
    </form>
  )
}
