// The storage of one kind of tenant-scoped, versioned resource (orders, projects): PK=TENANT#<t>, SK=<KIND>#<id>.
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Static, TObject } from 'typebox'
import { TABLE } from '../dynamodb/table.js'
import type { TenantScope } from '../domain/tenant-scope.js'
import { NotFoundError, PreconditionFailedError } from '../domain/errors.js'
import type { Idempotency } from '../http/idempotency.js'
import { keys } from './keys.js'
import { queryTenantPage, type PageRequest } from './cursor.js'
import { createIdempotently } from './idempotent-create.js'
import { transact, TransactionCancelled, type TransactItem } from './transact.js'

const errorName = (err: unknown) => (err as { name?: string } | null)?.name

export interface TenantItemKind<T> {
  /** The sort-key kind, upper case: ORDER gives SK=ORDER#<id>, the idempotency operation CREATE_ORDER and type 'order'. */
  kind: string
  /** How a 404 names it: "Order not found". */
  name: string
  /** The resource from its stored item: picks its own attributes, so keys and tenantId never reach a response. */
  fromItem: (item: Record<string, unknown>) => T
}

/**
 * The mapper a resource's schema implies: the resource from its stored item is the item's values of the schema's
 * properties, in the schema's order, an absent optional one left out. Keys, type and tenantId are not in the schema, so
 * they never reach a response. The values are trusted: only this repository wrote them, after the route validated them.
 */
export function fromSchema<S extends TObject> (schema: S): (item: Record<string, unknown>) => Static<S> {
  const names = Object.keys(schema.properties)
  return item => {
    const resource: Record<string, unknown> = {}
    for (const name of names) if (item[name] !== undefined) resource[name] = item[name]
    return resource as Static<S>
  }
}

/**
 * get, create (idempotent), list (paged), update and delete of one kind of item. Every call takes the TenantScope;
 * every write of an existing item is held to a version (optimistic concurrency, src/http/preconditions.ts).
 */
export function tenantItems<T extends { version: number }> (dynamo: { doc: DynamoDBDocumentClient, tableName: string }, spec: TenantItemKind<T>) {
  const { doc, tableName } = dynamo
  const { kind, name, fromItem } = spec
  const key = (scope: TenantScope, id: string) => keys.item(scope.tenantId, kind, id)
  /** A cursor of this kind: the caller's partition, a <KIND># key whose id is a valid id. */
  const isKindKey = (scope: TenantScope) => (k: Record<string, string>) => {
    try { keys.itemIdOf(scope.tenantId, kind, k); return true } catch { return false }
  }

  async function get (scope: TenantScope, id: string, opts: { consistent?: boolean } = {}): Promise<T | null> {
    const res = await doc.send(new GetCommand({ TableName: tableName, Key: key(scope, id), ConsistentRead: opts.consistent }))
    return res.Item ? fromItem(res.Item) : null
  }

  /** After a failed condition: 404 if the item is gone, else 412 (someone else changed it first). */
  async function conditionFailure (scope: TenantScope, id: string): Promise<never> {
    const current = await get(scope, id, { consistent: true })
    throw current ? new PreconditionFailedError() : new NotFoundError(name)
  }

  return {
    get,

    /**
     * Creates the item if absent. With an idempotency key, every retry replays the first response (the stored snapshot
     * of `resource`), concurrent retries create one item, and the key with another body is a 422.
     */
    async create (scope: TenantScope, id: string, resource: T, idempotency?: Idempotency): Promise<{ resource: T, replayed: boolean }> {
      const item = { ...key(scope, id), type: kind.toLowerCase(), tenantId: scope.tenantId, ...resource }
      const result = await createIdempotently(dynamo, scope, { operation: `CREATE_${kind}`, item, response: resource, idempotency, revive: fromItem })
      return { resource: result.response, replayed: result.replayed }
    },

    /** One page, in id order (newestFirst for time-sortable ids); the cursor must be one of this kind in this tenant. */
    async list (scope: TenantScope, page: Omit<PageRequest, 'validKey'>): Promise<{ items: T[], nextCursor: string | null }> {
      return await queryTenantPage(dynamo, scope, keys.itemSkPrefix(kind), { ...page, validKey: isKindKey(scope) }, fromItem)
    },

    /**
     * Sets the defined `changes` only if the stored version is still `expectedVersion`, bumps the version and
     * updatedAt, and returns the new state. 404 if gone, 412 if another write came first.
     */
    async update (scope: TenantScope, id: string, expectedVersion: number, changes: Record<string, unknown>): Promise<T> {
      const sets = ['#version = #version + :one', 'updatedAt = :now']
      const names: Record<string, string> = { '#pk': TABLE.partitionKey, '#version': 'version' }
      const values: Record<string, unknown> = { ':one': 1, ':now': new Date().toISOString(), ':expected': expectedVersion }
      for (const [field, value] of Object.entries(changes)) {
        if (value === undefined) continue
        sets.push(`#${field} = :${field}`)
        names[`#${field}`] = field
        values[`:${field}`] = value
      }
      try {
        const res = await doc.send(new UpdateCommand({
          TableName: tableName,
          Key: key(scope, id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(#pk) AND #version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW'
        }))
        return fromItem(res.Attributes ?? {})
      } catch (err) {
        if (errorName(err) === 'ConditionalCheckFailedException') return await conditionFailure(scope, id)
        throw err
      }
    },

    /**
     * Deletes the item; with expectedVersion, only if it is still that version. 404 if absent. `alongside` (an audit
     * entry) is written in the same transaction: the entry exists exactly when the delete happened.
     */
    async delete (scope: TenantScope, id: string, expectedVersion?: number, alongside: TransactItem[] = []): Promise<void> {
      const del = {
        TableName: tableName,
        Key: key(scope, id),
        ConditionExpression: expectedVersion === undefined ? 'attribute_exists(#pk)' : 'attribute_exists(#pk) AND #version = :expected',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, ...(expectedVersion === undefined ? {} : { '#version': 'version' }) },
        ...(expectedVersion === undefined ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } })
      }
      try {
        if (alongside.length === 0) await doc.send(new DeleteCommand(del))
        else await transact(doc, [{ Delete: del }, ...alongside])
      } catch (err) {
        if (errorName(err) === 'ConditionalCheckFailedException' || (err instanceof TransactionCancelled && err.failedAt(0))) return await conditionFailure(scope, id)
        throw err
      }
    }
  }
}

/**
 * The repository of a plain resource, from its kind, name and schema alone (the mapper follows from the schema): what
 * routes/resources.ts lists for a resource that needs no repository of its own. A resource with more to do (orders)
 * lists its own factory instead.
 */
export function schemaResource<S extends TObject> (spec: { kind: string, name: string, schema: S }) {
  const fromItem = fromSchema(spec.schema) as (item: Record<string, unknown>) => Static<S> & { version: number }
  return (dynamo: { doc: DynamoDBDocumentClient, tableName: string }) => tenantItems(dynamo, { kind: spec.kind, name: spec.name, fromItem })
}
