// Editing an order's note, and its items while it is pending, held to the version shown (If-Match): a change made
// meanwhile by someone else is a 412, explained, never overwritten.
import { useId, useState, type FormEvent } from 'react'
import { call, type Api, type Problem } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { ProblemView, useAction } from '../ui.js'

type Order = paths['/orders/{orderId}']['get']['responses'][200]['content']['application/json']
interface Line { sku: string, quantity: string, unitPrice: string }

export function OrderEdit ({ api, order, onSaved, onCancel, onReload }: { api: Api, order: Order, onSaved: (o: Order) => void, onCancel: () => void, onReload: () => void }) {
  const [note, setNote] = useState(order.note ?? '')
  const [lines, setLines] = useState<Line[]>(order.items.map(i => ({ sku: i.sku, quantity: String(i.quantity), unitPrice: String(i.unitPrice) })))
  const action = useAction()
  const titleId = useId()
  const pending = order.status === 'pending'
  const set = (i: number, field: keyof Line, value: string) => setLines(ls => ls.map((l, k) => k === i ? { ...l, [field]: value } : l))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void action.run(async () => {
      const items = lines.map(l => ({ sku: l.sku.trim(), quantity: Number(l.quantity), unitPrice: Number(l.unitPrice) }))
      const saved = await call(api.PATCH('/orders/{orderId}', {
        params: { path: { orderId: order.orderId }, header: { 'if-match': `"${order.version}"` } },
        body: { note: note.trim(), ...(pending ? { items } : {}) }
      }))
      onSaved(saved)
    })
  }
  return (
    <form className='card' onSubmit={submit} aria-labelledby={titleId}>
      <h3 id={titleId}>Edit order {order.orderId}</h3>
      <div className='fields'>
        <label>Note <input value={note} onChange={e => setNote(e.target.value)} maxLength={1000} /></label>
      </div>
      {pending
        ? (
            <fieldset>
              <legend>Items</legend>
              {lines.map((l, i) => (
                <div className='fields' key={i}>
                  <label>SKU of item {i + 1} <input required value={l.sku} onChange={e => set(i, 'sku', e.target.value)} pattern='[A-Za-z0-9._\-]{1,64}' /></label>
                  <label>Quantity of item {i + 1} <input required type='number' min={1} value={l.quantity} onChange={e => set(i, 'quantity', e.target.value)} /></label>
                  <label>Unit price of item {i + 1} (cents) <input required type='number' min={0} value={l.unitPrice} onChange={e => set(i, 'unitPrice', e.target.value)} /></label>
                  {lines.length > 1 && <button type='button' className='secondary' onClick={() => setLines(ls => ls.filter((_, k) => k !== i))}>Remove item {i + 1}</button>}
                </div>
              ))}
              <button type='button' className='secondary' onClick={() => setLines(ls => [...ls, { sku: '', quantity: '1', unitPrice: '0' }])}>Add an item</button>
            </fieldset>
          )
        : <p className='muted'>Items can change only while the order is pending; this one is {order.status}.</p>}
      <div className='actions'>
        <button type='submit' disabled={action.busy}>Save order</button>
        <button type='button' className='secondary' onClick={onCancel}>Cancel editing</button>
      </div>
      {action.problem !== null && (
        <OrderProblem problem={action.problem} onReload={onReload} />
      )}
    </form>
  )
}

/** A refused order change; a stale one (412: someone else changed it) says so and offers the reload. */
export function OrderProblem ({ problem, onReload }: { problem: Problem, onReload: () => void }) {
  return (
    <ProblemView problem={problem}>
      {problem.status === 412 && <> <span className='stale'>This order was changed by someone else — reload to see its current state.</span> <button type='button' onClick={onReload}>Reload orders</button></>}
    </ProblemView>
  )
}
