// Fails if a TenantScope is minted (or mintTenantScope referenced) anywhere but the tenant resolver and the operator paths below.
import t from 'tap'
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')
const SCANNED = ['src', 'plugins', 'routes', 'infra/triggers']

/**
 * Where a scope may be minted. Extend with care, and say why next to the entry: each one is a place that turns a
 * tenant id into a ticket to that tenant's data without going through a member's verified identity.
 */
export const ALLOWED: RegExp[] = [
  /^src\/domain\/tenant-scope\.ts$/, // the definition
  /^src\/tenancy\/resolver\.ts$/, // from a verified identity and its membership
  /^src\/scripts\/users-import\.ts$/, // the operator's bulk import
  /^src\/services\/tenant-onboarding\.ts$/, // operator onboarding: the tenant it just created, or one a retried onboarding resumes
  /^src\/cognito\/triggers\/pre-token-generation\.ts$/, // reads the authenticated person's own membership of a tenant they ask for, nothing else
  // The invitee's own invitations (/me/invitations/:tenantId): the path's tenant is only ever used together with the
  // caller's verified user id, so the scope reaches that caller's own membership (and the tenant's audit trail) only.
  /^src\/services\/invitations\.ts$/,
  // Joining through a verified domain (policy join/suggest, or SSO): the tenant is the domain's verified owner, used
  // only to add the signed-in person's own membership (through the ledger) and audit it in that tenant.
  /^src\/services\/users\/domain-join\.ts$/,
  // The deploy step that puts SSO providers back on the app client (no request, no caller): it reads every tenant's
  // connections, a tenant at a time, from the operators' tenant list, and writes nothing in any tenant.
  /^src\/services\/sso\/reapply\.ts$/
]

function files (dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    if (name === 'node_modules' || name.startsWith('.')) return []
    return statSync(path).isDirectory() ? files(path) : /\.(ts|mts|cts|js|mjs)$/.test(name) ? [path] : []
  })
}

export function violations (entries: Array<{ path: string, text: string }>): string[] {
  return entries
    .filter(({ path, text }) => /\bmintTenantScope\b/.test(text) && !ALLOWED.some(re => re.test(path)))
    .map(({ path }) => path)
}

t.test('mintTenantScope appears only in allowed places', async t => {
  const entries = SCANNED.flatMap(d => files(join(ROOT, d))).map(p => ({ path: relative(ROOT, p).split(sep).join('/'), text: readFileSync(p, 'utf8') }))
  t.ok(entries.some(e => e.path === 'src/tenancy/resolver.ts' && /mintTenantScope\(/.test(e.text)), 'the scanner sees the tenant resolver')
  t.ok(entries.some(e => e.path === 'routes/orders/index.ts'), 'and the routes')
  t.same(violations(entries), [])
  // The list names only places that mint: an entry whose file no longer mints is stale, and would let a later stray call in.
  for (const re of ALLOWED) {
    t.ok(entries.some(e => re.test(e.path) && /\bmintTenantScope\b/.test(e.text)), `${re.source} still mints or defines a scope`)
  }
})

t.test('the check catches a stray call, an alias import and a re-export', async t => {
  t.same(violations([
    { path: 'routes/orders/index.ts', text: "const s = mintTenantScope(request.headers['x-tenant-id'])" },
    { path: 'src/repositories/orders.ts', text: "import { mintTenantScope as m } from '../domain/tenant-scope.js'" },
    { path: 'plugins/other.ts', text: "export { mintTenantScope } from '../src/domain/tenant-scope.js'" },
    { path: 'src/tenancy/resolver.ts', text: 'mintTenantScope(membership.tenantId)' }
  ]), ['routes/orders/index.ts', 'src/repositories/orders.ts', 'plugins/other.ts'])
})
