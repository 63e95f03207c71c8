// Watching the process that launched `npm run dev` (npm, or npm's shell): when it is gone, the stack stops too.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** The parent of `pid`, or undefined where it cannot be read (no /proc and no ps). */
function parentOf (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    try {
      const ppid = Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim())
      return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined
    } catch {
      return undefined
    }
  }
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The command name of `pid` (Linux /proc, else ps), or '' when it cannot be read. */
function commandOf (pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    try {
      return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim()
    } catch {
      return ''
    }
  }
}

/**
 * Calls `onGone` once the process that launched this one is gone: the parent, and when that parent is the shell of
 * an `npm run` script (npm, then `sh -c`, then us), npm too. An IDE's stop button or a process manager signals npm
 * alone; npm passes SIGINT and SIGTERM to its child and dies of SIGHUP, so unless every layer passes the signal on,
 * only this notices. Polled: no signal tells a child of its parent's death on every platform.
 */
export function onLauncherExit (onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid
  const viaShell = process.env.npm_lifecycle_event !== undefined && /^(?:ba|da|z)?sh$/.test(commandOf(parent))
  const npm = viaShell ? parentOf(parent) : undefined
  const timer = setInterval(() => {
    if (process.ppid === parent && (npm === undefined || npm <= 1 || isAlive(npm))) return
    clearInterval(timer)
    onGone()
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
