// The local stack's inbox (npm run dev only): every message Cognito or the API would send lands here, in a JSON-lines
// file under .local/ that both the dev stack (the shim's temporary passwords) and the API (its notices) append to, and
// is shown as a small HTML page at /inbox on the console server. Production has none: the console there is static files.
import { appendInboxEntry, readInbox, type InboxEntry } from '../notify/mailer.js'
import type { ShimMessage } from './cognito-shim.js'

export const INBOX_PATH = '/inbox'

/** A temporary password the shim issued, as the email Cognito would send. */
export function inboxEntryOf (m: ShimMessage): InboxEntry {
  const resent = m.reason === 'resend'
  return {
    at: new Date().toISOString(),
    sender: 'cognito',
    to: m.email ?? m.username,
    subject: resent ? 'Your temporary password (resent)' : 'Your temporary password',
    text: `Your username is ${m.email ?? m.username} and your temporary password is ${m.temporaryPassword}\n`
  }
}

/** Records a shim message in the inbox file and returns the terminal line for it. */
export function deliverShimMessage (file: string, m: ShimMessage): string {
  // The shim answers Cognito's caller whatever happens here: a file that cannot be written costs the page, not the call.
  try { appendInboxEntry(file, inboxEntryOf(m)) } catch (err) { console.error(`inbox: could not write ${file}: ${(err as Error).message}`) }
  return `[inbox] ${m.reason === 'resend' ? 'invitation resent to' : 'invitation to'} ${m.email ?? m.username}: temporary password ${m.temporaryPassword}`
}

const escape = (s: string) => s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
/** Links in a message's text become links (http(s) only; the text is escaped first). */
const linkify = (s: string) => escape(s).replace(/https?:\/\/[^\s<&]+/g, u => `<a href="${u}">${u}</a>`)

/** The inbox page: newest first. No script and no style of its own (the console server's CSP allows neither inline). */
export function inboxPage (file: string): string {
  const entries = readInbox(file).reverse()
  const items = entries.map(e => `<li><article><h2>${escape(e.subject)}</h2><p>To <strong>${escape(e.to)}</strong>, from ${e.sender === 'cognito' ? 'Cognito' : 'the API'}, at <time>${escape(e.at)}</time></p><pre>${linkify(e.text)}</pre></article></li>`)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local inbox</title></head>
<body><main><h1>Local inbox</h1><p>What Cognito and the API would have emailed (npm run dev only), newest first. Reload for new messages.</p>
${entries.length === 0 ? '<p>No messages yet.</p>' : `<ol>${items.join('\n')}</ol>`}
</main></body></html>
`
}
