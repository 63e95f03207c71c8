// The environment of a child process a test starts on our code through tsx or an esbuild bundle (a server, a CLI
// script, a bench server, cdk synth, a Lambda bundle).

/**
 * tsx transpiles with minifyWhitespace and the Lambda bundles are minified (infra/lib/bundling.ts); V8 coverage recorded
 * on such output maps back onto our .ts sources as all but fully covered. Merged into the report with the tests' own
 * (ts-node, unminified) coverage, it hid uncovered code: the whole-suite line figure swung between 84 and 96 from run to
 * run, and a file that only such a child loads read 100%. So these children record none, through @tapjs/processinfo's
 * documented switch; what they run is still asserted by the tests, and counted only where the tests run it themselves.
 */
export function childEnv<T extends Record<string, string | undefined>> (env: T): T & { _TAPJS_PROCESSINFO_COVERAGE_: '0' } {
  return { ...env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
}
