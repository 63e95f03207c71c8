// Orders of the active tenant: cursor-paged list, create, status change, edit and (admins) delete, each held to the
// version shown (If-Match).
import { useId, useRef, useState, type FormEvent } from 'react'
import { randomUrlSafe } from '../auth/managed-login.js'
import { call, type Api } from '../api/client.js'
import type { paths } from '../api/schema.js'
import { formatDate, formatMoney, ListStates, ProblemView, useAction, usePagedList } from '../ui.js'
import { useConfirm } from '../confirm.js'
import { OrderEdit, OrderProblem } from './OrderEdit.js'

type Order = paths['/orders/{orderId}']['get']['responses'][200]['content']['application/json']
type Status = Order['status']

/** The API's status machine (src/domain/order.ts), only to offer sensible choices; the API decides. */
const NEXT: Record<Status, Status[]> = { pending: ['confirmed', 'cancelled'], confirmed: ['shipped', 'cancelled'], shipped: [], cancelled: [] }

export function Orders ({ api, tenantName, admin }: { api: Api, tenantName: string, admin: boolean }) {
  const list = usePagedList<Order>(async cursor => await call(api.GET('/orders', { params: { query: { limit: 10, ...(cursor !== undefined ? { cursor } : {}) } } })))
  return (
    <section aria-labelledby='orders-title'>
      <h2 id='orders-title'>Orders of {tenantName}</h2>
      <CreateOrder api={api} onCreated={list.reload} />
      <ListStates list={list} what='orders' empty='No orders yet.'>
        <table>
          <caption className='sr-only'>Orders of {tenantName}</caption>
          <thead><tr><th scope='col'>Order</th><th scope='col'>Status</th><th scope='col'>Total</th><th scope='col'>Items</th><th scope='col'>Created</th><th scope='col'>Change status</th><th scope='col'>Actions</th></tr></thead>
          <tbody>
            {list.items.map(order => <OrderRow key={order.orderId} api={api} order={order} admin={admin} onChanged={o => list.replace(o, (a, b) => a.orderId === b.orderId)} onReload={list.reload} />)}
          </tbody>
        </table>
      </ListStates>
    </section>
  )
}

function OrderRow ({ api, order, admin, onChanged, onReload }: { api: Api, order: Order, admin: boolean, onChanged: (o: Order) => void, onReload: () => void }) {
  const next = NEXT[order.status]
  const [editing, setEditing] = useState(false)
  const confirm = useConfirm()
  const remove = async () => {
    if (!await confirm.ask({ title: `Delete order ${order.orderId}?`, body: <p>The order ({formatMoney(order.total, order.currency)}, {order.status}) is deleted for good; the audit trail records it.</p>, confirm: 'Delete order' })) return
    await action.run(async () => {
      await call(api.DELETE('/orders/{orderId}', { params: { path: { orderId: order.orderId }, header: { 'if-match': `"${order.version}"` } } }))
      onReload()
    })
  }
  const [status, setStatus] = useState<Status | ''>(next[0] ?? '')
  const action = useAction()
  const id = useId()
  const apply = () => action.run(async () => {
    if (status === '') return
    const updated = await call(api.PATCH('/orders/{orderId}', {
      params: { path: { orderId: order.orderId }, header: { 'if-match': `"${order.version}"` } },
      body: { status }
    }))
    onChanged(updated)
    setStatus(NEXT[updated.status][0] ?? '')
  })
  return (
    <>
      <tr data-order-id={order.orderId}>
        <td><code>{order.orderId}</code>{order.note !== undefined && <div className='note'>{order.note}</div>}</td>
        <td><span className={`badge ${order.status}`}>{order.status}</span></td>
        <td>{formatMoney(order.total, order.currency)}</td>
        <td>{order.items.map(i => `${i.quantity} × ${i.sku}`).join(', ')}</td>
        <td>{formatDate(order.createdAt)}</td>
        <td>
          {next.length === 0
            ? <span className='muted'>final</span>
            : (
                <div className='inline'>
                  <label className='sr-only' htmlFor={id}>New status of order {order.orderId}</label>
                  <select id={id} value={status} onChange={e => setStatus(e.target.value as Status)}>
                    {next.map(s => <option key={s} value={s}>{s}</option>)}
                  </select>
                  <button type='button' onClick={() => { void apply() }} disabled={action.busy}>Apply<span className='sr-only'> to order {order.orderId}</span></button>
                </div>
              )}
          {action.problem !== null && (
            <OrderProblem problem={action.problem} onReload={onReload} />
          )}
        </td>
        <td>
          <div className='actions'>
            <button type='button' className='secondary' onClick={() => setEditing(e => !e)} aria-expanded={editing}>Edit<span className='sr-only'> order {order.orderId}</span></button>
            {admin && <button type='button' className='danger' onClick={() => { void remove() }} disabled={action.busy}>Delete<span className='sr-only'> order {order.orderId}</span></button>}
          </div>
          {confirm.dialog}
        </td>
      </tr>
      {editing && (
        <tr className='editing'>
          <td colSpan={7}>
            <OrderEdit api={api} order={order} onSaved={o => { setEditing(false); onChanged(o) }} onCancel={() => setEditing(false)} onReload={onReload} />
          </td>
        </tr>
      )}
    </>
  )
}

function CreateOrder ({ api, onCreated }: { api: Api, onCreated: () => void }) {
  const [currency, setCurrency] = useState('EUR')
  const [sku, setSku] = useState('')
  const [quantity, setQuantity] = useState('1')
  const [unitPrice, setUnitPrice] = useState('1000')
  const [note, setNote] = useState('')
  // One Idempotency-Key per order being created: submitting the same content again (after a timeout or a 503) reuses
  // it, so the order is created once; changed content is another order and gets a new key (the API answers 422 to a
  // key reused with another body).
  const lastAttempt = useRef<{ body: string, key: string } | null>(null)
  const action = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const body = { currency, items: [{ sku: sku.trim(), quantity: Number(quantity), unitPrice: Number(unitPrice) }], ...(note.trim() !== '' ? { note: note.trim() } : {}) }
    const json = JSON.stringify(body)
    const key = lastAttempt.current?.body === json ? lastAttempt.current.key : randomUrlSafe(24)
    lastAttempt.current = { body: json, key }
    void action.run(async () => {
      await call(api.POST('/orders', { params: { header: { 'idempotency-key': key } }, body }))
      lastAttempt.current = null
      setSku('')
      setNote('')
      onCreated()
    })
  }
  return (
    <form className='card' onSubmit={submit} aria-labelledby='create-order-title'>
      <h3 id='create-order-title'>New order</h3>
      <div className='fields'>
        <label>Currency <select value={currency} onChange={e => setCurrency(e.target.value)}>{['EUR', 'USD', 'GBP'].map(c => <option key={c}>{c}</option>)}</select></label>
        <label>SKU <input required value={sku} onChange={e => setSku(e.target.value)} pattern='[A-Za-z0-9._\-]{1,64}' /></label>
        <label>Quantity <input required type='number' min={1} value={quantity} onChange={e => setQuantity(e.target.value)} /></label>
        <label>Unit price (cents) <input required type='number' min={0} value={unitPrice} onChange={e => setUnitPrice(e.target.value)} /></label>
        <label>Note <input value={note} onChange={e => setNote(e.target.value)} maxLength={1000} /></label>
      </div>
      <button type='submit' disabled={action.busy}>Create order</button>
      {action.problem !== null && <ProblemView problem={action.problem} />}
    </form>
  )
}
