// The identity providers of the local stack's pools, which cognito-local lacks: the shim's store and AWS's checks.
//
// Create, Describe, Update, Delete and List IdentityProvider, validated as Cognito validates them, kept in memory and
// optionally mirrored to a JSON file (`.local/identity-providers.json` under `npm run dev`). Nothing is fetched: Cognito
// reads a SAML metadata URL or an OIDC discovery document itself; the API validates both before calling (and its tests
// do that against local servers), so the shim stores the details as given.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html (300 providers per pool)
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

type Json = Record<string, unknown>

export class ProviderRefusal extends Error {
  constructor (readonly type: string, message: string) { super(message) }
}

export interface StoredProvider {
  UserPoolId: string
  ProviderName: string
  ProviderType: string
  ProviderDetails: Record<string, string>
  AttributeMapping: Record<string, string>
  IdpIdentifiers: string[]
  CreationDate: number
  LastModifiedDate: number
}

export const MAX_PROVIDERS_PER_POOL = 300
const MAX_IDENTIFIERS = 50
const PROVIDER_TYPES = new Set(['SAML', 'Facebook', 'Google', 'LoginWithAmazon', 'SignInWithApple', 'OIDC'])
// The API reference's patterns for ProviderNameType (1-32) and IdpIdentifierType (1-40).
const PROVIDER_NAME = /^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+$/u
const IDENTIFIER = /^[\w\s+=.@-]+$/u

const invalid = (message: string) => new ProviderRefusal('InvalidParameterException', message)
const notFound = (name: unknown) => new ProviderRefusal('ResourceNotFoundException', `Identity provider ${String(name)} does not exist.`)

function checkName (name: unknown): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 32 || !PROVIDER_NAME.test(name)) {
    throw invalid('1 validation error detected: Value at \'providerName\' failed to satisfy constraint: Member must have length less than or equal to 32 and match the pattern')
  }
  if (name.toUpperCase() === 'COGNITO') throw invalid('COGNITO is a reserved provider name.')
  return name
}

function checkIdentifiers (value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.length > MAX_IDENTIFIERS) throw invalid(`IdpIdentifiers must be a list of at most ${MAX_IDENTIFIERS}.`)
  for (const id of value) {
    if (typeof id !== 'string' || id.length < 1 || id.length > 40 || !IDENTIFIER.test(id)) throw invalid(`Invalid IdpIdentifier ${JSON.stringify(id)}: 1 to 40 characters of [\\w\\s+=.@-].`)
  }
  if (new Set(value).size !== value.length) throw invalid('Duplicate identifiers in IdpIdentifiers.')
  return value as string[]
}

/** The details each type requires (Cognito refuses a create without them). */
function checkDetails (type: string, details: unknown): Record<string, string> {
  if (details === null || typeof details !== 'object') throw invalid('ProviderDetails is required.')
  const d = details as Record<string, string>
  if (type === 'OIDC') {
    for (const key of ['client_id', 'authorize_scopes', 'oidc_issuer']) if (typeof d[key] !== 'string' || d[key] === '') throw invalid(`ProviderDetails.${key} is required for OIDC.`)
    return { attributes_request_method: 'GET', ...d }
  }
  if (type === 'SAML' && typeof d.MetadataURL !== 'string' && typeof d.MetadataFile !== 'string') throw invalid('ProviderDetails needs MetadataURL or MetadataFile for SAML.')
  return { ...d }
}

/** A federated identity linked to a native user (AdminLinkProviderForUser). */
export interface StoredLink { UserPoolId: string, username: string, providerName: string, providerUserId: string }
/** Cognito links at most 5 identities to one user. */
export const MAX_LINKS_PER_USER = 5

/** The providers and links, by pool; `file` mirrors them across runs. */
export function identityProviderStore (file?: string) {
  const saved = file !== undefined && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as StoredProvider[] | { providers: StoredProvider[], links: StoredLink[], federated?: StoredLink[] } : []
  const all: StoredProvider[] = Array.isArray(saved) ? saved : saved.providers
  const links: StoredLink[] = Array.isArray(saved) ? [] : saved.links
  // The users the local managed login created for a federated identity (src/local/managed-login-users.ts).
  const federated: StoredLink[] = Array.isArray(saved) ? [] : saved.federated ?? []
  const save = () => {
    if (file === undefined) return
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(`${file}.tmp`, JSON.stringify({ providers: all, links, federated }, null, 2) + '\n', { mode: 0o600 })
    renameSync(`${file}.tmp`, file)
  }
  const inPool = (pool: string) => all.filter(p => p.UserPoolId === pool)
  const find = (pool: string, name: unknown) => all.find(p => p.UserPoolId === pool && p.ProviderName === name)
  const identifiersTaken = (pool: string, ids: string[], except?: string) => {
    for (const p of inPool(pool)) {
      if (p.ProviderName === except) continue
      const taken = ids.find(id => p.IdpIdentifiers.includes(id))
      if (taken !== undefined) throw invalid(`The identifier ${taken} is already in use by provider ${p.ProviderName}.`)
    }
  }
  const now = () => Math.floor(Date.now() / 1000)
  const describe = (p: StoredProvider) => ({ IdentityProvider: { ...p } })

  return {
    /** Whether `name` is a provider of `pool` (or COGNITO): the app client may list only these. */
    exists: (pool: string, name: string) => name === 'COGNITO' || find(pool, name) !== undefined,
    create (pool: string, input: Json) {
      const name = checkName(input.ProviderName)
      const type = String(input.ProviderType)
      if (!PROVIDER_TYPES.has(type)) throw invalid(`Invalid ProviderType ${type}.`)
      const details = checkDetails(type, input.ProviderDetails)
      const ids = checkIdentifiers(input.IdpIdentifiers)
      if (find(pool, name) !== undefined) throw new ProviderRefusal('DuplicateProviderException', `A provider with the name ${name} already exists in this user pool.`)
      if (inPool(pool).length >= MAX_PROVIDERS_PER_POOL) throw new ProviderRefusal('LimitExceededException', `The user pool has reached the limit of ${MAX_PROVIDERS_PER_POOL} identity providers.`)
      identifiersTaken(pool, ids)
      const created: StoredProvider = { UserPoolId: pool, ProviderName: name, ProviderType: type, ProviderDetails: details, AttributeMapping: { ...(input.AttributeMapping as Record<string, string> | undefined) }, IdpIdentifiers: ids, CreationDate: now(), LastModifiedDate: now() }
      all.push(created)
      save()
      return describe(created)
    },
    describe (pool: string, name: unknown) {
      const p = find(pool, name)
      if (p === undefined) throw notFound(name)
      return describe(p)
    },
    /** Replaces what the call gives; keeps the rest (UpdateIdentityProvider changes only the fields it names). */
    update (pool: string, input: Json) {
      const p = find(pool, input.ProviderName)
      if (p === undefined) throw notFound(input.ProviderName)
      const details = input.ProviderDetails === undefined ? p.ProviderDetails : checkDetails(p.ProviderType, { ...p.ProviderDetails, ...(input.ProviderDetails as Json) })
      const ids = input.IdpIdentifiers === undefined ? p.IdpIdentifiers : checkIdentifiers(input.IdpIdentifiers)
      identifiersTaken(pool, ids, p.ProviderName)
      Object.assign(p, { ProviderDetails: details, IdpIdentifiers: ids, LastModifiedDate: now() })
      if (input.AttributeMapping !== undefined) p.AttributeMapping = { ...(input.AttributeMapping as Record<string, string>) }
      save()
      return describe(p)
    },
    delete (pool: string, name: unknown) {
      const i = all.findIndex(p => p.UserPoolId === pool && p.ProviderName === name)
      if (i < 0) throw notFound(name)
      all.splice(i, 1)
      save()
      return {}
    },
    /** Pages of MaxResults (1-60), the NextToken an offset. */
    list (pool: string, input: Json) {
      const max = Number(input.MaxResults ?? 60)
      if (!Number.isInteger(max) || max < 1 || max > 60) throw invalid('MaxResults must be 1 to 60.')
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken)
      if (!Number.isInteger(start) || start < 0) throw invalid('Invalid NextToken.')
      const providers = inPool(pool)
      const page = providers.slice(start, start + max).map(p => ({ ProviderName: p.ProviderName, ProviderType: p.ProviderType, CreationDate: p.CreationDate, LastModifiedDate: p.LastModifiedDate }))
      return start + max < providers.length ? { Providers: page, NextToken: String(start + max) } : { Providers: page }
    },
    /**
     * AdminLinkProviderForUser, once the shim has found the native user: the provider must exist, a federated identity
     * links to one user, and a user takes at most 5. (The local managed login then signs the identity in as that user.)
     */
    link (pool: string, username: string, input: Json) {
      const source = (input.SourceUser ?? {}) as Record<string, unknown>
      const providerName = String(source.ProviderName)
      const providerUserId = String(source.ProviderAttributeValue)
      if (find(pool, providerName) === undefined) throw invalid(`Provider ${providerName} does not exist for this user pool.`)
      const existing = links.find(l => l.UserPoolId === pool && l.providerName === providerName && l.providerUserId === providerUserId)
      if (existing !== undefined) {
        if (existing.username === username) return {}
        throw new ProviderRefusal('AliasExistsException', 'The source user is already linked to another user.')
      }
      if (links.filter(l => l.UserPoolId === pool && l.username === username).length >= MAX_LINKS_PER_USER) throw new ProviderRefusal('LimitExceededException', `A user can have at most ${MAX_LINKS_PER_USER} linked identities.`)
      links.push({ UserPoolId: pool, username, providerName, providerUserId })
      save()
      return {}
    },
    linksOf: (pool: string, username: string) => links.filter(l => l.UserPoolId === pool && l.username === username),
    /** The user a federated identity signs in as: the native user it is linked to, else the federated user made for it. */
    userOf: (pool: string, providerName: string, providerUserId: string) => {
      const same = (l: StoredLink) => l.UserPoolId === pool && l.providerName === providerName && l.providerUserId === providerUserId
      return links.find(same) ?? federated.find(same)
    },
    /** Records (or, with `username` undefined, forgets) the federated user made for an identity. */
    recordFederatedUser (pool: string, username: string | undefined, providerName: string, providerUserId: string) {
      const i = federated.findIndex(l => l.UserPoolId === pool && l.providerName === providerName && l.providerUserId === providerUserId)
      if (i >= 0) federated.splice(i, 1)
      if (username !== undefined) federated.push({ UserPoolId: pool, username, providerName, providerUserId })
      save()
    },

    /** GetIdentityProviderByIdentifier: the provider an identifier (an email domain) routes to. */
    byIdentifier (pool: string, identifier: unknown) {
      const p = inPool(pool).find(p => p.IdpIdentifiers.includes(String(identifier)))
      if (p === undefined) throw notFound(identifier)
      return describe(p)
    }
  }
}
export type IdentityProviderStore = ReturnType<typeof identityProviderStore>
