// CDK app entry: `npx cdk synth|deploy -c stage=dev|prod` from infra/ (see infra/README.md).
import { App } from 'aws-cdk-lib'
import { addStageStacks } from '../lib/app.js'
import { applyNagChecks } from '../lib/nag.js'

const app = new App()
// Account and region come from the caller's AWS profile at deploy time; synth needs neither (environment-agnostic).
const account = process.env.CDK_DEFAULT_ACCOUNT
const region = process.env.CDK_DEFAULT_REGION
addStageStacks(app, account !== undefined && region !== undefined ? { account, region } : undefined)
// cdk-nag's AwsSolutions pack: synth (and so deploy) stops on a finding that is neither fixed nor acknowledged in code.
applyNagChecks(app)
app.synth()
