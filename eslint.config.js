// neostandard: the Fastify ecosystem's style, with TypeScript. `npm run lint` runs it; `.ci/run` runs it before the tests.
import neostandard from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'coverage/**', '.tap/**', 'infra/cdk.out/**', '.local/**', 'web/dist/**']
  }),
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
