// The request's logger, made only when a line is written. Fastify gives every request a pino child (its reqId bound),
// and src/http/log.ts binds userId and tenantId to it; at the shipped LOG_LEVEL (warn and above) most requests write
// nothing, so the child, and pino's re-serialized bindings twice per request, were pure cost (bench/README.md,
// "GET /me as it ships"). This stands in for the child until a line at an enabled level, a child of its own or its
// bindings are asked for, then makes the real pino child once, with every binding so far.
import type { FastifyBaseLogger } from 'fastify'
import type { FastifyChildLoggerFactory } from 'fastify/types/logger.js'

type Bindings = Record<string, unknown>
interface PinoLike extends FastifyBaseLogger {
  levels: { values: Record<string, number> }
  isLevelEnabled: (level: string) => boolean
  setBindings: (bindings: Bindings) => void
  bindings: () => Bindings
}
type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]]

export class LazyRequestLogger {
  readonly #parent: PinoLike
  readonly #opts: Bindings
  readonly #threshold: number
  #bindings: Bindings
  #real: PinoLike | undefined

  constructor (parent: PinoLike, bindings: Bindings, opts: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
    this.#opts = opts
    const level = typeof opts.level === 'string' ? opts.level : parent.level
    this.#threshold = parent.levels.values[level] ?? Number.POSITIVE_INFINITY
  }

  #materialize (): PinoLike {
    this.#real ??= this.#parent.child(this.#bindings, this.#opts) as PinoLike
    return this.#real
  }

  get level (): string { return this.#real?.level ?? (typeof this.#opts.level === 'string' ? this.#opts.level : this.#parent.level) }
  set level (level: string) { this.#materialize().level = level }

  isLevelEnabled (level: string): boolean {
    if (this.#real !== undefined) return this.#real.isLevelEnabled(level)
    return (this.#parent.levels.values[level] ?? Number.NEGATIVE_INFINITY) >= this.#threshold
  }

  setBindings (bindings: Bindings): void {
    if (this.#real !== undefined) this.#real.setBindings(bindings)
    else this.#bindings = { ...this.#bindings, ...bindings }
  }

  bindings (): Bindings { return this.#real !== undefined ? this.#real.bindings() : { ...this.#bindings } }
  child (bindings: Bindings, opts?: Bindings): FastifyBaseLogger { return this.#materialize().child(bindings, opts) }

  fatal (...args: LogArgs): void { if (this.isLevelEnabled('fatal')) (this.#materialize().fatal as (...a: LogArgs) => void)(...args) }
  error (...args: LogArgs): void { if (this.isLevelEnabled('error')) (this.#materialize().error as (...a: LogArgs) => void)(...args) }
  warn (...args: LogArgs): void { if (this.isLevelEnabled('warn')) (this.#materialize().warn as (...a: LogArgs) => void)(...args) }
  info (...args: LogArgs): void { if (this.isLevelEnabled('info')) (this.#materialize().info as (...a: LogArgs) => void)(...args) }
  debug (...args: LogArgs): void { if (this.isLevelEnabled('debug')) (this.#materialize().debug as (...a: LogArgs) => void)(...args) }
  trace (...args: LogArgs): void { if (this.isLevelEnabled('trace')) (this.#materialize().trace as (...a: LogArgs) => void)(...args) }
  silent (): void {}
}

/** Fastify's childLoggerFactory: a lazy child of a pino logger; any other logger makes its child as Fastify would. */
export const lazyChildLogger: FastifyChildLoggerFactory = (logger, bindings, opts) => {
  const pino = logger as Partial<PinoLike>
  if (pino.levels?.values === undefined || typeof pino.isLevelEnabled !== 'function' || typeof pino.setBindings !== 'function') return logger.child(bindings, opts)
  return new LazyRequestLogger(logger as PinoLike, bindings, opts as Bindings) as unknown as FastifyBaseLogger
}
