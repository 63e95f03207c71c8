// Fetches a customer-supplied URL (an OIDC issuer, a SAML metadata URL) from the public internet only.
//
// A tenant admin names the URL, so the API must not become their way into our network (SSRF): only https, and every
// address the host resolves to must be public — never loopback (which includes Lambda's runtime API on 127.0.0.1),
// link-local (the instance metadata service on 169.254.169.254), private, carrier-grade NAT, multicast or reserved.
// The check runs inside the connection's own `lookup`, so the address checked is the address connected to (a second
// resolution could answer differently: DNS rebinding). Redirects are not followed; the body is bounded in time and size.
// `allowPrivate` (SSO_ALLOW_PRIVATE_URLS) lifts both rules for development against local servers.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { BadRequestError } from '../../domain/errors.js'

const blocked = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 3]
] as const) blocked.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]
] as const) blocked.addSubnet(net, prefix, 'ipv6')

/** Whether an address may be fetched from: public unicast only (an IPv4-mapped IPv6 address as its IPv4). */
export function isPublicAddress (address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  if (mapped !== undefined) return isPublicAddress(mapped)
  const family = isIP(address)
  if (family === 0) return false
  return !blocked.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

export interface PublicFetchOptions {
  allowPrivate: boolean
  timeoutMs?: number
  maxBytes?: number
}

const refuse = (what: string, message: string) => Object.assign(new BadRequestError(message), { problemErrors: [{ path: what, message }] })

/** A lookup that answers only public addresses (or fails), so the socket connects only to what was checked. */
const publicLookup = (what: string): LookupFunction => (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err !== null) return callback(refuse(what, `${hostname} does not resolve`), '', 4)
    const bad = addresses.find(a => !isPublicAddress(a.address))
    if (bad !== undefined || addresses.length === 0) return callback(refuse(what, `${hostname} resolves to a non-public address (${bad?.address ?? 'none'})`), '', 4)
    if ((options as { all?: boolean }).all === true) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
    const first = addresses[0] as LookupAddress
    callback(null, first.address, first.family)
  })
}

/**
 * GETs `url` and returns its body as text: 400 (naming `what`, e.g. "issuer") for a URL that is not public https, an
 * answer other than 200, a redirect, a timeout or a body over `maxBytes`.
 */
export async function fetchPublic (what: string, url: string, opts: PublicFetchOptions): Promise<string> {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    throw refuse(what, `${url} is not a URL`)
  }
  if (target.protocol !== 'https:' && !(opts.allowPrivate && target.protocol === 'http:')) throw refuse(what, `${url} must use https`)
  if (target.username !== '' || target.password !== '') throw refuse(what, `${url} must not carry credentials`)
  const host = target.hostname.replace(/^\[|\]$/g, '')
  if (!opts.allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) throw refuse(what, `${host} is not a public address`)
  const timeoutMs = opts.timeoutMs ?? 5000
  const maxBytes = opts.maxBytes ?? 1024 * 1024
  const options: RequestOptions = {
    method: 'GET',
    headers: { accept: 'application/json, application/xml, text/xml;q=0.9, */*;q=0.1' },
    timeout: timeoutMs,
    ...(opts.allowPrivate ? {} : { lookup: publicLookup(what) })
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  return await new Promise<string>((resolve, reject) => {
    const req = send(target, options, res => {
      if (res.statusCode !== 200) {
        res.resume()
        return reject(refuse(what, `${url} answered ${res.statusCode ?? 'nothing'}${res.headers.location !== undefined ? ' (a redirect, not followed)' : ''}`))
      }
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > maxBytes) {
          req.destroy()
          return reject(refuse(what, `${url} answered more than ${maxBytes} bytes`))
        }
        chunks.push(chunk)
      })
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
      res.on('error', reject)
    })
    const deadline = setTimeout(() => req.destroy(refuse(what, `${url} did not answer within ${timeoutMs} ms`)), timeoutMs)
    req.on('close', () => clearTimeout(deadline))
    req.on('timeout', () => req.destroy(refuse(what, `${url} did not answer within ${timeoutMs} ms`)))
    req.on('error', err => reject(err instanceof BadRequestError ? err : (err as { code?: string }).code === 'APP_BAD_REQUEST' ? err : refuse(what, `${url} could not be fetched (${(err as Error).message})`)))
    req.end()
  })
}
