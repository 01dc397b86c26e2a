import type { Actor, Role } from './context.js';
import { forbidden } from './errors.js';

/**
 * Who may call what. Reads need any organisation key (viewer and up); writes need an
 * operator; a few operations need the organisation's admin or the platform-admin token.
 * Operations not listed follow the HTTP method.
 */
type Requirement = Role | 'platform' | 'platformOrOrganization';

const special: Record<string, Requirement> = {
  createOrganization: 'platform',
  rotateSigningKey: 'platform',
  listOrganization: 'platformOrOrganization',
  retrieveOrganization: 'platformOrOrganization',
  createPartnership: 'admin',
  patchPartnership: 'admin',
  createApiKey: 'admin',
  listApiKey: 'admin',
  retrieveApiKey: 'admin',
  revokeApiKey: 'admin',
  deleteTroubleTicket: 'admin',
  // the audit module admits admin keys and the platform token
  listAuditRecord: 'platformOrOrganization',
  retrieveAuditRecord: 'platformOrOrganization',
  listSecurityAlarm: 'platformOrOrganization',
  // issue 13: any signed-in person reads and ends their own session; admins manage users
  retrieveSession: 'platformOrOrganization',
  deleteSession: 'platformOrOrganization',
  listUser: 'admin',
  createUser: 'admin',
  retrieveUser: 'admin',
  patchUser: 'admin',
  deleteUser: 'admin',
};

const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function requirementFor(operationId: string, method: string): Requirement {
  return special[operationId] ?? (method.toUpperCase() === 'GET' ? 'viewer' : 'operator');
}

export function authorize(actor: Actor, operationId: string, method: string): void {
  const need = requirementFor(operationId, method);
  if (need === 'platformOrOrganization') return;
  if (need === 'platform') {
    if (actor.kind !== 'platform') throw forbidden(`${operationId} requires the platform-admin token`);
    return;
  }
  if (actor.kind !== 'organization') throw forbidden(`${operationId} requires an organisation API key`);
  if (rank[actor.role] < rank[need]) {
    throw forbidden(`${operationId} requires the ${need} role; this key has the ${actor.role} role`);
  }
}
