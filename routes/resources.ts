// The tenant-scoped resources, one entry each: the repository (app.repos.<name>, built once by plugins/services.ts) and
// the route module (registered by src/app.ts). A new resource adds one line here; src/app.ts and plugins/ are not edited.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { ProjectSchema } from '../src/domain/project.js'
import { ordersRepository } from '../src/repositories/orders.js'
import { schemaResource } from '../src/repositories/tenant-items.js'
import orders from './orders/index.js'
import projects from './projects/index.js'

/** Static, not a directory scan: the Lambda bundle is one file. */
export const resources = {
  orders: { repository: ordersRepository, routes: orders },
  projects: { repository: schemaResource({ kind: 'PROJECT', name: 'Project', schema: ProjectSchema }), routes: projects }
}

export type ResourceRepositories = { [K in keyof typeof resources]: ReturnType<typeof resources[K]['repository']> }

/** Every resource's repository over the one table. */
export function resourceRepositories (dynamo: { doc: DynamoDBDocumentClient, tableName: string }): ResourceRepositories {
  return Object.fromEntries(Object.entries(resources).map(([name, r]) => [name, r.repository(dynamo)])) as ResourceRepositories
}

export const resourceRoutes = Object.values(resources).map(r => r.routes)
