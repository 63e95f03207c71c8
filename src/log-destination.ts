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

/**
 * sonic-boom in buffer mode, fed one Buffer per line. In its default (utf8) mode every write() measures the UTF-8
 * length of the whole pending string again (`Buffer.byteLength(bufs[last])`), which grows while a write is in flight:
 * ~28k instructions per request at `info` (bench/README.md, "Logging cost"). In buffer mode it adds each line's length
 * once; encoding a ~200-byte line to a Buffer costs far less.
 */
export function logDestination ({ dest = 1, ...opts }: LogDestinationOptions = {}): LogDestination {
  const destination = pino.destination({ dest, ...SERVER_LOG_WRITES, ...opts, contentMode: 'buffer' })
  const writeBuffer = destination.write.bind(destination) as unknown as (line: Buffer) => boolean
  destination.write = (line: string): boolean => writeBuffer(Buffer.from(line))
  return destination
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
