// The email rule of claim keys, route schemas, users:import and the console's bulk invite, as functions. No Node
// imports: the console bundles it (through src/domain/users-csv.ts).
import { EMAIL_MAX_LENGTH, EMAIL_PATTERN } from './model.js'

/**
 * Addresses are trimmed of ASCII blanks and ASCII-lower-cased before they key anything: one mailbox, one claim. Only
 * ASCII is touched: String.prototype.toLowerCase would turn the Kelvin sign into 'k' (and trim() would drop U+00A0),
 * making a refused non-ASCII spelling into an accepted key for someone else's address.
 */
export function normalizeEmail (email: string): string {
  return email.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '').replace(/[A-Z]+/g, s => s.toLowerCase())
}

// The 'u' flag, as Ajv compiles the route schema's pattern: one rule, one reading.
const EMAIL_REGEX = new RegExp(EMAIL_PATTERN, 'u')

/** The email rule of claim keys and route schemas, as a yes/no (reporting bad rows rather than throwing). */
export function isEmail (email: unknown): email is string {
  return typeof email === 'string' && email.length <= EMAIL_MAX_LENGTH && EMAIL_REGEX.test(email)
}
