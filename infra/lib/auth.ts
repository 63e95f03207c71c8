// Cognito for the app: user pool, managed-login domain, groups and the tenant-provisioning triggers (the web client is
// in web-client.ts, beside the console it redirects to).
import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib'
import * as cognito from 'aws-cdk-lib/aws-cognito'
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import * as iam from 'aws-cdk-lib/aws-iam'
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import { Construct } from 'constructs'
import { PLATFORM_GROUPS, type PlatformGroup } from '../../src/domain/model.js'
import type { SesEmail, StageConfig } from './config.js'
import { functionLogging, nodeFunctionProps } from './bundling.js'
import { repoPath } from './repo-path.js'
import { acknowledge, REASONS, tableIndexesFinding } from './nag.js'

export interface AuthProps {
  config: StageConfig
  /** The triggers record tenants and memberships in it and read memberships back. */
  table: dynamodb.ITable
}

/**
 * The managed-login base URL for a Cognito prefix domain. Built from the configured prefix rather than read from the
 * domain resource, so the stateless stack needs no new export from the stateful one to name it.
 */
export function hostedUiBaseUrl (domainPrefix: string, region: string): string {
  return `https://${domainPrefix}.auth.${region}.amazoncognito.com`
}

/** The pool's mail from a verified SES identity (Cognito sends it through its service-linked role for SES). */
function sesEmail (ses: SesEmail, stackRegion: string): cognito.UserPoolEmail {
  // The identity's ARN names SES's region; a synth without a region (no CDK_DEFAULT_REGION) cannot fill it in.
  if (ses.region === undefined && Token.isUnresolved(stackRegion)) {
    throw new Error('context sesFromAddress: the stack has no region to find the SES identity in; set sesRegion, or synthesize with a region (CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION)')
  }
  return cognito.UserPoolEmail.withSES({
    fromEmail: ses.fromAddress,
    ...(ses.fromName !== undefined ? { fromName: ses.fromName } : {}),
    ...(ses.verifiedDomain !== undefined ? { sesVerifiedDomain: ses.verifiedDomain } : {}),
    ...(ses.configurationSet !== undefined ? { configurationSetName: ses.configurationSet } : {}),
    ...(ses.region !== undefined ? { sesRegion: ses.region } : {})
  })
}

/** Lower precedence wins when a user is in several groups and the groups carry IAM roles (they don't today). */
const GROUP_PRECEDENCE: Record<PlatformGroup, number> = { 'platform-admins': 0 }

export class Auth extends Construct {
  readonly userPool: cognito.UserPool
  readonly domain: cognito.UserPoolDomain
  readonly triggers: { preSignUp: NodejsFunction, postConfirmation: NodejsFunction, preTokenGeneration: NodejsFunction, preAuthentication: NodejsFunction }

  constructor (scope: Construct, id: string, props: AuthProps) {
    super(scope, id)
    const { config, table } = props

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${config.prefix}-users`,
      // Access-token customisation (pre token V2) and passwordless need Essentials; threat protection needs Plus, which
      // costs more per monthly active user, so it is a setting (context threatProtection, off by default).
      featurePlan: config.threatProtection === 'off' ? cognito.FeaturePlan.ESSENTIALS : cognito.FeaturePlan.PLUS,
      ...(config.threatProtection === 'off'
        ? {}
        : {
            standardThreatProtectionMode: config.threatProtection === 'enforced'
              ? cognito.StandardThreatProtectionMode.FULL_FUNCTION
              : cognito.StandardThreatProtectionMode.AUDIT_ONLY
          }),
      // Cognito's default sender allows a few dozen emails a day for the whole pool; production sends through SES.
      ...(config.ses !== undefined ? { email: sesEmail(config.ses, Stack.of(this).region) } : {}),
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      // The web client must be able to write email (writeAttributes in web-client.ts), so a user can call UpdateUserAttributes
      // on their own email. With keepOriginal the change only takes effect once the user has verified the new address:
      // until then the old address stays the sign-in identifier, and nobody can take (and so block for invites) an
      // address they do not control. The membership and EMAIL# claim still keep the old address after a verified
      // change; see "Known limits" in infra/README.md.
      keepOriginal: { email: true },
      // Symbols too (cdk-nag AwsSolutions-COG1); Cognito checks the policy when a password is set, so existing ones keep working.
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Immutable: set once, by the API's AdminCreateUser when inviting; nobody can move a user to another tenant later.
      customAttributes: { tenant_id: new cognito.StringAttribute({ mutable: false, minLen: 1, maxLen: 64 }) },
      ...(config.passwordless
        ? { signInPolicy: { allowedFirstAuthFactors: { password: true, emailOtp: true } } }
        : {}),
      // RETAIN covers a deleted stack; deletion protection also refuses a DeleteUserPool from the console or API, which
      // would take every user with it (the table has the same protection).
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN
    })

    acknowledge(this.userPool, 'COG2', 'MFA is off: requiring it needs MFA enrolment in the console first, a product decision for later. Passwords need 12+ characters of all four classes; email is verified.')
    if (config.threatProtection === 'off') {
      acknowledge(this.userPool, 'COG8', 'Threat protection needs the Plus feature plan, billed at a higher price per monthly active user than Essentials: a pricing decision, off unless context threatProtection is audit or enforced (infra/README.md).')
    }

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: config.domainPrefix },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN
    })
    // Platform roles only: tenant roles (admins, members) live in each membership, since one person has different roles
    // in different tenants.
    for (const group of PLATFORM_GROUPS) {
      new cognito.CfnUserPoolGroup(this, `Group-${group}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        precedence: GROUP_PRECEDENCE[group],
        description: `${group} (managed by CDK)`
      })
    }

    const trigger = (name: string, file: string): NodejsFunction => {
      const fn = new NodejsFunction(this, name, nodeFunctionProps(repoPath('infra', 'triggers', file), {
        description: `Cognito ${name} trigger (${config.stage})`,
        // No NODE_OPTIONS=--enable-source-maps, as on the API function: it parses the bundle's map at init, 9–16% of a
        // trigger's cold-start CPU (bench/README.md, Cold start). The .map ships beside index.mjs to map stack traces.
        environment: { TABLE_NAME: table.tableName },
        ...functionLogging(this, name, config.stage)
      }))
      acknowledge(fn, 'L1', REASONS.runtime)
      return fn
    }
    this.triggers = {
      preSignUp: trigger('PreSignUp', 'pre-sign-up.ts'),
      postConfirmation: trigger('PostConfirmation', 'post-confirmation.ts'),
      preTokenGeneration: trigger('PreTokenGeneration', 'pre-token-generation.ts'),
      preAuthentication: trigger('PreAuthentication', 'pre-authentication.ts')
    }
    // Pre token generation writes too: just-in-time SSO membership and the domain policy's join (through the ledger).
    table.grantReadWriteData(this.triggers.postConfirmation)
    table.grantReadWriteData(this.triggers.preTokenGeneration)
    // Pre sign-up reads the SSO connection of the email's domain; pre authentication whether its tenant requires SSO.
    table.grantReadData(this.triggers.preSignUp)
    table.grantReadData(this.triggers.preAuthentication)
    for (const fn of Object.values(this.triggers)) acknowledge(fn.role!, tableIndexesFinding(table, fn), REASONS.tableIndexes)

    // Cognito rights, each on this pool only, through a separate policy (userPool.grant() would make the pool, the
    // function and its default policy a cycle that CloudFormation refuses: CDK-NOTES). Pre sign-up finds the native
    // user holding a federated person's address and links the identity to it; pre authentication lets platform admins
    // through enforced SSO. The founder of a self-signed-up tenant is its admin through the membership, not a group.
    const cognitoRights = (name: string, fn: NodejsFunction, actions: string[]) => {
      fn.role!.attachInlinePolicy(new iam.Policy(this, `${name}Cognito`, {
        statements: [new iam.PolicyStatement({ actions, resources: [this.userPool.userPoolArn] })]
      }))
    }
    cognitoRights('PreSignUp', this.triggers.preSignUp, ['cognito-idp:AdminGetUser', 'cognito-idp:AdminLinkProviderForUser'])
    cognitoRights('PreAuthentication', this.triggers.preAuthentication, ['cognito-idp:AdminListGroupsForUser'])

    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_SIGN_UP, this.triggers.preSignUp)
    this.userPool.addTrigger(cognito.UserPoolOperation.POST_CONFIRMATION, this.triggers.postConfirmation)
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_AUTHENTICATION, this.triggers.preAuthentication)
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, this.triggers.preTokenGeneration, cognito.LambdaVersion.V2_0)
  }
}
