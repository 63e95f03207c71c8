// A tenant's name: what people see in the switcher and in invitations, so nothing that can disguise or break a line.
import { Type } from 'typebox'

/**
 * Printable text only: no control characters (NUL, ESC, newlines: log injection, terminal escapes), no bidirectional
 * formatting characters (U+061C, U+200E-F, U+202A-E, U+2066-9: "Trojan Source" reordering that makes one name read as
 * another) and no line or paragraph separators; at least one non-blank character.
 */
export const TENANT_NAME_PATTERN = '^(?=[^]*\\S)[^\\p{Cc}\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029]+$'
export const TENANT_NAME_REASON = 'must be printable text with no control or bidirectional formatting characters, and not blank'

export const TenantNameSchema = Type.String({ minLength: 1, maxLength: 100, pattern: TENANT_NAME_PATTERN, description: `a tenant name: ${TENANT_NAME_REASON}` })

/** What a failed pattern means, by pattern: validation errors say the reason, not the regular expression. */
export const PATTERN_REASONS: ReadonlyMap<string, string> = new Map([[TENANT_NAME_PATTERN, TENANT_NAME_REASON]])
