// One cold start, in a fresh Node process started by bench/coldstart.ts with the function's environment: import the
// bundle (Lambda's init phase), then invoke its handler once: with an API Gateway HTTP API (payload 2.0) event for
// GET /health (the default), or with a Cognito trigger's event (argv[3]: PreSignUp, PostConfirmation,
// PreTokenGeneration; a trigger's DynamoDB calls go to the stub endpoint bench/coldstart.ts puts in the environment). Plain JavaScript on purpose: no tsx loader in the process, so nothing but the bundle is measured.
// Prints one line, COLDSTART { importMs, invokeMs, totalMs, cpuMs, bootMs }: cpuMs is the process's CPU time (all its
// threads) over totalMs; bootMs is Node's own start, before this file ran.
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

const bootMs = performance.now()
const bundle = process.argv[2]
const kind = process.argv[3] ?? 'health'
if (!bundle) throw new Error('usage: coldstart-child.mjs <bundle.mjs> [health|PreSignUp|PostConfirmation|PreTokenGeneration]')
const health = {
  version: '2.0',
  routeKey: 'GET /health',
  rawPath: '/health',
  rawQueryString: '',
  headers: { host: 'api.example.com', 'user-agent': 'coldstart-bench', accept: 'application/json' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'bench',
    domainName: 'api.example.com',
    domainPrefix: 'api',
    http: { method: 'GET', path: '/health', protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'coldstart-bench' },
    requestId: 'cold-1',
    routeKey: 'GET /health',
    stage: '$default',
    time: new Date().toUTCString(),
    timeEpoch: Date.now()
  },
  isBase64Encoded: false
}
/** The fields every Cognito trigger event has (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html). */
const cognito = (triggerSource, version, request, response) => ({
  version,
  triggerSource,
  region: 'us-east-1',
  userPoolId: 'us-east-1_Bench1',
  userName: 'coldstart-user',
  callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'benchclient1' },
  request,
  response
})
const person = { sub: '11111111-2222-3333-4444-555555555555', email: 'person@example.com', email_verified: 'true' }
const events = {
  health,
  PreSignUp: cognito('PreSignUp_SignUp', '1', { userAttributes: { email: person.email } }, { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false }),
  // A self sign-up: its tenant is founded (the stub answers no membership and no domain owner).
  PostConfirmation: cognito('PostConfirmation_ConfirmSignUp', '1', { userAttributes: { ...person, 'cognito:user_status': 'CONFIRMED' } }, {}),
  // A sign-in of a person with a home tenant: the trigger reads the domain, the profile and the membership.
  PreTokenGeneration: cognito('TokenGeneration_Authentication', '2', {
    userAttributes: { ...person, 'custom:tenant_id': 'tenant-bench' },
    groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null },
    scopes: ['openid', 'email']
  }, { claimsAndScopeOverrideDetails: null })
}
const event = events[kind]
if (!event) throw new Error(`coldstart-child: unknown event ${kind}`)
const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'coldstart-bench',
  functionVersion: '$LATEST',
  awsRequestId: 'cold-1',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 10_000,
  callbackWaitsForEmptyEventLoop: true
}

const cpu0 = process.cpuUsage()
const t0 = performance.now()
const { handler } = await import(pathToFileURL(bundle).href)
const t1 = performance.now()
const res = await handler(event, context)
const t2 = performance.now()
const cpu = process.cpuUsage(cpu0)
if (kind === 'health' && (res?.statusCode !== 200 || JSON.parse(res.body).status !== 'ok')) {
  throw new Error(`GET /health answered ${res?.statusCode}: ${res?.body}`)
}
// A trigger answers with its event (Cognito reads the response from it).
if (kind !== 'health' && res?.triggerSource !== event.triggerSource) throw new Error(`${kind} answered ${JSON.stringify(res)}`)
process.stdout.write(`\nCOLDSTART ${JSON.stringify({ importMs: t1 - t0, invokeMs: t2 - t1, totalMs: t2 - t0, cpuMs: (cpu.user + cpu.system) / 1000, bootMs })}\n`)
// Lambda freezes the process here; the bench only needs the numbers, so nothing (timers, sockets) keeps it alive.
process.exit(0)
