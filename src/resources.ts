// The tenant-scoped resources, one entry each (its repository factory): plugins/services.ts decorates app.repos from it, so a new resource adds a line here, not a wiring step.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { ordersRepository } from './repositories/orders.js'
import { projectsRepository } from './repositories/projects.js'

/** Static, not a directory scan: the Lambda bundle is one file. Each key is app.repos.<key>. */
const repositories = {
  orders: ordersRepository,
  projects: projectsRepository
}

export type ResourceRepositories = { [K in keyof typeof repositories]: ReturnType<typeof repositories[K]> }

/** Every resource's repository over the one table. */
export function resourceRepositories (dynamo: { doc: DynamoDBDocumentClient, tableName: string }): ResourceRepositories {
  return Object.fromEntries(Object.entries(repositories).map(([name, repository]) => [name, repository(dynamo)])) as ResourceRepositories
}
