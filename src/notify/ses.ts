// The mailer on AWS: SES v2 SendEmail from the verified sender the CDK app configures (sesFromAddress, MAIL_FROM).
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2'
import type { Mailer } from './mailer.js'

export function sesMailer (options: { from: string, region: string, maxAttempts?: number }): Mailer & { close: () => void } {
  const client = new SESv2Client({ region: options.region, maxAttempts: options.maxAttempts ?? 3 })
  return {
    async send (m) {
      await client.send(new SendEmailCommand({
        FromEmailAddress: options.from,
        Destination: { ToAddresses: [m.to] },
        Content: { Simple: { Subject: { Data: m.subject, Charset: 'UTF-8' }, Body: { Text: { Data: m.text, Charset: 'UTF-8' } } } }
      }))
    },
    close: () => { client.destroy() }
  }
}
