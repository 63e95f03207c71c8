// The deploy step that puts every SSO connection's identity provider back on the web client (#28, decision 0022).
// CloudFormation owns the client and writes its own SupportedIdentityProviders (COGNITO) on every update of it; the
// API adds each tenant's provider at run time. This custom resource runs after the client on every deploy and
// re-applies the providers the table lists, with the API's own read-then-write under the client's lease.
import { CustomResource, Duration } from 'aws-cdk-lib'
import type * as cognito from 'aws-cdk-lib/aws-cognito'
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as iam from 'aws-cdk-lib/aws-iam'
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import { Construct } from 'constructs'
import type { StageConfig } from './config.js'
import { functionLogging, nodeFunctionProps } from './bundling.js'
import { repoPath } from './repo-path.js'
import { TABLE } from '../../src/dynamodb/table.js'
import { acknowledge, REASONS } from './nag.js'

/** Exactly what the re-apply calls (src/services/sso/reapply.ts), on the pool's ARN only. */
export const REAPPLY_COGNITO_ACTIONS = [
  'cognito-idp:DescribeIdentityProvider',
  'cognito-idp:DescribeUserPoolClient',
  'cognito-idp:UpdateUserPoolClient'
] as const

/** The lease items' partition keys (src/repositories/keys.ts ssoClientLock: SSOCLIENT#<client id>). */
export const LEASE_KEYS = 'SSOCLIENT#*'

export interface SsoProvidersProps {
  config: StageConfig
  table: dynamodb.ITable
  userPool: cognito.IUserPool
  client: cognito.UserPoolClient
  /** Changes on every synth, so the resource updates (and re-applies) on every deploy. Default: now. */
  deployStamp?: string
}

export class SsoProviders extends Construct {
  readonly handler: NodejsFunction
  readonly resource: CustomResource

  constructor (scope: Construct, id: string, props: SsoProvidersProps) {
    super(scope, id)
    const { config, table, userPool, client } = props

    this.handler = new NodejsFunction(this, 'Handler', nodeFunctionProps(repoPath('infra', 'deploy', 'reapply-sso-providers.ts'), {
      description: `Re-applies the SSO providers to the web client after a deploy (${config.stage})`,
      // Up to 300 providers, each described at Cognito's 15 requests/s, plus waiting for the client's lease.
      timeout: Duration.minutes(5),
      environment: { TABLE_NAME: table.tableName, COGNITO_USER_POOL_ID: userPool.userPoolId },
      ...functionLogging(this, 'Handler', config.stage)
    }))
    acknowledge(this.handler, 'L1', REASONS.runtime)
    // Reads tenants (GSI1, named: no index wildcard) and their connections; writes only the client's lease item
    // (a conditional put and delete), whose partition key is the only one it may write.
    this.handler.addToRolePolicy(new iam.PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: [table.tableArn, `${table.tableArn}/index/${TABLE.gsi1.indexName}`]
    }))
    this.handler.addToRolePolicy(new iam.PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [LEASE_KEYS] } }
    }))
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: [...REAPPLY_COGNITO_ACTIONS], resources: [userPool.userPoolArn] }))

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.handler.functionArn,
      resourceType: 'Custom::SsoProviders',
      properties: {
        ClientId: client.userPoolClientId,
        // A new value each synth: CloudFormation sends an Update, hence a re-apply, on every deploy, whatever the
        // client's change (a hash of its template would miss a change of a value it references, like the console's domain).
        DeployStamp: props.deployStamp ?? new Date().toISOString()
      }
    })
    // After the client (ClientId already references it) and after the function may act: the policy exists first.
    this.resource.node.addDependency(client)
    this.resource.node.addDependency(this.handler, this.handler.role!)
  }
}
