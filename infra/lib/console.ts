// The web console's hosting: a private S3 bucket behind CloudFront (origin access control), the build and its config.json.
import { existsSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { BOOTSTRAP_QUALIFIER_CONTEXT, DefaultStackSynthesizer, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib'
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2'
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront'
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins'
import * as s3 from 'aws-cdk-lib/aws-s3'
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment'
import { Construct } from 'constructs'
import type { Stage } from './config.js'
import { stageLogGroup } from './bundling.js'
import { acknowledge, arnInFinding } from './nag.js'

/** What the console fetches as /config.json at startup (the web app's runtime configuration; its shape is the web app's). */
export interface ConsoleRuntimeConfig {
  apiUrl: string
  region: string
  userPoolId: string
  clientId: string
  /** The managed-login base URL, https://<prefix>.auth.<region>.amazoncognito.com. */
  cognitoDomain: string
  redirectUri: string
  logoutUri: string
}

export interface ConsoleHostingProps {
  stage: Stage
  /** The console's build output (`npm run web:build` writes web/dist): index.html and the hashed assets/. */
  assetPath: string
}

/** The console's session routes at the API (routes/session), served on the console's own origin: `/session*`. */
export const SESSION_PATH_PATTERN = '/session*'

/** Hashed file names (Vite's assets/) never change content: cache them for a year; a new build has new names. */
const ASSETS_CACHE = [s3deploy.CacheControl.setPublic(), s3deploy.CacheControl.maxAge(Duration.days(365)), s3deploy.CacheControl.immutable()]
/** index.html, config.json and the other unhashed root files: revalidate on every load, so a deploy shows at once. */
const ENTRY_CACHE = [s3deploy.CacheControl.noCache()]

/** Fails synth with what to do, rather than deploying an empty or half-built console. */
export function assertConsoleBuild (assetPath: string): void {
  const missing = ['index.html', 'assets/'].filter(f => !existsSync(path.join(assetPath, f)))
  if (missing.length > 0 || !statSync(path.join(assetPath, 'assets')).isDirectory()) {
    throw new Error(`The web console build is missing (${missing.join(' and ') || 'assets/'} not found in ${assetPath}). ` +
      'Run `npm run web:build` before `cdk synth` or `cdk deploy`, or point the context key consoleAssetPath at a build.')
  }
}

/**
 * Hosts the single-page console. Construct it first, then build what needs its `url` (the Cognito client's redirect
 * URIs, the API's CORS origins), then call `deploy()` with the values the console needs at runtime: they become
 * config.json, and the content security policy lets the console connect to exactly those endpoints.
 */
export class ConsoleHosting extends Construct {
  readonly bucket: s3.Bucket
  /** The console bucket's and the distribution's access logs. */
  readonly logsBucket: s3.Bucket
  readonly distribution: cloudfront.Distribution
  readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy
  /** The console's origin, https://<distribution domain> (no trailing slash). */
  readonly url: string
  private readonly assetPath: string
  private readonly stage: Stage
  private runtime: ConsoleRuntimeConfig | undefined

  constructor (scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id)
    assertConsoleBuild(props.assetPath)
    this.assetPath = props.assetPath
    this.stage = props.stage
    const prod = props.stage === 'prod'

    // Access logs of the console bucket (S3 server access logs, under s3/) and of the distribution (CloudFront standard
    // logs, under cloudfront/), kept as long as the functions' logs. CloudFront's standard logging to S3 writes with an
    // ACL grant, so this bucket keeps ACLs on (object writer as owner would leave the bucket owner unable to read: "bucket
    // owner preferred" makes the bucket owner own the files). Prod keeps them on a stack delete: they are audit records.
    this.logsBucket = new s3.Bucket(this, 'LogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(prod ? 90 : 14), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !prod
    })

    // Only build output, rebuilt by every deploy: dev empties and deletes it with the stack; prod keeps it on a stack
    // delete, like every other prod resource that is not recreated automatically.
    this.bucket = new s3.Bucket(this, 'Bucket', {
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 's3/',
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !prod
    })

    this.responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Security headers for the web console (${props.stage})`,
      securityHeadersBehavior: {
        // Resolved at synth from the runtime config given to deploy(): connect-src names the API and Cognito only.
        contentSecurityPolicy: { contentSecurityPolicy: Lazy.string({ produce: () => this.contentSecurityPolicy() }), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        // Cognito redirects back with ?code=&state= in the URL; never send it to anyone as a Referer.
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true }
      }
    })

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Web console (${props.stage})`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        // Origin access control (SigV4-signed requests from this distribution only), not the legacy OAI.
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        // Honours the objects' Cache-Control (see ASSETS_CACHE, ENTRY_CACHE); query strings (Cognito's ?code=) are
        // not part of the cache key, so the sign-in redirect is served the cached index.html.
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        compress: true
      },
      // No SPA fallback (403/404 -> /index.html): the console has no path router, so every page is /, and a missing
      // file answers as missing instead of as an HTML page the browser would try to run as a script.
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100
    })
    this.url = `https://${this.distribution.distributionDomainName}`
    acknowledge(this.distribution, 'CFR4', 'The console is served on CloudFront\'s default *.cloudfront.net certificate, whose viewer security policy is TLSv1 and cannot be changed; TLS 1.2 as a minimum needs a custom domain with an ACM certificate (not configured yet).')
    acknowledge(this.distribution, 'CFR1', 'No geo restriction: tenants and their members may be in any country; there is no list of countries to limit the console to.')
    acknowledge(this.distribution, 'CFR2', 'No WAF: the distribution serves static files from a private bucket and passes /session* to the API, whose HTTP API stage throttles it and whose app limits it per client address and paces its Cognito calls; a web ACL costs per month and per request, to revisit with a custom domain.')
  }

  /**
   * Routes the console's session (/session*) to the HTTP API, so its cookie is first-party to the console's origin
   * (docs/decisions/0023-console-session.md): never cached, every method, HTTPS to the viewer and to the origin. The
   * managed "all viewer headers except Host" policy is AWS's choice for an API Gateway origin (which needs its own Host):
   * the cookie, Origin, Content-Type and the console's custom header reach the app, which checks them.
   */
  routeSession (httpApi: apigw.IHttpApi): void {
    const stack = Stack.of(this)
    this.distribution.addBehavior(SESSION_PATH_PATTERN, new origins.HttpOrigin(`${httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2]
    }), {
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      compress: false
    })
  }

  /**
   * Deploys the build and its config.json. Two deployments, because cache headers are per deployment: the hashed
   * assets first (never pruned, so a browser still holding the previous index.html can load its chunks), then the
   * entry files, which replace the old ones and invalidate the distribution.
   */
  deploy (runtime: ConsoleRuntimeConfig): void {
    if (this.runtime !== undefined) throw new Error('ConsoleHosting.deploy() may be called once')
    this.runtime = runtime
    // One log group for the deployments' shared (singleton) handler, with the stage's retention.
    const logGroup = stageLogGroup(this, 'DeploymentLogs', this.stage)
    const assets = new s3deploy.BucketDeployment(this, 'DeployAssets', {
      sources: [s3deploy.Source.asset(path.join(this.assetPath, 'assets'))],
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'assets/',
      prune: false,
      cacheControl: ASSETS_CACHE,
      logGroup
    })
    const entry = new s3deploy.BucketDeployment(this, 'DeployEntry', {
      sources: [
        s3deploy.Source.asset(this.assetPath, { exclude: ['assets'] }),
        s3deploy.Source.jsonData('config.json', runtime)
      ],
      destinationBucket: this.bucket,
      // Prunes stale root files but leaves assets/ to the deployment above.
      exclude: ['assets/*'],
      cacheControl: ENTRY_CACHE,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      logGroup
    })
    entry.node.addDependency(assets)
    this.acknowledgeDeploymentHandler(assets)
  }

  /**
   * The CDK's BucketDeployment brings its own handler (one per stack, shared by both deployments): its role, runtime and
   * grants are the CDK's, which offers no way to narrow them. Each wildcard is acknowledged by name, so a new one fails.
   */
  private acknowledgeDeploymentHandler (deployment: s3deploy.BucketDeployment): void {
    const handler = deployment.handlerRole.node.scope
    if (handler === undefined) throw new Error('BucketDeployment handler not found')
    const why = 'The CDK\'s own BucketDeployment handler, not configurable:'
    acknowledge(handler, 'L1', `${why} the CDK picks its runtime.`)
    acknowledge(handler, 'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', `${why} its role has the basic execution policy (logs go to the log group given to the deployments).`)
    const qualifier = String(this.node.tryGetContext(BOOTSTRAP_QUALIFIER_CONTEXT) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER)
    const wildcards: Array<[string, string]> = [
      ['Action::s3:GetObject*', 'reads the staged build from the CDK asset bucket'],
      ['Action::s3:GetBucket*', 'reads the staged build from the CDK asset bucket'],
      ['Action::s3:List*', 'lists the asset bucket and the console bucket to copy and prune'],
      [`Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`, 'the objects of the CDK asset bucket (the bootstrap bucket), read only'],
      ['Action::s3:DeleteObject*', 'prunes files of the previous build from the console bucket'],
      ['Action::s3:Abort*', 'aborts its own multipart uploads to the console bucket'],
      [`Resource::${arnInFinding(this.bucket)}/*`, 'the objects of the console bucket, the one bucket it writes'],
      ['Resource::*', 'cloudfront:CreateInvalidation and GetInvalidation, which the CDK grants on every distribution']
    ]
    for (const [finding, what] of wildcards) acknowledge(handler, `IAM5[${finding}]`, `${why} ${what}.`)
  }

  /**
   * Same-origin only (the session is there, /session*), except the API. No Cognito endpoint: the page only navigates to
   * the managed login, and the API exchanges its code.
   */
  private contentSecurityPolicy (): string {
    if (this.runtime === undefined) throw new Error(`${this.node.path}: call deploy() so the content security policy knows the API endpoint`)
    const { apiUrl } = this.runtime
    return [
      "default-src 'self'",
      `connect-src 'self' ${apiUrl}`,
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'"
    ].join('; ')
  }
}
