// neostandard: the Fastify ecosystem's style, with TypeScript. `npm run lint` runs it; `.ci/run` runs it before the tests.
import neostandard from 'neostandard'

// web/src/api/schema.d.ts is generated (npm run web:api-types) from the API's OpenAPI document.
const ignores = ['dist/**', 'coverage/**', '.tap/**', 'infra/cdk.out/**', '.local/**', 'web/dist/**', 'web/src/api/schema.d.ts']

export default [
  // Global ignores: neostandard's `ignores` only scope its own configs, so the blocks below (and ESLint's defaults for
  // .js/.mjs/.cjs) would still lint build output such as the bundles `npm run cdk:synth` leaves in infra/cdk.out.
  { ignores },
  ...neostandard({ ts: true, ignores }),
  {
    // `void promise;` marks a deliberately unawaited promise whose failure is handled inside it (standard bans void outright).
    rules: { 'no-void': ['error', { allowAsStatement: true }] }
  },
  {
    // CDK constructs are created for their side effects (`new Bucket(this, ...)` registers it in the tree).
    files: ['infra/**/*.ts'],
    rules: { 'no-new': 'off' }
  }
]
