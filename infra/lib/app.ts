// Composes one stage of the system (stateful + API-and-console stacks) into a CDK app; bin/app.ts and the tests both call it.
import { Tags, type App, type Environment } from 'aws-cdk-lib'
import { readStageConfig, type StageConfig } from './config.js'
import { StatefulStack } from './stateful-stack.js'
import { ApiStack } from './api-stack.js'
import { assertConsoleBuild } from './console.js'

export interface SystemStacks {
  config: StageConfig
  stateful: StatefulStack
  api: ApiStack
}

export function addStageStacks (app: App, env?: Environment): SystemStacks {
  const config = readStageConfig(app.node)
  // Before any stack: a missing web build should fail at once, not after the functions are bundled.
  assertConsoleBuild(config.consoleAssetPath)
  const stateful = new StatefulStack(app, `SaasApp-${config.stage}-Stateful`, {
    env,
    config,
    description: `Table and user pool (${config.stage})`,
    terminationProtection: config.stage === 'prod'
  })
  const api = new ApiStack(app, `SaasApp-${config.stage}-Api`, {
    env,
    config,
    description: `API compute, web console and its Cognito client (${config.stage})`,
    table: stateful.data.table,
    userPool: stateful.auth.userPool
  })
  Tags.of(app).add('app', 'saas-app')
  Tags.of(app).add('stage', config.stage)
  return { config, stateful, api }
}
