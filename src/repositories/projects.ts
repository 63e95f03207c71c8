// Projects of one tenant: PK=TENANT#<t>, SK=PROJECT#<sortable id>, plus the idempotency records of their creation.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Project, ProjectStatus } from '../domain/project.js'
import { tenantItems } from './tenant-items.js'

/** Picks the project's own attributes: keys and tenantId never reach a response. */
export function toProject (item: Record<string, unknown>): Project {
  return {
    projectId: item.projectId as string,
    name: item.name as string,
    ...(typeof item.description === 'string' ? { description: item.description } : {}),
    status: item.status as ProjectStatus,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: item.version as number
  }
}

/** get, create (idempotent), list, update (versioned) and delete; every call takes the caller's TenantScope. */
export const projectsRepository = (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) =>
  tenantItems(dynamo, { kind: 'PROJECT', name: 'Project', fromItem: toProject })
