// The Lambda bundles as the CDK builds them (an in-process synth with cdk.json's context, bench/coldstart.ts
// synthBundles) carry no part of the SDK's default credential chain: Lambda's credentials are in the environment, and
// infra/lib/bundling.ts aliases @aws-sdk/credential-provider-node to the environment provider.
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiBundle, synthBundles, triggerBundle, TRIGGERS } from '../../bench/coldstart.js'

// One synth that bundles the API, the three triggers and the bench's bare function: ~20 s on a quiet 2-core host.
t.setTimeout(240_000)

/** Strings each default-chain part carries, minified or not: the clients' service names and the providers' own keys. */
const MARKERS: Record<string, string[]> = {
  'STS client': ['AWSSecurityTokenServiceV20110615', 'AssumeRoleWithWebIdentity'],
  'SSO client': ['SWBPortalService', 'GetRoleCredentials'],
  'SSO-OIDC client': ['AWSSSOOIDCService'],
  'ini and SSO providers': ['credential-provider-ini', 'credential-provider-sso', 'sso_session'],
  'process provider': ['credential-provider-process', 'credential_process'],
  'token-file provider': ['credential-provider-web-identity', 'fromTokenFile'],
  'container and instance-metadata providers': ['credential-provider-http', '/latest/meta-data/iam/security-credentials']
}

t.test('the API and trigger bundles hold no SSO, SSO-OIDC or STS client nor the other default-chain providers', async t => {
  const out = mkdtempSync(join(tmpdir(), 'lambda-bundle-'))
  t.teardown(() => rmSync(out, { recursive: true, force: true }))
  await synthBundles(out, { withTriggers: true })
  for (const bundle of [apiBundle(out), ...TRIGGERS.map(trigger => triggerBundle(out, trigger))]) {
    const text = readFileSync(bundle.file, 'utf8')
    // The environment provider is what the clients get instead.
    if (bundle.label !== 'PreSignUp') t.match(text, 'AWS_SECRET_ACCESS_KEY', `${bundle.label}: the environment provider is bundled`)
    for (const [part, markers] of Object.entries(MARKERS)) {
      const found = markers.filter(m => text.includes(m))
      t.same(found, [], `${bundle.label}: no ${part}`)
    }
  }
})
