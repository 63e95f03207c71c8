// Projects: the one definition of a project's shape (TypeBox; the type is Static of it), its statuses and the one rule of change. Pure, no I/O.
import { Type, type Static } from 'typebox'
import { ConflictError } from './errors.js'
import { ID_PATTERN } from './model.js'
import { statusSchema } from '../http/schemas.js'

export const PROJECT_STATUSES = ['active', 'archived'] as const
export type ProjectStatus = typeof PROJECT_STATUSES[number]

export const ProjectId = Type.String({ pattern: ID_PATTERN, description: 'time-sortable id' })
export const ProjectStatusSchema = statusSchema(PROJECT_STATUSES)
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })
const Description = Type.String({ maxLength: 2000 })

/** A project as stored and as every response shows it; the repository picks these properties from the item. */
export const ProjectSchema = Type.Object({
  projectId: ProjectId,
  name: Name,
  description: Type.Optional(Description),
  status: ProjectStatusSchema,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer()
})
export type Project = Static<typeof ProjectSchema>

// Unknown properties (tenantId, PK, version, ...) are a 400, never stripped.
export const ProjectCreate = Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false })
export const ProjectPatch = Type.Object({ name: Type.Optional(Name), description: Type.Optional(Description), status: Type.Optional(ProjectStatusSchema) }, { additionalProperties: false, minProperties: 1 })
export type ProjectChanges = Static<typeof ProjectPatch>

export function newProject (projectId: string, fields: Static<typeof ProjectCreate>, now: string): Project {
  const { name, description } = fields
  return { projectId, name, ...(description !== undefined ? { description } : {}), status: 'active', createdAt: now, updatedAt: now, version: 1 }
}

/** An archived project is read-only until it is reactivated: a change that does not set it active again is a 409. */
export function assertCanChange (current: Project, changes: ProjectChanges): void {
  if (current.status === 'archived' && changes.status !== 'active') throw new ConflictError('An archived project changes only by being set active again')
}
