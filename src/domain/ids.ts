// Time-sortable ids for the items that list newest first (orders, audit entries): one generator for all of them.
import { randomBytes } from 'node:crypto'

let lastIdTime = 0
let idSeq = 0

/**
 * 10 base36 chars of epoch ms, a 4-char sequence that keeps ids from one process in call order within the same
 * millisecond, then random bits against collisions across processes. Lexical order is time order, so an SK built from
 * it lists newest first with ScanIndexForward=false.
 */
export function sortableId (now = Date.now()): string {
  if (now > lastIdTime) { lastIdTime = now; idSeq = 0 } else idSeq++
  return lastIdTime.toString(36).padStart(10, '0') + idSeq.toString(36).padStart(4, '0') + randomBytes(4).toString('hex')
}
