// Shared pieces of every screen: problem display, list states, paged lists whose answers are dropped once stale, and
// the error boundary around a screen.
import { Component, useCallback, useEffect, useRef, useState, type ErrorInfo, type FormEvent, type ReactNode } from 'react'
import { ApiError, toProblem, type Problem } from './api/client.js'

export function problemOf (err: unknown): Problem {
  return err instanceof ApiError ? err.problem : toProblem(err)
}

/** Every problem+json answer shows its title and detail, and its `errors` (what was wrong or found where). */
export function ProblemView ({ problem, children }: { problem: Problem, children?: ReactNode }) {
  return (
    <div className='problem' role='alert'>
      <strong>{problem.title}</strong>{problem.status > 0 ? ` (${problem.status})` : ''}
      {problem.detail !== undefined && <span>: {problem.detail}</span>}
      {problem.errors !== undefined && problem.errors.length > 0 && (
        <ul className='problem-errors'>{problem.errors.map((e, i) => <li key={i}><code>{e.path}</code>: {e.message}</li>)}</ul>
      )}
      {children}
    </div>
  )
}

/** A value someone copies elsewhere (a DNS record, a URL for an IdP): shown in full, with a Copy button naming it. */
export function CopyValue ({ label, value }: { label: string, value: string }) {
  const [copied, setCopied] = useState<boolean | null>(null)
  const copy = () => {
    // The clipboard needs a secure context and the page's focus; when refused, the value stays selectable.
    navigator.clipboard.writeText(value).then(() => setCopied(true), () => setCopied(false))
  }
  return (
    <span className='copy'>
      <code data-copy={label}>{value}</code>{' '}
      <button type='button' className='secondary' onClick={copy}>Copy<span className='sr-only'> {label}</span></button>
      <span role='status' className='muted'>{copied === true ? ' Copied.' : copied === false ? ' Select the text to copy it.' : ''}</span>
    </span>
  )
}

export interface Page<T> { items: T[], nextCursor: string | null }

export interface PagedList<T> {
  items: T[]
  nextCursor: string | null
  loading: boolean
  loaded: boolean
  problem: Problem | null
  reload: () => void
  loadMore: () => void
  /** Follows the cursor until the end or until `max` items are loaded (for a search over the whole list). */
  loadAll: (max: number) => void
  /** Replaces one item in place (after a change), matched by `same`. */
  replace: (item: T, same: (a: T, b: T) => boolean) => void
}

/**
 * A paged list. Each load carries a generation: an answer that arrives after a reload, or after the component went
 * away (screens are keyed by tenant, so a tenant switch unmounts them), is dropped, never shown under another tenant.
 */
export function usePagedList<T> (load: (cursor: string | undefined) => Promise<Page<T>>): PagedList<T> {
  const [state, setState] = useState<{ items: T[], nextCursor: string | null, loading: boolean, loaded: boolean, problem: Problem | null }>({ items: [], nextCursor: null, loading: true, loaded: false, problem: null })
  const generation = useRef(0)
  const loadRef = useRef(load)
  loadRef.current = load

  const run = useCallback((cursor: string | undefined, more = 0) => {
    const mine = ++generation.current
    setState(s => ({ ...s, items: cursor === undefined ? [] : s.items, loading: true, problem: null }))
    const step = (from: string | undefined, left: number) => {
      loadRef.current(from).then(page => {
        if (generation.current !== mine) return
        const goOn = page.nextCursor !== null && left - page.items.length > 0
        setState(s => ({ items: from === undefined ? page.items : [...s.items, ...page.items], nextCursor: page.nextCursor, loading: goOn, loaded: true, problem: null }))
        if (goOn) step(page.nextCursor ?? undefined, left - page.items.length)
      }, (err: unknown) => {
        if (generation.current !== mine) return
        setState(s => ({ ...s, loading: false, problem: problemOf(err) }))
      })
    }
    step(cursor, more)
  }, [])

  useEffect(() => {
    run(undefined)
    // Unmounted (another tenant, another screen): whatever is still in flight is dropped.
    return () => { generation.current++ }
  }, [run])

  return {
    ...state,
    reload: () => run(undefined),
    loadMore: () => { if (state.nextCursor !== null) run(state.nextCursor) },
    loadAll: (max) => { if (state.nextCursor !== null) run(state.nextCursor, max - state.items.length) },
    replace: (item, same) => setState(s => ({ ...s, items: s.items.map(i => same(i, item) ? item : i) }))
  }
}

/** Loading, error and empty states of a list, then the list itself. */
export function ListStates<T> ({ list, empty, children, what }: { list: PagedList<T>, empty: string, what: string, children: ReactNode }) {
  return (
    <>
      {list.problem !== null && <ProblemView problem={list.problem}> <button type='button' onClick={list.reload}>Retry</button></ProblemView>}
      {list.loading && <p role='status'>Loading {what}…</p>}
      {!list.loading && list.loaded && list.items.length === 0 && list.problem === null && <p className='empty'>{empty}</p>}
      {list.items.length > 0 && children}
      <div className='list-actions'>
        <button type='button' onClick={list.reload} disabled={list.loading}>Reload {what}</button>
        {list.nextCursor !== null && <button type='button' onClick={list.loadMore} disabled={list.loading}>Load more {what}</button>}
      </div>
    </>
  )
}

/** A one-shot action (a button press): busy while it runs, its problem shown beside it. */
export function useAction () {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<Problem | null>(null)
  const alive = useRef(true)
  useEffect(() => () => { alive.current = false }, [])
  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true)
    setProblem(null)
    try {
      await action()
    } catch (err) {
      if (alive.current) setProblem(problemOf(err))
    } finally {
      if (alive.current) setBusy(false)
    }
  }, [])
  return { busy, problem, run, clear: () => setProblem(null) }
}

/**
 * A form's submit: no page load, busy while `action` runs, then the sentence it returns (what was done) or its problem.
 * Render `feedback` under the submit button.
 */
export function useFormAction (action: () => Promise<string | void>) {
  const { busy, problem, run } = useAction()
  const [done, setDone] = useState<string | null>(null)
  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    setDone(null)
    void run(async () => {
      const said = await action()
      if (typeof said === 'string') setDone(said)
    })
  }
  const feedback = (
    <>
      {done !== null && <p role='status' className='ok'>{done}</p>}
      {problem !== null && <ProblemView problem={problem} />}
    </>
  )
  return { busy, onSubmit, feedback }
}

export const formatDate = (iso: string) => new Date(iso).toLocaleString()
export const formatMoney = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`

/**
 * Around a screen: a render error shows what failed and a way out (try again, or `wayOut`) instead of a blank page,
 * and the header and navigation stay usable. Key it by screen and tenant so that going elsewhere starts afresh.
 * React offers error boundaries as class components only (react.dev, "Catching rendering errors with an error boundary").
 */
export class ScreenBoundary extends Component<{ children: ReactNode, wayOut: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null }

  static getDerivedStateFromError (error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) }
  }

  override componentDidCatch (error: unknown, info: ErrorInfo) {
    console.error('A console screen failed to render', error, info.componentStack)
  }

  override render () {
    if (this.state.error === null) return this.props.children
    return (
      <div className='problem' role='alert'>
        <strong>This screen failed</strong>: {this.state.error.message}{' '}
        <button type='button' onClick={() => this.setState({ error: null })}>Try again</button> {this.props.wayOut}
      </div>
    )
  }
}
