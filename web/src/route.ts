// The console's address: the route lives in the hash (#/<screen>/<tenantId>), so a deep link works under any base path
// and needs no server rewrite. Parsing never throws: whatever the address bar holds, a malformed part names nothing.

export interface Route { screen: string | null, tenantId: string | null }

/** One part of the hash, decoded; `decodeURIComponent` throws a URIError on a malformed escape (`%E0`), which names nothing. */
function decoded (part: string | undefined): string | null {
  if (part === undefined || part === '') return null
  try {
    return decodeURIComponent(part)
  } catch {
    return null
  }
}

export function parseRoute (hash: string): Route {
  const [screen, tenantId] = hash.replace(/^#\/?/, '').split('/')
  return { screen: decoded(screen), tenantId: decoded(tenantId) }
}

/** The address of a screen; a tenant screen names its tenant. */
export function routeHref (screen: string, tenantId: string | null = null): string {
  return tenantId !== null ? `#/${encodeURIComponent(screen)}/${encodeURIComponent(tenantId)}` : `#/${encodeURIComponent(screen)}`
}
