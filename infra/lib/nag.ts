// Acknowledgments of cdk-nag AwsSolutions findings, each on the construct it concerns and with its reason. The pack
// itself runs in bin/app.ts (cdk synth fails on an unacknowledged finding) and in infra/test/nag.test.ts.
import { CfnElement, Stack, Validations, type App } from 'aws-cdk-lib'
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import { AwsSolutionsChecks } from 'cdk-nag'
import type { IConstruct } from 'constructs'

/**
 * Runs the AwsSolutions pack when the app synthesizes: an unacknowledged finding (error or warning) fails the synth
 * with a report, offline like the rest of synth. cdk-nag v3 is a CDK validation plugin, not an aspect.
 */
export function applyNagChecks (app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
}

/**
 * Acknowledges one AwsSolutions finding on a construct and everything under it. For rules that report one finding per
 * policy or wildcard (IAM4, IAM5) the id names it, e.g. `IAM5[Resource::*]`: any other wildcard still fails.
 */
export function acknowledge (scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${finding}`, reason })
}

/** Shared reasons: the same decision behind several findings. */
export const REASONS = {
  runtime: 'Production runtime is Node 22, the one the test suite runs on; moving to Node 24 is a decision for the performance work (cold start, bundle target).',
  tableIndexes: 'The table grant covers its indexes as table/index/*: the table has one index (GSI1) and its queries use it; naming it would only add a grant to forget when an index is added.'
} as const

/** How cdk-nag names a CloudFormation resource inside a finding: <LogicalId.Arn>. */
export function arnInFinding (resource: IConstruct): string {
  const cfn = resource instanceof CfnElement ? resource : resource.node.defaultChild
  if (!(cfn instanceof CfnElement)) throw new Error(`${resource.node.path} has no CloudFormation resource to name`)
  const stack = Stack.of(cfn)
  return `<${String(stack.resolve(stack.getLogicalId(cfn)))}.Arn>`
}

/**
 * The IAM5 finding of a table grant's index wildcard (`grantReadData`, `grantReadWriteData`) on a role in `scope`'s
 * stack, named as the pack sees it when synth runs it, after cross-stack references are resolved: <LogicalId.Arn> in
 * the table's own stack; in another stack, the name of the export the reference imports.
 */
export function tableIndexesFinding (table: dynamodb.ITable, scope: IConstruct): string {
  const producer = Stack.of(table)
  if (producer === Stack.of(scope)) return `IAM5[Resource::${arnInFinding(table)}/index/*]`
  // Without a name, exportValue() returns the export the automatic cross-stack reference uses (it exists already).
  const imported = producer.resolve(producer.exportValue(table.tableArn)) as { 'Fn::ImportValue'?: unknown }
  if (typeof imported['Fn::ImportValue'] !== 'string') throw new Error(`${table.node.path}: no export name for its ARN`)
  return `IAM5[Resource::${imported['Fn::ImportValue']}/index/*]`
}
