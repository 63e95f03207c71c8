// Liveness (no I/O) and readiness (DynamoDB answers, signing keys load), both public.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import type { Config } from '../../src/config.js'
import { problem, problemResponses, sendProblem } from '../../src/http/problem.js'

/** Readiness must answer within 2 s whatever hangs behind it. */
export const CHECK_TIMEOUT_MS = 1200
/** How long one round of readiness checks answers every probe. */
export const READY_REUSE_MS = 3000

async function withTimeout<T> (work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      work(controller.signal),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => { controller.abort(); reject(new Error('timed out')) }, ms)
      })
    ])
  } finally { clearTimeout(timer) }
}

const Status = Type.Object({ status: Type.Literal('ok') })

const health: FastifyPluginAsyncTypebox<{ config: Config, checkTimeoutMs?: number }> = async (app, opts) => {
  const checkTimeoutMs = opts.checkTimeoutMs ?? CHECK_TIMEOUT_MS
  /**
   * One round of checks, reused for READY_REUSE_MS by every probe (and joined while it runs): readiness is public and
   * unlimited, and DescribeTable is a control-plane call with low quotas, so a flood of probes must not become a flood
   * of DescribeTable calls that fails readiness and pulls a healthy instance.
   */
  let last: { at: number, down: Promise<string[]> } | undefined
  function readiness (log: { warn: (obj: object, msg: string) => void }): Promise<string[]> {
    const t = Date.now()
    if (last !== undefined && t - last.at < READY_REUSE_MS) return last.down
    const round = { at: t, down: checkAll(log) }
    last = round
    return round.down
  }
  async function checkAll (log: { warn: (obj: object, msg: string) => void }): Promise<string[]> {
    const checks = {
      dynamodb: withTimeout(signal => app.dynamo.client.send(new DescribeTableCommand({ TableName: app.dynamo.tableName }), { abortSignal: signal }), checkTimeoutMs),
      signingKeys: withTimeout(() => app.signingKeysReady(), checkTimeoutMs)
    }
    const down: string[] = []
    await Promise.all(Object.entries(checks).map(async ([name, check]) => {
      try { await check } catch (err) {
        down.push(name)
        log.warn({ err, check: name }, 'readiness check failed')
      }
    }))
    return down
  }

  // Never rate-limited: a load balancer's or orchestrator's probe must not be answered 429 because clients are busy.
  app.get('/health', {
    config: { auth: 'public', rateLimit: false },
    schema: { tags: ['health'], summary: 'Liveness', response: { 200: Status } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/health/ready', {
    config: { auth: 'public', rateLimit: false },
    schema: { tags: ['health'], summary: 'Readiness: DynamoDB and signing keys', response: { 200: Status, ...problemResponses(503) } }
  }, async (request, reply) => {
    const down = await readiness(request.log)
    if (down.length > 0) return sendProblem(reply, problem(503, `Not ready: ${down.sort().join(', ')} unavailable`))
    return { status: 'ok' as const }
  })
}
export default health
