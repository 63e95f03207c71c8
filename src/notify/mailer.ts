// What the API sends people itself (Cognito sends its own temporary passwords): a small mailer interface and its sinks.
import { appendFileSync, existsSync, readFileSync } from 'node:fs'

export interface MailMessage {
  to: string
  subject: string
  text: string
}

export interface Mailer {
  /** Sends one message; rejects when it could not (the caller decides whether that matters). */
  send: (message: MailMessage) => Promise<void>
}

/** Tests: keeps every message in `sent`. */
export function memoryMailer (): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = []
  return { sent, send: async (m) => { sent.push(m) } }
}

/** No sender configured (MAIL_FROM unset): the message is logged, not sent. */
export function logMailer (log: { info: (obj: object, msg: string) => void }): Mailer {
  return { send: async (m) => { log.info({ notice: { to: m.to, subject: m.subject } }, 'notice not sent (MAIL_FROM is not set): logged only') } }
}

/** One message of the local stack's inbox (src/local/inbox.ts): Cognito's temporary passwords and the API's notices. */
export interface InboxEntry extends MailMessage {
  at: string
  /** Who would have sent it on AWS. */
  sender: 'cognito' | 'api'
}

/** Appends one entry to a JSON-lines inbox file (one write per line: the dev stack and the API both append). */
export function appendInboxEntry (file: string, entry: InboxEntry): void {
  appendFileSync(file, JSON.stringify(entry) + '\n')
}

/** The inbox file's entries, oldest first; lines that do not parse are skipped. */
export function readInbox (file: string): InboxEntry[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    try { return line.trim() === '' ? [] : [JSON.parse(line) as InboxEntry] } catch { return [] }
  })
}

/** Local development (MAIL_INBOX_FILE, set by `npm run dev`): the message lands in the dev stack's inbox file. */
export function inboxFileMailer (file: string, log?: { info: (obj: object, msg: string) => void }): Mailer {
  return {
    send: async (m) => {
      appendInboxEntry(file, { ...m, at: new Date().toISOString(), sender: 'api' })
      log?.info({ notice: { to: m.to, subject: m.subject } }, 'notice delivered to the local inbox')
    }
  }
}
