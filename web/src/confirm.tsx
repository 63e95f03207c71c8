// Confirmation before a destructive action: a modal <dialog> (showModal gives the focus trap, Escape and the inert
// page; WAI-ARIA APG "Dialog (Modal)"), focus starting on Cancel and returning to the button that opened it.
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react'

export interface ConfirmOptions {
  /** The question, e.g. "Remove ann@example.com?" */
  title: string
  /** What happens, in words: what is lost, what cannot be undone. */
  body: ReactNode
  /** The confirming button's text, the action itself ("Remove"), never "OK". */
  confirm: string
}

/** `ask(options)` resolves true when confirmed, false when cancelled (Cancel, Escape); render `dialog` in the component. */
export function useConfirm () {
  const [pending, setPending] = useState<{ options: ConfirmOptions, resolve: (ok: boolean) => void } | null>(null)
  const ask = useCallback(async (options: ConfirmOptions) => await new Promise<boolean>(resolve => setPending({ options, resolve })), [])
  const dialog = pending === null
    ? null
    : <ConfirmDialog {...pending.options} onClose={ok => { pending.resolve(ok); setPending(null) }} />
  return { ask, dialog }
}

function ConfirmDialog ({ title, body, confirm, onClose }: ConfirmOptions & { onClose: (ok: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null)
  const cancel = useRef<HTMLButtonElement>(null)
  const opener = useRef<Element | null>(document.activeElement)
  const titleId = useId()
  const bodyId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog === null) return
    if (!dialog.open) dialog.showModal()
    // The safe choice first: Enter on an unintended dialog cancels.
    cancel.current?.focus()
    return () => {
      if (dialog.open) dialog.close()
      const back = opener.current
      if (back instanceof HTMLElement && back.isConnected) back.focus()
    }
  }, [])
  return (
    <dialog ref={ref} className='confirm' aria-labelledby={titleId} aria-describedby={bodyId} onCancel={e => { e.preventDefault(); onClose(false) }}>
      <h2 id={titleId}>{title}</h2>
      <div id={bodyId}>{body}</div>
      <div className='actions'>
        <button ref={cancel} type='button' className='secondary' onClick={() => onClose(false)}>Cancel</button>
        <button type='button' className='danger' onClick={() => onClose(true)}>{confirm}</button>
      </div>
    </dialog>
  )
}
