// Shared NodejsFunction settings: Node 22 on arm64, everything bundled by the local esbuild into one ESM file.
import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as logs from 'aws-cdk-lib/aws-logs'
import type { Construct } from 'constructs'
import type { Stage } from './config.js'
import { repoPath } from './repo-path.js'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs'

/**
 * An ESM bundle has no require, __filename or __dirname, yet CommonJS dependencies bundled into it use them
 * (@fastify/error calls require(); @fastify/swagger-ui resolves its static files from __dirname). Define them.
 */
const ESM_BANNER = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  "import { dirname as __pathDirname } from 'node:path';",
  'const require = __createRequire(import.meta.url);',
  'const __filename = __fileURLToPath(import.meta.url);',
  'const __dirname = __pathDirname(__filename);'
].join(' ')

/**
 * Node builtins whose ESM import is slow, bundled as require() instead. An ESM import of a builtin makes Node build its
 * ESM facade, which reads every export, lazy getters included: for node:http that loads undici (its WebSocket getters),
 * ~50 ms, and node:process and node:util cost ~10 ms each, all at link time, even for code the bundle never runs (the
 * AWS SDK's instance-metadata credentials import node:http). CommonJS dependencies require() their builtins, which
 * costs nothing of the sort. Each alias points at a one-line CommonJS shim (builtins/), whose require('x') — no node:
 * prefix, so the alias does not catch it — goes through the banner's createRequire. esbuild applies an alias to
 * subpaths too: a builtin with subpaths (node:fs/promises, node:util/types) is only listed if the bundle imports none.
 */
export const BUILTINS_BY_REQUIRE = ['http', 'process', 'util'] as const
const builtinAliases = BUILTINS_BY_REQUIRE.map(m => `node:${m}=${repoPath('infra', 'lib', 'builtins', `${m}.cjs`)}`)

/**
 * Lambda's credentials are in the environment, so every function bundles the environment provider
 * (lambda/credential-provider-env.ts) where the SDK clients' runtime config imports the default chain: the bundle then
 * holds no SSO, SSO-OIDC or STS client and no ini, process, token-file or instance-metadata provider
 * (infra/test/lambda-bundle.test.ts checks it; bench/README.md, Cold start, has the sizes and init times).
 */
export const CREDENTIALS_ALIAS = `@aws-sdk/credential-provider-node=${repoPath('infra', 'lib', 'lambda', 'credential-provider-env.ts')}`

/** POSIX shell quoting: the bundling hooks are shell command lines (run by bash -c). */
const sh = (arg: string): string => `'${arg.replace(/'/g, "'\\''")}'`

/**
 * The split build (bench/README.md, Cold start). NodejsFunction runs esbuild with one --outfile, and code splitting
 * needs --outdir, so the afterBundling hook builds the entry again, with --splitting, into the same output directory:
 * index.mjs (what Lambda loads, handler index.handler as before) and one chunk per dynamic import(), which Node reads
 * and compiles only when the import runs (the consumer-mail domain list, the SDK's event streams and user-agent parser).
 * The settings are the first pass's (the arguments NodejsFunction derives from the props below, and the aliases); the
 * chunks sit beside index.mjs, so import.meta.url and the banner's __dirname are the same in every file. Each file has
 * its .map beside it, read only when something maps a stack trace.
 */
function splitBuild (entry: string, aliases: string[]): (inputDir: string, outputDir: string) => string[] {
  return (inputDir, outputDir) => [[
    `${inputDir}/node_modules/.bin/esbuild`, '--bundle', entry, `--outdir=${outputDir}`, '--splitting',
    '--entry-names=index', '--chunk-names=[name]-[hash]', '--out-extension:.js=.mjs',
    '--target=node22', '--platform=node', '--format=esm', '--main-fields=module,main', '--minify', '--sourcemap',
    '--sources-content=false', `--banner:js=${ESM_BANNER}`, ...aliases.map(a => `--alias:${a}`), '--log-level=warning'
  ].map(sh).join(' ')]
}

export function nodeFunctionProps (entry: string, overrides: Partial<NodejsFunctionProps> = {}): NodejsFunctionProps {
  const aliases = [...builtinAliases, CREDENTIALS_ALIAS]
  const hooks = overrides.bundling?.commandHooks
  return {
    entry,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: Duration.seconds(5),
    projectRoot: repoPath(),
    depsLockFilePath: repoPath('package-lock.json'),
    loggingFormat: lambda.LoggingFormat.JSON,
    ...overrides,
    bundling: {
      // The project is ESM; an ESM bundle keeps top-level await working. CommonJS dependencies inside it still call
      // require(), which ESM lacks, hence the createRequire banner. Nothing is external: the bundle pins the AWS SDK
      // version we test with instead of whatever the runtime ships.
      format: OutputFormat.ESM,
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: ESM_BANNER,
      externalModules: [],
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      esbuildArgs: { '--alias': aliases },
      ...overrides.bundling,
      // The split build first, then the function's own steps (the API copies swagger-ui's static files).
      commandHooks: {
        beforeBundling: (inputDir, outputDir) => hooks?.beforeBundling(inputDir, outputDir) ?? [],
        beforeInstall: (inputDir, outputDir) => hooks?.beforeInstall(inputDir, outputDir) ?? [],
        afterBundling: (inputDir, outputDir) => [...splitBuild(entry, aliases)(inputDir, outputDir), ...hooks?.afterBundling(inputDir, outputDir) ?? []]
      }
    }
  }
}

/**
 * An explicit log group (a function's, an API stage's access log), so retention is set (an implicit one keeps logs
 * forever) and it goes with the stack.
 */
export function stageLogGroup (scope: Construct, id: string, stage: Stage): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    retention: stage === 'prod' ? logs.RetentionDays.THREE_MONTHS : logs.RetentionDays.TWO_WEEKS,
    removalPolicy: RemovalPolicy.DESTROY
  })
}

/**
 * A function's log group (`<id>Logs`) and a role (`<id>Role`) that may write to that log group and to nothing else.
 * Replaces the default role's AWSLambdaBasicExecutionRole, which lets a function create and write any log group in
 * the account (cdk-nag AwsSolutions-IAM4). The function's other rights are added to this role by grants as before.
 */
export function functionLogging (scope: Construct, id: string, stage: Stage): { logGroup: logs.LogGroup, role: iam.Role } {
  const logGroup = stageLogGroup(scope, `${id}Logs`, stage)
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    inlinePolicies: {
      // The log group's ARN ends in :*, which covers its log streams: Lambda creates one stream per instance.
      WriteOwnLogs: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] })]
      })
    }
  })
  return { logGroup, role }
}
