// The console's screens, one entry each: id (its route), label (its link), who may see it, and its component. App.tsx
// derives navigation, routing and permissions from this list: a new screen is its component and one entry here.
import type { ReactNode } from 'react'
import type { Api, Me } from '../api/client.js'
import { routeHref } from '../route.js'
export type { Me } from '../api/client.js'
import { Account } from './Account.js'
import { Audit } from './Audit.js'
import { Domains } from './Domains.js'
import { Invitations } from './Invitations.js'
import { Orders } from './Orders.js'
import { Projects } from './Projects.js'
import { SsoConnections } from './SsoConnections.js'
import { TenantSettings } from './TenantSettings.js'
import { Tenants } from './Tenants.js'
import { Users } from './Users.js'

export type ActiveTenant = Me['tenants'][number]

/** The person looking: the tenant they act in (with their role there), and whether they are a platform admin. */
export interface Viewer { tenant: ActiveTenant | null, platformAdmin: boolean }

/** A screen of the active tenant: its `api` names that tenant in every call (X-Tenant-Id). */
export interface TenantScreenProps {
  api: Api
  tenant: ActiveTenant
  me: Me
  /** Reload who I am (tenant names, roles) after a change to them. */
  reloadMe: () => Promise<Me | null>
}
/** A screen of the person, whatever tenant is active: its `api` names no tenant. */
export interface PersonScreenProps extends Viewer {
  api: Api
  me: Me
  /** After an invitation is answered: reload who I am, and switch to the tenant just joined. */
  onInvitationAnswered: (tenantId: string, accepted: boolean) => void
  /** Reload who I am after a change to my memberships. */
  reloadMe: () => Promise<Me | null>
  signOut: () => void
}

interface Entry { id: string, label: string }
/** Tenant screens are for the active tenant's members, or its admins only; their route names the tenant. */
export interface TenantScreen extends Entry { audience: 'tenant-member' | 'tenant-admin', component: (props: TenantScreenProps) => ReactNode }
/** Person screens are for anyone signed in, or platform admins only. */
export interface PersonScreen extends Entry { audience: 'anyone' | 'platform-admin', component: (props: PersonScreenProps) => ReactNode }
export type Screen = TenantScreen | PersonScreen

const tenantScreen = (s: TenantScreen) => s
const personScreen = (s: PersonScreen) => s

/** In navigation order. */
export const SCREENS: readonly Screen[] = [
  tenantScreen({ id: 'orders', label: 'Orders', audience: 'tenant-member', component: ({ api, tenant }) => <Orders api={api} tenantName={tenant.name} admin={tenant.groups.includes('admins')} /> }),
  tenantScreen({ id: 'projects', label: 'Projects', audience: 'tenant-member', component: ({ api, tenant }) => <Projects api={api} tenantName={tenant.name} admin={tenant.groups.includes('admins')} /> }),
  tenantScreen({ id: 'users', label: 'Users', audience: 'tenant-admin', component: ({ api, tenant, me }) => <Users api={api} tenantName={tenant.name} selfId={me.userId} /> }),
  tenantScreen({ id: 'audit', label: 'Audit trail', audience: 'tenant-admin', component: ({ api, tenant }) => <Audit api={api} tenantName={tenant.name} /> }),
  tenantScreen({ id: 'domains', label: 'Domains', audience: 'tenant-admin', component: ({ api, tenant }) => <Domains api={api} tenantName={tenant.name} /> }),
  tenantScreen({ id: 'sso', label: 'SSO', audience: 'tenant-admin', component: ({ api, tenant }) => <SsoConnections api={api} tenantName={tenant.name} domainsHref={routeHref('domains', tenant.tenantId)} /> }),
  tenantScreen({ id: 'settings', label: 'Tenant settings', audience: 'tenant-admin', component: ({ api, tenant, reloadMe }) => <TenantSettings api={api} tenantName={tenant.name} onRenamed={() => { void reloadMe() }} /> }),
  personScreen({
    id: 'invitations',
    label: 'My invitations',
    audience: 'anyone',
    component: ({ api, tenant, platformAdmin, onInvitationAnswered }) => (
      <>
        <Invitations api={api} onAnswered={onInvitationAnswered} />
        {tenant === null && !platformAdmin && <p className='muted'>You belong to no tenant yet: accept an invitation to start.</p>}
      </>
    )
  }),
  personScreen({ id: 'account', label: 'My account', audience: 'anyone', component: ({ api, me, reloadMe, signOut }) => <Account api={api} me={me} reloadMe={reloadMe} signOut={signOut} /> }),
  personScreen({ id: 'tenants', label: 'Tenants', audience: 'platform-admin', component: ({ api }) => <Tenants api={api} /> })
]

export const screenById = (id: string | null): Screen | null => SCREENS.find(s => s.id === id) ?? null

export const isTenantScreen = (s: Screen): s is TenantScreen => s.audience === 'tenant-member' || s.audience === 'tenant-admin'

export function mayOpen (s: Screen, { tenant, platformAdmin }: Viewer): boolean {
  switch (s.audience) {
    case 'anyone': return true
    case 'platform-admin': return platformAdmin
    case 'tenant-member': return tenant !== null
    case 'tenant-admin': return tenant?.groups.includes('admins') ?? false
  }
}

/** Where a viewer lands: the first screen for a role they hold (a tenant's orders, else the tenants), else one for anyone. */
export function homeScreen (viewer: Viewer): Screen {
  const open = SCREENS.filter(s => mayOpen(s, viewer))
  return open.find(s => s.audience !== 'anyone') ?? open[0] ?? SCREENS[0] as Screen
}

/** Why a viewer may not open `s`: the role it needs, and what they hold. */
export function refusal (s: Screen, { tenant }: Viewer): string {
  switch (s.audience) {
    case 'tenant-admin': return tenant !== null
      ? `${s.label} needs the admin role in ${tenant.name}; you are a member there.`
      : `${s.label} needs the admin role in a tenant; you belong to no tenant yet.`
    case 'tenant-member': return `${s.label} needs a membership in a tenant; you belong to no tenant yet.`
    case 'platform-admin': return `${s.label} needs the platform admin role.`
    case 'anyone': return ''
  }
}
