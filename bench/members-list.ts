// What the Users screen's search and sort cost with many members (`npx tsx bench/members-list.ts [members]`): the
// memberships written straight into a fresh local stack, then every page of GET /users (100 a request, as the screen
// asks) timed over HTTP, then the screen's filter and sort timed over the loaded list. Results: bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { documentClient } from '../src/aws.js'
import { localCognitoClient, localDynamoClient } from '../src/local/clients.js'
import { signIn } from '../src/local/cognito-setup.js'
import { startLocalStack } from '../src/local/stack.js'
import { membershipItem } from '../src/repositories/memberships.js'

const members = Number(process.argv[2] ?? 1000)
const dataDir = mkdtempSync(join(tmpdir(), 'bench-members-'))
const stack = await startLocalStack({ dataDir })
const app = await buildApp(loadConfig({ ...stack.env, LOG_LEVEL: 'silent' }))
try {
  const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const dynamo = localDynamoClient(stack.dynamo.endpoint)
  const doc = documentClient(dynamo)
  const at = new Date().toISOString()
  const items = Array.from({ length: members }, (_, i) => membershipItem({ tenantId: 'demo', userId: randomUUID(), email: `person-${String(i).padStart(5, '0')}@demo.local`, groups: [i % 10 === 0 ? 'admins' : 'members'], status: i % 3 === 0 ? 'invited' : 'active', createdAt: at, updatedAt: at }))
  for (let i = 0; i < items.length; i += 25) await doc.send(new BatchWriteCommand({ RequestItems: { [stack.tableName]: items.slice(i, i + 25).map(Item => ({ PutRequest: { Item } })) } }))
  const admin = stack.demo.users.find(u => u.role === 'admin')!
  const cognito = localCognitoClient(stack.cognitoShim.endpoint)
  const token = (await signIn(cognito, { clientId: stack.clientId, email: admin.email, password: admin.password })).accessToken
  cognito.destroy()

  for (let run = 0; run < 3; run++) {
    const started = performance.now()
    const loaded: Array<{ email: string, groups: string[], status: string }> = []
    let cursor: string | null = null
    let requests = 0
    do {
      const res = await fetch(`${apiUrl}/users?limit=100${cursor !== null ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: { authorization: `Bearer ${token}`, 'x-tenant-id': 'demo' } })
      const page = await res.json() as { items: typeof loaded, nextCursor: string | null }
      loaded.push(...page.items)
      cursor = page.nextCursor
      requests++
    } while (cursor !== null)
    const loadMs = performance.now() - started
    // The screen's work on each keystroke or sort change (web/src/screens/Users.tsx): a filter, then a sort.
    const roleOf = (u: { groups: string[] }) => u.groups.includes('admins') ? 'admins' : 'members'
    const t0 = performance.now()
    const shown = loaded.filter(u => u.email.toLowerCase().includes('person-004')).sort((a, b) => a.email.localeCompare(b.email))
    const all = [...loaded].sort((a, b) => roleOf(a).localeCompare(roleOf(b)) || a.email.localeCompare(b.email))
    const sortMs = performance.now() - t0
    console.log(`${loaded.length} users in ${requests} requests: ${loadMs.toFixed(0)} ms to load; search + sort ${sortMs.toFixed(1)} ms (${shown.length} found, ${all.length} sorted)`)
  }
  doc.destroy()
  dynamo.destroy()
} finally {
  await app.close()
  await stack.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
