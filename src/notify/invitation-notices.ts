// The notice an existing person gets when invited to another tenant: Cognito sends nothing when no account is created.
import type { Mailer } from './mailer.js'

export interface InvitationNotices {
  /** Sends the notice; never throws (a failed send is logged: the invitation stands, the person sees it on sign-in). */
  invited: (invitation: { email: string, tenantId: string, tenantName?: string, expiresAt: string }) => Promise<void>
}

/** The console's page of the signed-in person's invitations, from CONSOLE_URL (its index, e.g. https://app.example/console/). */
export function acceptLink (consoleUrl: string): string {
  return `${consoleUrl.replace(/#.*$/, '')}#/invitations`
}

export function invitationNotices (deps: { mailer: Mailer, consoleUrl?: string, log: { error: (obj: object, msg: string) => void } }): InvitationNotices {
  return {
    async invited (inv) {
      const where = inv.tenantName !== undefined ? `"${inv.tenantName}"` : `tenant ${inv.tenantId}`
      const accept = deps.consoleUrl !== undefined
        ? `Accept or decline it here: ${acceptLink(deps.consoleUrl)}`
        : 'Sign in to the console and open "My invitations" to accept or decline it.'
      const message = {
        to: inv.email,
        subject: `You are invited to ${where}`,
        text: `You have been invited to join ${where}.\n\n${accept}\n\nThe invitation expires at ${inv.expiresAt}.\n`
      }
      try {
        await deps.mailer.send(message)
      } catch (err) {
        deps.log.error({ err, tenantId: inv.tenantId }, 'invitation notice not sent')
      }
    }
  }
}
