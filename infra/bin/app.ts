// CDK app entry: `npx cdk synth|deploy -c stage=dev|prod` from infra/ (see infra/README.md).
import { App } from 'aws-cdk-lib'
import { addStageStacks } from '../lib/app.js'

const app = new App()
// Account and region come from the caller's AWS profile at deploy time; synth needs neither (environment-agnostic).
const account = process.env.CDK_DEFAULT_ACCOUNT
const region = process.env.CDK_DEFAULT_REGION
addStageStacks(app, account !== undefined && region !== undefined ? { account, region } : undefined)
app.synth()
