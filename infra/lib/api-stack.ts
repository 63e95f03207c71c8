// The stateless stack: the API (Lambda behind an HTTP API), the web console and its Cognito client, replaceable at will;
// it gets the stateful resources as props. Console, client and API name each other, so they share this stack (0015).
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib'
import type * as cognito from 'aws-cdk-lib/aws-cognito'
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import type { Construct } from 'constructs'
import type { StageConfig } from './config.js'
import { Api } from './api.js'
import { hostedUiBaseUrl } from './auth.js'
import { ConsoleHosting } from './console.js'
import { WebClient } from './web-client.js'
import { SsoProviders } from './sso-providers.js'

export interface ApiStackProps extends StackProps {
  config: StageConfig
  table: dynamodb.ITable
  userPool: cognito.IUserPool
}

export class ApiStack extends Stack {
  readonly api: Api
  readonly webClient: WebClient
  readonly console: ConsoleHosting
  readonly ssoProviders: SsoProviders

  constructor (scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props)
    const { config, table, userPool } = props

    // In dependency order: the distribution (its domain is the console's origin), the client that redirects to it,
    // the API that accepts its origin, then the console's config.json naming the API and the client.
    this.console = new ConsoleHosting(this, 'Console', { stage: config.stage, assetPath: config.consoleAssetPath })
    const home = `${this.console.url}/` // the console has no path router: it signs in and out at /
    this.webClient = new WebClient(this, 'WebClient', {
      config,
      userPool,
      callbackUrls: [home, ...config.callbackUrls],
      logoutUrls: [home, ...config.logoutUrls]
    })
    this.api = new Api(this, 'Api', {
      config,
      table,
      userPool,
      userPoolClient: this.webClient.client,
      corsOrigins: [this.console.url, ...config.corsOrigins],
      consoleUrl: home
    })
    // After the client on every deploy: puts back the tenants' SSO providers the client's update has dropped (0022).
    this.ssoProviders = new SsoProviders(this, 'SsoProviders', { config, table, userPool, client: this.webClient.client })
    // The session routes on the console's own origin, so their cookie is first-party (docs/decisions/0023).
    this.console.routeSession(this.api.httpApi)
    this.console.deploy({
      apiUrl: this.api.httpApi.apiEndpoint,
      region: this.region,
      userPoolId: userPool.userPoolId,
      clientId: this.webClient.client.userPoolClientId,
      cognitoDomain: hostedUiBaseUrl(config.domainPrefix, this.region),
      redirectUri: home,
      logoutUri: home
    })

    new CfnOutput(this, 'ApiUrl', { value: this.api.httpApi.apiEndpoint })
    new CfnOutput(this, 'WebClientId', { value: this.webClient.client.userPoolClientId })
    new CfnOutput(this, 'ConsoleUrl', { value: home })
  }
}
