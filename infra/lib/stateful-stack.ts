// The stateful stack: the table and the user pool, which outlive any deploy of the API (RETAIN, deletion protection).
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib'
import type { Construct } from 'constructs'
import type { StageConfig } from './config.js'
import { Data } from './data.js'
import { Auth } from './auth.js'

export interface StatefulStackProps extends StackProps {
  config: StageConfig
}

export class StatefulStack extends Stack {
  readonly data: Data
  readonly auth: Auth

  constructor (scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props)
    const { config } = props
    // Named from the stage prefix like every other physical name, not from the local default (TABLE.defaultName):
    // renaming the local table must not rename, that is replace, a deployed one.
    this.data = new Data(this, 'Data', { tableName: config.prefix })
    this.auth = new Auth(this, 'Auth', { config, table: this.data.table })

    new CfnOutput(this, 'TableName', { value: this.data.table.tableName })
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId })
    new CfnOutput(this, 'HostedUiBaseUrl', { value: this.auth.domain.baseUrl() })
  }
}
