// The stateless stack: the API compute (Lambda behind an HTTP API), replaceable at will; it gets the stateful resources as props.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib'
import type * as cognito from 'aws-cdk-lib/aws-cognito'
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import type { Construct } from 'constructs'
import type { StageConfig } from './config.js'
import { Api } from './api.js'

export interface ApiStackProps extends StackProps {
  config: StageConfig
  table: dynamodb.ITable
  userPool: cognito.IUserPool
  userPoolClient: cognito.IUserPoolClient
}

export class ApiStack extends Stack {
  readonly api: Api

  constructor (scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props)
    const { config, table, userPool, userPoolClient } = props
    this.api = new Api(this, 'Api', { config, table, userPool, userPoolClient })
    new CfnOutput(this, 'ApiUrl', { value: this.api.httpApi.apiEndpoint })
  }
}
