// The HTTP API: the Fastify app (src/lambda.ts) in one Lambda behind API Gateway HTTP API with a Cognito JWT authorizer.
import { Duration, Stack } from 'aws-cdk-lib'
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import type * as cognito from 'aws-cdk-lib/aws-cognito'
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as iam from 'aws-cdk-lib/aws-iam'
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import type * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import type { StageConfig } from './config.js'
import { functionLogging, nodeFunctionProps, stageLogGroup } from './bundling.js'
import { repoPath } from './repo-path.js'
import { acknowledge, REASONS, tableIndexesFinding } from './nag.js'
import { REFRESH_TOKEN_VALIDITY } from './web-client.js'

export interface ApiProps {
  config: StageConfig
  table: dynamodb.ITable
  userPool: cognito.IUserPool
  userPoolClient: cognito.IUserPoolClient
  /** Browser origins allowed to call the API (the app's CORS_ORIGINS): the console's and the configured ones. */
  corsOrigins: string[]
  /** The console's address: invitation notices link to its #/invitations page (the app's CONSOLE_URL). */
  consoleUrl?: string
}

/**
 * Exactly the admin calls the API makes (src/cognito/user-pool.ts and src/cognito/identity-providers.ts send these
 * commands and no others); nothing else on the pool. The SSO connections' five are named one by one rather than as
 * `cognito-idp:*IdentityProvider*`: a wildcard would also grant UpdateIdentityProvider and the rest, which the API never
 * calls (and cdk-nag's IAM5 would flag it). No group changes: tenant roles live in memberships, and platform-admins is
 * managed by operators outside the API. In particular no AdminUpdateUserAttributes: nothing in the API changes a user's
 * attributes, and the grant would let a compromised API rewrite any user's email.
 */
export const API_COGNITO_ACTIONS = [
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminListGroupsForUser',
  'cognito-idp:AdminDisableUser',
  'cognito-idp:AdminEnableUser',
  'cognito-idp:AdminDeleteUser',
  'cognito-idp:AdminUserGlobalSignOut',
  // SSO connections (#28): a provider per connection, listed in the app client's SupportedIdentityProviders.
  'cognito-idp:CreateIdentityProvider',
  'cognito-idp:DescribeIdentityProvider',
  'cognito-idp:DeleteIdentityProvider',
  'cognito-idp:DescribeUserPoolClient',
  'cognito-idp:UpdateUserPoolClient'
] as const

/**
 * The HTTP API's access log line ($context variables: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html).
 * `sub` is the caller's user id when the authorizer ran; `authorizerError` says why it refused a token.
 */
export const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  sub: '$context.authorizer.claims.sub',
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integrationErrorMessage'
} as const

/** Routes the app serves without a token, and why (cdk-nag AwsSolutions-APIG4); everything else needs a valid access token. */
export const PUBLIC_ROUTES: Array<{ path: string, method: apigw.HttpMethod, why: string }> = [
  { path: '/health', method: apigw.HttpMethod.GET, why: 'Liveness probe for uptime checks: answers { status: "ok" } and nothing else.' },
  { path: '/health/ready', method: apigw.HttpMethod.GET, why: 'Readiness probe for uptime checks: says whether DynamoDB answers, no tenant data.' },
  { path: '/sso/discover', method: apigw.HttpMethod.GET, why: 'The sign-in page asks before anyone is signed in whether an email\'s domain uses SSO: answers a yes/no and a provider name, rate limited per client address.' },
  // The console's session (a backend-for-frontend): the JWT authorizer cannot read its HttpOnly cookie. The app refuses
  // a request without the console's Origin and custom header (CSRF), limits it per client address and paces Cognito.
  { path: '/session', method: apigw.HttpMethod.POST, why: 'Starts the console\'s session from a Cognito code or refresh token, which Cognito checks; answers tokens Cognito issued, behind a cookie; CSRF-checked, rate limited.' },
  { path: '/session/refresh', method: apigw.HttpMethod.POST, why: 'Renews the console\'s session named by its HttpOnly cookie (the authorizer cannot read cookies); 401 without a live session; CSRF-checked, rate limited.' },
  { path: '/session', method: apigw.HttpMethod.DELETE, why: 'Signs out: revokes the session\'s refresh token and clears its cookie; nothing to disclose; CSRF-checked, rate limited.' },
  { path: '/docs', method: apigw.HttpMethod.GET, why: 'The OpenAPI documentation page: the API\'s public contract, no data.' },
  { path: '/docs/{proxy+}', method: apigw.HttpMethod.GET, why: 'The documentation page\'s static files and the OpenAPI document: no data.' },
  // Browsers send CORS preflights without Authorization; without this route the JWT authorizer answers them 401.
  // @fastify/cors in the app answers them instead.
  { path: '/{proxy+}', method: apigw.HttpMethod.OPTIONS, why: 'CORS preflight: browsers send it without Authorization; the app answers with its origin allow-list and no data.' }
]

export class Api extends Construct {
  readonly handler: NodejsFunction
  readonly httpApi: apigw.HttpApi
  readonly issuer: string
  readonly accessLogs: logs.LogGroup

  constructor (scope: Construct, id: string, props: ApiProps) {
    super(scope, id)
    const { config, table, userPool, userPoolClient, corsOrigins, consoleUrl } = props

    this.handler = new NodejsFunction(this, 'Handler', nodeFunctionProps(repoPath('src', 'lambda.ts'), {
      description: `Fastify API (${config.stage})`,
      memorySize: 1024,
      timeout: Duration.seconds(10),
      environment: {
        // The authorizer has verified the token before the Lambda runs; the app reads the claims API Gateway passes on.
        AUTH_MODE: 'apigateway',
        COGNITO_USER_POOL_ID: userPool.userPoolId,
        COGNITO_CLIENT_IDS: userPoolClient.userPoolClientId,
        TABLE_NAME: table.tableName,
        // The managed login domain, for the SAML ACS URL and OIDC redirect URI that GET /sso-connections shows.
        COGNITO_DOMAIN: `${config.domainPrefix}.auth.${Stack.of(this).region}.amazoncognito.com`,
        // The console's session (routes/session) lasts as long as the web client's refresh tokens.
        SESSION_TTL_SECONDS: String(REFRESH_TOKEN_VALIDITY.toSeconds()),
        // The app answers CORS itself (@fastify/cors, plugins/http-security.ts); API Gateway's own CORS stays off.
        CORS_ORIGINS: corsOrigins.join(','),
        ...(consoleUrl !== undefined ? { CONSOLE_URL: consoleUrl } : {}),
        // The sender Cognito's mail uses (sesFromAddress) sends the API's invitation notices too; unset, they are logged.
        ...(config.ses !== undefined ? { MAIL_FROM: config.ses.fromAddress, ...(config.ses.region !== undefined ? { MAIL_REGION: config.ses.region } : {}) } : {})
        // No NODE_OPTIONS=--enable-source-maps: with it, Node 22 decodes the bundle's whole source map (2.9 MB) during
        // init, because pino looks up its caller through util.getCallSites(), which then maps through it: ~450 ms of
        // every cold start (bench/README.md, Cold start). index.mjs.map still ships beside the bundle to map stack traces.
      },
      ...functionLogging(this, 'Handler', config.stage),
      bundling: {
        // @fastify/swagger-ui serves files from its package's static/ folder, which esbuild does not bundle.
        // Ship them as static/ next to index.mjs; the app points swagger-ui's baseDir there when bundled.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `cp -r "${inputDir}/node_modules/@fastify/swagger-ui/static" "${outputDir}/static"`
          ]
        }
      }
    }))

    acknowledge(this.handler, 'L1', REASONS.runtime)
    table.grantReadWriteData(this.handler)
    acknowledge(this.handler.role!, tableIndexesFinding(table, this), REASONS.tableIndexes)
    this.handler.addToRolePolicy(new iam.PolicyStatement({
      actions: [...API_COGNITO_ACTIONS],
      resources: [userPool.userPoolArn]
    }))

    if (config.ses !== undefined) {
      // SendEmail from the verified identity only (the address, or its domain); no configuration set is named.
      const stack = Stack.of(this)
      this.handler.addToRolePolicy(new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [stack.formatArn({ service: 'ses', region: config.ses.region ?? stack.region, resource: 'identity', resourceName: config.ses.verifiedDomain ?? config.ses.fromAddress })]
      }))
    }

    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`
    // Cognito access tokens carry no `aud`; for them API Gateway matches `client_id` against the audience list
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html#http-api-jwt-authorizer.evaluation).
    const authorizer = new HttpJwtAuthorizer('CognitoAuthorizer', this.issuer, {
      jwtAudience: [userPoolClient.userPoolClientId]
    })

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `${config.prefix}-api`,
      description: `Multi-tenant SaaS API (${config.stage})`
    })
    // Stage-wide throttling (CfnStage DefaultRouteSettings), the limit that holds across Lambda instances. Set on the
    // stage HttpApi already creates, not a new HttpStage: a replacement $default stage would collide with the old one.
    const stage = this.httpApi.defaultStage?.node.defaultChild
    if (!(stage instanceof apigw.CfnStage)) throw new Error('HttpApi has no default stage')
    stage.defaultRouteSettings = { throttlingRateLimit: config.throttle.rateLimit, throttlingBurstLimit: config.throttle.burstLimit }
    // One JSON line per request, including those API Gateway answers itself (401 from the authorizer, 429 from the
    // throttle), which never reach the app's own log. No headers and no query string: the sign-in redirect and tokens stay out.
    this.accessLogs = stageLogGroup(this, 'AccessLogs', config.stage)
    stage.accessLogSettings = { destinationArn: this.accessLogs.logGroupArn, format: JSON.stringify(ACCESS_LOG_FORMAT) }

    const integration = new HttpLambdaIntegration('Lambda', this.handler, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0
    })
    this.httpApi.addRoutes({ path: '/{proxy+}', methods: [apigw.HttpMethod.ANY], integration, authorizer })
    for (const route of PUBLIC_ROUTES) {
      for (const added of this.httpApi.addRoutes({ path: route.path, methods: [route.method], integration, authorizer: new apigw.HttpNoneAuthorizer() })) {
        acknowledge(added, 'APIG4', route.why)
      }
    }
  }
}
