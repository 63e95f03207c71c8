// Projects of one tenant: PK=TENANT#<t>, SK=PROJECT#<sortable id>, plus the idempotency records of their creation.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { ProjectSchema } from '../domain/project.js'
import { fromSchema, tenantItems } from './tenant-items.js'

/** Picks the project's own attributes (ProjectSchema's): keys and tenantId never reach a response. */
export const toProject = fromSchema(ProjectSchema)

/** get, create (idempotent), list, update (versioned) and delete; every call takes the caller's TenantScope. */
export const projectsRepository = (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) =>
  tenantItems(dynamo, { kind: 'PROJECT', name: 'Project', fromItem: toProject })
