// Checks an identity provider before Cognito is told of it: OIDC discovery at the issuer, SAML metadata with a signing certificate.
//
// Cognito fetches both itself, but reports a bad one only as a generic error (or, for OIDC, only at the first sign-in);
// checking first gives the customer's IT admin a 400 that says what is wrong.
// https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
// https://docs.oasis-open.org/security/saml/v2.0/saml-metadata-2.0-os.pdf (IDPSSODescriptor, KeyDescriptor)
import { X509Certificate } from 'node:crypto'
import { BadRequestError } from '../../domain/errors.js'
import { fetchPublic, type PublicFetchOptions } from './public-fetch.js'

type Problems = Array<{ path: string, message: string }>
const invalid = (detail: string, problems: Problems) => Object.assign(new BadRequestError(detail), { problemErrors: problems })

export interface OidcDiscovery { issuer: string, authorizationEndpoint: string, tokenEndpoint: string, jwksUri: string }

/** The issuer's discovery document, checked: its issuer is the one given, and the three endpoints are (https) URLs. */
export async function discoverOidc (issuer: string, opts: PublicFetchOptions): Promise<OidcDiscovery> {
  const base = issuer.replace(/\/+$/, '')
  const url = `${base}/.well-known/openid-configuration`
  const text = await fetchPublic('issuer', url, opts)
  let doc: Record<string, unknown>
  try {
    doc = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw invalid(`The discovery document at ${url} is not JSON`, [{ path: 'issuer', message: 'not JSON' }])
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalid(`The discovery document at ${url} is not a JSON object`, [{ path: 'issuer', message: 'not a JSON object' }])
  const problems: Problems = []
  if (typeof doc.issuer !== 'string' || doc.issuer.replace(/\/+$/, '') !== base) problems.push({ path: 'issuer', message: `the document names issuer ${JSON.stringify(doc.issuer)}, not ${JSON.stringify(issuer)}` })
  const scheme = opts.allowPrivate ? /^https?:\/\/\S+$/ : /^https:\/\/\S+$/
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
    const value = doc[field]
    if (typeof value !== 'string' || !scheme.test(value)) problems.push({ path: field, message: value === undefined ? 'missing' : `not an ${opts.allowPrivate ? 'http(s)' : 'https'} URL` })
  }
  if (problems.length > 0) throw invalid(`The OIDC discovery document at ${url} is not usable: ${problems.map(p => `${p.path} ${p.message}`).join('; ')}`, problems)
  return { issuer: base, authorizationEndpoint: doc.authorization_endpoint as string, tokenEndpoint: doc.token_endpoint as string, jwksUri: doc.jwks_uri as string }
}

export interface SamlMetadata { entityId: string, signingCertificates: number, ssoUrls: string[] }

/** An element's opening tag, any namespace prefix: `<md:IDPSSODescriptor ...>` and `<IDPSSODescriptor ...>` alike. */
const open = (name: string) => new RegExp(`<(?:[\\w.-]+:)?${name}\\b([^>]*)>`, 'g')
const element = (name: string) => new RegExp(`<(?:[\\w.-]+:)?${name}\\b([^>]*?)(?:/>|>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}\\s*>)`, 'g')
const attr = (attrs: string, name: string) => new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(attrs)?.slice(2).find(v => v !== undefined)

/**
 * SAML 2.0 metadata, checked with a small parse (no DTDs or entities, so none can be expanded): an EntityDescriptor
 * with an entityID, an IDPSSODescriptor with a SingleSignOnService and a signing certificate that parses as X.509.
 */
export function checkSamlMetadata (xml: string): SamlMetadata {
  const problems: Problems = []
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw invalid('SAML metadata must not contain a DOCTYPE or entities', [{ path: 'metadata', message: 'DOCTYPE or ENTITY declaration' }])
  const entity = open('EntityDescriptor').exec(xml)
  const entityId = entity === null ? undefined : attr(entity[1] ?? '', 'entityID')
  if (entityId === undefined || entityId === '') problems.push({ path: 'metadata', message: 'no EntityDescriptor with an entityID' })
  const idp = element('IDPSSODescriptor').exec(xml)
  if (idp === null) {
    problems.push({ path: 'metadata', message: 'no IDPSSODescriptor (is this an identity provider\'s metadata?)' })
    throw invalid(`The SAML metadata is not usable: ${problems.map(p => p.message).join('; ')}`, problems)
  }
  const body = idp[2] ?? ''
  const ssoUrls = [...body.matchAll(open('SingleSignOnService'))].map(m => attr(m[1] ?? '', 'Location')).filter((l): l is string => typeof l === 'string' && l !== '')
  if (ssoUrls.length === 0) problems.push({ path: 'metadata', message: 'the IDPSSODescriptor has no SingleSignOnService Location' })
  let signingCertificates = 0
  for (const key of body.matchAll(element('KeyDescriptor'))) {
    const use = attr(key[1] ?? '', 'use')
    if (use !== undefined && use !== 'signing') continue
    for (const cert of (key[2] ?? '').matchAll(element('X509Certificate'))) {
      try {
        const x509 = new X509Certificate(Buffer.from((cert[2] ?? '').replace(/\s+/g, ''), 'base64'))
        if (x509.publicKey !== undefined) signingCertificates++
      } catch {
        problems.push({ path: 'metadata', message: 'a signing X509Certificate does not parse' })
      }
    }
  }
  if (signingCertificates === 0 && !problems.some(p => p.message.includes('X509Certificate'))) problems.push({ path: 'metadata', message: 'the IDPSSODescriptor has no signing certificate (KeyDescriptor use="signing" with an X509Certificate)' })
  if (problems.length > 0) throw invalid(`The SAML metadata is not usable: ${problems.map(p => p.message).join('; ')}`, problems)
  return { entityId: entityId as string, signingCertificates, ssoUrls }
}

/** Metadata given inline, or fetched (public https only) from its URL, then checked. */
export async function samlMetadata (input: { metadataUrl?: string, metadata?: string }, opts: PublicFetchOptions): Promise<{ xml: string, checked: SamlMetadata }> {
  const xml = input.metadata ?? await fetchPublic('metadataUrl', input.metadataUrl ?? '', opts)
  return { xml, checked: checkSamlMetadata(xml) }
}
