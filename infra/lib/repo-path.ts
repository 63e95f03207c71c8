// Paths inside the repository, the same from any cwd: the stage config and the bundling settings both resolve files with them.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (infra/lib/ -> ../..), so entries resolve the same from any cwd (cdk CLI in infra/, tap at the root). */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const repoPath = (...segments: string[]): string => path.join(REPO_ROOT, ...segments)
