// Projects: the type, its statuses and the one rule of change. Pure, no I/O.
import { ConflictError } from './errors.js'

export const PROJECT_STATUSES = ['active', 'archived'] as const
export type ProjectStatus = typeof PROJECT_STATUSES[number]

export interface Project {
  projectId: string
  name: string
  description?: string
  status: ProjectStatus
  createdAt: string
  updatedAt: string
  version: number
}

export interface ProjectChanges { name?: string, description?: string, status?: ProjectStatus }

export function newProject (projectId: string, fields: { name: string, description?: string }, now: string): Project {
  const { name, description } = fields
  return { projectId, name, ...(description !== undefined ? { description } : {}), status: 'active', createdAt: now, updatedAt: now, version: 1 }
}

/** An archived project is read-only until it is reactivated: a change that does not set it active again is a 409. */
export function assertCanChange (current: Project, changes: ProjectChanges): void {
  if (current.status === 'archived' && changes.status !== 'active') throw new ConflictError('An archived project changes only by being set active again')
}
