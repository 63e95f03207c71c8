// The threadpool preload: sets UV_THREADPOOL_SIZE to the CPUs besides the event loop's unless the operator set it,
// and every way the server is started in production loads it.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'

const preload = fileURLToPath(new URL('../../src/threadpool.cts', import.meta.url))
const sizeWith = (env: Record<string, string>) => execFileSync(process.execPath, ['--require', preload, '-e', 'process.stdout.write(String(process.env.UV_THREADPOOL_SIZE))'], {
  env: { PATH: process.env.PATH ?? '', ...env },
  encoding: 'utf8'
})

t.test('defaults to one thread per CPU besides the event loop, at least one', async t => {
  t.equal(sizeWith({}), String(Math.max(1, availableParallelism() - 1)))
})

t.test('an operator\'s value wins', async t => {
  t.equal(sizeWith({ UV_THREADPOOL_SIZE: '7' }), '7')
})

t.test('npm start and the container preload the compiled file', async t => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }
  t.match(pkg.scripts.start, /^node --require \.\/dist\/src\/threadpool\.cjs .*dist\/src\/server\.js$/)
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8')
  t.match(dockerfile, /^CMD \["node", "--require", "\.\/dist\/src\/threadpool\.cjs", "dist\/src\/server\.js"\]$/m)
})
