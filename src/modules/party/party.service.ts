import crypto from 'node:crypto';
import type { Database, Reader } from '../../db/client.js';
import type { AuthenticatedActor as Actor, OrganizationActor } from '../../http/context.js';
import { badRequest, conflict, notFound, unprocessable } from '../../http/errors.js';
import { generateApiKey } from '../../auth/apiKeys.js';
import { writeEvents } from '../../events/outbox.js';
import { isUuid } from '../../db/resourceStore.js';
import { checkPartnershipMove, statusHistoryOf, type PartnershipStatus, type StatusChangeEntry } from './partnership.lifecycle.js';
import type { ApiKeyRole, OrganizationKind } from '../../generated/prisma/client.js';
import {
  createPartyRepository,
  insertApiKey,
  insertOrganization,
  insertPartnership,
  lockPartnershipStatus,
  organizationById,
  organizationName,
  partnerRow,
  partnershipById,
  partnershipByPair,
  updatePartnership,
} from './party.repository.js';

export type { StatusChangeEntry } from './partnership.lifecycle.js';

export type PartyService = ReturnType<typeof createPartyService>;

export function createPartyService(deps: { db: Database; now: () => Date }) {
  const { db, now } = deps;
  const repo = createPartyRepository(db);

  /** The partnership with this id if the actor may see it; `find` reads it (on a transaction or outside one). */
  const visiblePartnership = async <P extends { dsoId: string; mnoId: string }>(
    find: (id: string) => Promise<P | null>,
    actor: Actor,
    id: string,
  ) => {
    if (!isUuid(id)) return undefined;
    const p = await find(id);
    if (!p) return undefined;
    if (actor.kind === 'organization' && p.dsoId !== actor.organizationId && p.mnoId !== actor.organizationId) return undefined;
    return p;
  };

  return {
    async createOrganization(input: { name: string; kind: OrganizationKind; country: string }) {
      return db.transaction(async (tx) => {
        const org = await insertOrganization(tx, {
          id: crypto.randomUUID(),
          name: input.name.trim(),
          kind: input.kind,
          country: input.country,
          createdAt: now(),
        });
        const key = generateApiKey();
        const apiKey = await insertApiKey(tx, {
          id: crypto.randomUUID(),
          organizationId: org.id,
          name: 'initial admin key',
          role: 'admin',
          prefix: key.prefix,
          digest: key.digest,
          createdAt: now(),
        });
        return { org, apiKey, secret: key.key };
      });
    },

    async listOrganizations(actor: Actor) {
      if (actor.kind === 'platform') return repo.allOrganizations();
      const partnerships = await repo.partnerIdsOf(actor.organizationId);
      const ids = new Set([actor.organizationId, ...partnerships.flatMap((p) => [p.dsoId, p.mnoId])]);
      return repo.organizationsByIds([...ids]);
    },

    async getOrganization(actor: Actor, id: string) {
      const visible = (await this.listOrganizations(actor)).find((o) => o.id === id);
      if (!visible) throw notFound('Organization', id);
      return visible;
    },

    async createPartnership(actor: OrganizationActor, input: { counterparty: { id: string }; tier?: string }) {
      const otherId = input.counterparty.id;
      if (otherId === actor.organizationId) throw unprocessable('An organisation cannot partner with itself');
      return db.transaction(async (tx) => {
        const other = isUuid(otherId) ? await organizationById(tx, otherId) : null;
        if (!other) throw unprocessable(`counterparty.id ${otherId} does not name an organisation`, 'UNKNOWN_ORGANIZATION');
        if (other.kind === actor.organizationKind) {
          throw unprocessable(`A partnership joins one DSO and one MNO; both organisations are ${other.kind}s`);
        }
        const dsoId = actor.organizationKind === 'DSO' ? actor.organizationId : other.id;
        const mnoId = actor.organizationKind === 'MNO' ? actor.organizationId : other.id;
        const existing = await partnershipByPair(tx, dsoId, mnoId);
        const t = now();
        const history: StatusChangeEntry[] = [
          { status: 'proposed', statusChangeDate: t.toISOString(), actor: { organizationId: actor.organizationId } },
        ];
        if (existing && existing.status !== 'terminated') {
          throw conflict(`A partnership between these organisations already exists (${existing.id}, ${existing.status})`, 'DUPLICATE');
        }
        const data = {
          proposedById: actor.organizationId,
          status: 'proposed' as const,
          statusReason: null,
          tier: input.tier ?? 'standard',
          lastUpdate: t,
        };
        const p = existing
          ? await updatePartnership(tx, existing.id, {
              ...data,
              statusChangeHistory: [...statusHistoryOf(existing.statusChangeHistory), ...history],
            })
          : await insertPartnership(tx, {
              id: crypto.randomUUID(),
              dsoId,
              mnoId,
              createdAt: t,
              statusChangeHistory: history,
              ...data,
            });
        await writeEvents(tx, [
          {
            eventType: 'PartnershipCreateEvent',
            resourceType: 'partnership',
            resource: { id: p.id, status: p.status, dso: { id: dsoId }, mno: { id: mnoId } },
            audience: [dsoId, mnoId],
            originatorOrgId: actor.organizationId,
            eventTime: t,
          },
        ]);
        return p;
      });
    },

    async listPartnerships(actor: Actor) {
      return repo.partnershipsOf(actor.kind === 'platform' ? undefined : actor.organizationId);
    },

    async getPartnership(actor: Actor, id: string) {
      const p = await visiblePartnership(repo.partnershipById, actor, id);
      if (!p) throw notFound('Partnership', id);
      return p;
    },

    async changePartnershipStatus(actor: OrganizationActor, id: string, input: { status: PartnershipStatus; statusReason?: string }) {
      return db.transaction(async (tx) => {
        const found = await visiblePartnership((pid) => partnershipById(tx, pid), actor, id);
        if (!found) throw notFound('Partnership', id);
        const from = await lockPartnershipStatus<PartnershipStatus>(tx, id);
        const history = statusHistoryOf(found.statusChangeHistory);
        const lastSuspension = [...history].reverse().find((h) => h.status === 'suspended');
        if (from === input.status) throw badRequest(`The partnership is already ${from}`, 'NO_CHANGE');
        checkPartnershipMove({
          from,
          to: input.status,
          actorOrgId: actor.organizationId,
          proposedById: found.proposedById,
          suspendedById: lastSuspension?.actor.organizationId,
        });
        const t = now();
        const entry: StatusChangeEntry = {
          status: input.status,
          statusChangeDate: t.toISOString(),
          actor: { organizationId: actor.organizationId },
          ...(input.statusReason ? { statusChangeReason: input.statusReason } : {}),
        };
        const p = await updatePartnership(tx, id, {
          status: input.status,
          statusReason: input.statusReason ?? null,
          lastUpdate: t,
          statusChangeHistory: [...history, entry],
        });
        await writeEvents(tx, [
          {
            eventType: 'PartnershipStatusChangeEvent',
            resourceType: 'partnership',
            resource: { id: p.id, status: p.status, dso: { id: p.dsoId }, mno: { id: p.mnoId }, statusReason: p.statusReason },
            audience: [p.dsoId, p.mnoId],
            originatorOrgId: actor.organizationId,
            eventTime: t,
          },
        ]);
        return p;
      });
    },

    /** Whether two organisations may exchange records now (GW-9). */
    async isActivePartner(tx: Reader, orgA: string, orgB: string): Promise<boolean> {
      return (await this.partnerOf(tx, orgA, orgB)).active;
    },

    /**
     * What filing a record with a partner needs, in one statement: whether the partnership
     * is active (GW-9) and both organisations' names (for the party references).
     */
    async partnerOf(
      tx: Reader,
      actorOrg: string,
      partnerOrg: string,
    ): Promise<{ active: boolean; actorName?: string; partnerName?: string }> {
      if (!isUuid(actorOrg) || !isUuid(partnerOrg)) return { active: false };
      const row = await partnerRow(tx, actorOrg, partnerOrg);
      return { active: row?.active === true, actorName: row?.actor_name ?? undefined, partnerName: row?.partner_name ?? undefined };
    },

    /** An organisation's name (stamped on notes and party references). */
    async orgName(tx: Reader, id: string): Promise<string | undefined> {
      if (!isUuid(id)) return undefined;
      return organizationName(tx, id);
    },

    async createApiKey(actor: OrganizationActor, input: { name: string; role: ApiKeyRole }) {
      const key = generateApiKey();
      const row = await repo.insertApiKey({
        id: crypto.randomUUID(),
        organizationId: actor.organizationId,
        name: input.name,
        role: input.role,
        prefix: key.prefix,
        digest: key.digest,
        createdAt: now(),
      });
      return { row, secret: key.key };
    },

    listApiKeys(actor: OrganizationActor) {
      return repo.apiKeysOf(actor.organizationId);
    },

    async getApiKey(actor: OrganizationActor, id: string) {
      const k = isUuid(id) ? await repo.apiKeyOf(actor.organizationId, id) : null;
      if (!k) throw notFound('ApiKey', id);
      return k;
    },

    async revokeApiKey(actor: OrganizationActor, id: string) {
      const k = await this.getApiKey(actor, id);
      if (!k.revokedAt) await repo.revokeApiKey(id, now());
    },
  };
}
