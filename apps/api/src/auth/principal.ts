import type { CommandActor } from '#libs/domain';

import type { Role } from '#libs/platform';

export { type Role, ROLES } from '#libs/platform';

/** Read/write areas an integrator API key can be scoped to. */
export const SCOPES = ['jobs:read', 'jobs:write', 'technicians:read', 'technicians:write', 'devices:read', 'devices:write', 'places:read', 'places:write'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling, resolved from a JWT or an API key; every query is scoped by its tenantId. */
export interface Principal {
  tenantId: string;
  kind: 'user' | 'api_key';
  id: string;
  role: Role;
  technicianId?: string;
  /** API keys only: what the key may touch. */
  scopes?: readonly Scope[];
}

export function actorOf(principal: Principal): CommandActor {
  // Integrator users act like their API keys: back-office systems, trusted within their tenant.
  if (principal.kind === 'api_key' || principal.role === 'integrator') return { kind: 'integrator', id: principal.id };
  return { kind: 'user', id: principal.id, role: principal.role, technicianId: principal.technicianId };
}
