// The CloudFormation custom resource around the re-apply (infra/lib/sso-providers.ts): runs it on Create and Update,
// does nothing on Delete, and answers CloudFormation at the event's presigned ResponseURL.
import type { ReapplyResult } from './reapply.js'

/** The fields of a CloudFormation custom resource request this handler uses. */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete'
  ResponseURL: string
  StackId: string
  RequestId: string
  LogicalResourceId: string
  PhysicalResourceId?: string
  ResourceProperties: Record<string, unknown>
}

type Put = (url: string, body: string) => Promise<void>

const putResponse: Put = async (url, body) => {
  const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } })
  if (!res.ok) throw new Error(`CloudFormation response refused: ${res.status}`)
}

/**
 * A failed re-apply fails the deploy (CloudFormation rolls back), rather than leaving every tenant's SSO broken
 * silently. Delete (stack deletion, or a replaced resource) changes nothing: the client's list is the API's again.
 */
export function reapplyResourceHandler (reapply: (clientId: string) => Promise<ReapplyResult>, put: Put = putResponse) {
  return async function handler (event: CustomResourceEvent): Promise<void> {
    const physicalId = event.PhysicalResourceId ?? `sso-providers-${String(event.ResourceProperties.ClientId)}`
    let answer: Record<string, unknown>
    try {
      const data: Record<string, string> = {}
      if (event.RequestType !== 'Delete') {
        const clientId = event.ResourceProperties.ClientId
        if (typeof clientId !== 'string' || clientId === '') throw new Error('ClientId is missing')
        const result = await reapply(clientId)
        console.log(JSON.stringify({ msg: 'sso providers re-applied', clientId, ...result }))
        data.Added = String(result.added.length)
      }
      answer = { Status: 'SUCCESS', PhysicalResourceId: physicalId, Data: data }
    } catch (err) {
      console.error(JSON.stringify({ msg: 'sso providers re-apply failed', error: String(err) }))
      answer = { Status: 'FAILED', Reason: String((err as Error).message ?? err).slice(0, 500), PhysicalResourceId: physicalId }
    }
    await put(event.ResponseURL, JSON.stringify({ ...answer, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId }))
  }
}
