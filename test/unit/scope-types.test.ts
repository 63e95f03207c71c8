// Runs the TypeScript compiler on a fixture: a repository call without a minted TenantScope must not compile, and must compile once the brand is gone.
import t from 'tap'
import { join } from 'node:path'
import ts from 'typescript'

const ROOT = join(import.meta.dirname, '..', '..')
const FIXTURE = join(ROOT, 'test/fixtures/scope-types.fixture.ts')
const SCOPE = join(ROOT, 'src/domain/tenant-scope.ts')

function diagnostics (patchScope?: (source: string) => string) {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!
  const host = ts.createCompilerHost(parsed.options)
  const read = host.readFile.bind(host)
  host.readFile = (file) => {
    const text = read(file)
    return patchScope && text !== undefined && file === SCOPE ? patchScope(text) : text
  }
  const program = ts.createProgram([FIXTURE], parsed.options, host)
  return ts.getPreEmitDiagnostics(program).map(d => ({
    code: d.code,
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    file: d.file?.fileName,
    text: ts.flattenDiagnosticMessageText(d.messageText, '\n')
  }))
}

t.test('with the brand: every @ts-expect-error line is an error, nothing else is', async t => {
  t.same(diagnostics(), [])
})

t.test('without the brand: the look-alike lines compile, so the fixture fails (the check has teeth)', async t => {
  let patched = false
  const found = diagnostics(source => {
    const out = source.replace(/^\s*readonly \[tenantScopeBrand\]: true\s*$/m, '')
    patched = out !== source
    return out
  })
  t.ok(patched, 'the brand line was found and removed')
  const unused = found.filter(d => d.code === 2578 && d.file === FIXTURE)
  t.equal(unused.length, 4, 'each LOOKALIKE @ts-expect-error is now unused (TS2578)')
})
