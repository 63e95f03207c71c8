// Where `npm start` writes its log lines, and how: pino's sonic-boom destination on stdout (the container's log driver
// reads it), with the write mode chosen by measurement (bench/README.md, "Logging cost").
import pino from 'pino'

export interface LogDestinationOptions {
  /** A file descriptor or a path; stdout (1) unless a bench or test writes elsewhere. */
  dest?: number | string
  /** One blocking write(2) per line instead of sonic-boom's asynchronous writes. */
  sync?: boolean
  /** Bytes held before a write (0: write at once); anything held is written by flush() or flushSync(). */
  minLength?: number
}

/** The server's choice (bench/README.md, "Logging cost"). */
export const SERVER_LOG_WRITES = { sync: false, minLength: 0 } as const

export type LogDestination = ReturnType<typeof pino.destination>

export function logDestination ({ dest = 1, ...opts }: LogDestinationOptions = {}): LogDestination {
  return pino.destination({ dest, ...SERVER_LOG_WRITES, ...opts })
}

/**
 * Writes out every line still held or in flight, before the process exits. sonic-boom's flush(cb) waits for held lines
 * (minLength > 0) but answers at once when nothing is held, even with an asynchronous write in flight; that write ends
 * with 'drain' (sonic-boom has no public flag for it, hence `_writing`). flushSync then writes anything left, blocking.
 */
export async function flushLogs (destination: LogDestination): Promise<void> {
  await new Promise<void>(resolve => { destination.flush(() => resolve()) })
  if ((destination as LogDestination & { _writing?: boolean })._writing) {
    await new Promise<void>(resolve => { destination.once('drain', () => resolve()) })
  }
  destination.flushSync()
}
