// Email domains a tenant can verify: how one is written, and which ones nobody can own (consumer mail providers).
import { Type } from 'typebox'

/**
 * A DNS name in its ASCII form: LDH labels of 1-63 characters, at least two, no trailing dot, at most 253 characters.
 * Lower case only: one spelling per domain, as email records key addresses (IDNs in their xn-- form).
 */
export const DOMAIN_PATTERN = '^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$'
export const DOMAIN_REGEX = new RegExp(DOMAIN_PATTERN)
export const DomainSchema = Type.String({ pattern: DOMAIN_PATTERN, maxLength: 253, description: 'a domain name, lower case, without a trailing dot (IDNs in their xn-- form)' })

/**
 * Consumer mail domains (the maintained email-providers list, about 9,000 names): an address there says nothing about
 * its employer. Loaded on first use, so the API's cold start does not pay for a list only domain claims read.
 */
let consumer: Promise<Set<string>> | undefined
export async function isConsumerDomain (domain: string): Promise<boolean> {
  consumer ??= import('email-providers/all.json', { with: { type: 'json' } }).then(m => new Set<string>(m.default as string[]))
  return (await consumer).has(domain)
}

/** The domain of an address, lower case. */
export const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase()
