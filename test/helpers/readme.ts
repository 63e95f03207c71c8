// The README's shell blocks, run as a person pastes them: in bash, with the ports `npm run dev` reads from the
// environment (DEV_API_PORT, DEV_CONSOLE_PORT, DEV_COGNITO_SHIM_PORT) set to a test stack's.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/** The README's ```sh block that holds `marker`. */
export function readmeBlock (marker: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map(m => m[1] ?? '').find(b => b.includes(marker))
  if (block === undefined) throw new Error(`no sh block with ${marker} in README.md`)
  return block
}

export interface DevPorts { api: number, console: number, cognitoShim: number }

/** Runs `script` in bash with the dev port variables; resolves with its output whatever its exit code. */
export async function runPasted (script: string, ports: DevPorts): Promise<{ stdout: string, stderr: string, code: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DEV_API_PORT: String(ports.api), DEV_CONSOLE_PORT: String(ports.console), DEV_COGNITO_SHIM_PORT: String(ports.cognitoShim) }
  delete env.PORT
  delete env.NODE_OPTIONS // tap's loaders: the pasted `node -pe` needs none
  try {
    const { stdout, stderr } = await execFileAsync('bash', ['-c', script], { env })
    return { stdout, stderr, code: 0 }
  } catch (err) {
    const e = err as { stdout: string, stderr: string, code: number }
    return { stdout: e.stdout, stderr: e.stderr, code: e.code }
  }
}
