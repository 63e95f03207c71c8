// The README stays true: every configuration variable of the schema is documented in its table, and every npm command it names exists.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { ConfigSchema } from '../../src/config.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }

t.test('every configuration variable is in the README table', async t => {
  for (const name of Object.keys(ConfigSchema.properties)) {
    t.match(readme, new RegExp(`^\\| \`${name}\` \\|`, 'm'), name)
  }
})

t.test('every `npm run X` in the README exists', async t => {
  const named = [...readme.matchAll(/npm run ([\w:-]+)/g)].map(m => m[1] as string)
  t.ok(named.length > 3)
  for (const script of new Set(named)) t.ok(pkg.scripts[script], `npm run ${script}`)
  t.ok(pkg.scripts.test && pkg.scripts.start, 'npm test and npm start')
})
