import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, ticketInput, type Harness, type TestOrg, TT, INC, SP } from './support/harness.js';

/**
 * Issue 5, point 3 (EV-1): tickets, problems, incidents and outage notices link to each
 * other through their reference attributes; a link shows at both ends (`linkedEntity`),
 * only to organisations that can see both resources; references to resources a reader
 * cannot see are left out of what it reads and survive its updates.
 */

type Doc = { id: string; href: string; linkedEntity?: Link[]; relatedEntity?: unknown[]; troubleTicket?: unknown[]; [k: string]: unknown };
type Link = { role: string; direction: string; entity: { id: string; href?: string; name?: string; '@referredType': string } };

let h: Harness;
let dso: TestOrg;
let mnoA: TestOrg;
let mnoB: TestOrg;

beforeAll(async () => {
  h = await createHarness();
  ({ dso, mno: mnoA } = await h.partners({ dso: 'Nordnetz Verteilung', mno: 'Alpha Mobil' }));
  mnoB = await h.createPartner(dso, 'Beta Mobil');
});
afterAll(async () => h?.close());

const responsibleParty = (org: TestOrg) => ({ role: 'responsible', partyOrPartyRole: { id: org.id } });
/** A related entity as a standard client sends it (issue 11: responses carry the standard @type). */
const entity = (id: string, type: string, role = 'related') => ({
  role,
  '@type': 'RelatedEntity',
  entity: { id, '@referredType': type, '@type': 'EntityRef' },
});

async function post(url: string, key: string, body: unknown): Promise<Doc> {
  const res = await h.call('POST', url, { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Doc;
}
const problem = (from: TestOrg, to: TestOrg, extra: Record<string, unknown> = {}) =>
  post(`${SP}/serviceProblem`, from.keys.operator, {
    category: 'c',
    description: 'd',
    reason: 'unknown',
    priority: 3,
    responsibleParty: responsibleParty(to),
    ...extra,
  });
const incident = (from: TestOrg, to: TestOrg, extra: Record<string, unknown> = {}) =>
  post(`${INC}/incident`, from.keys.operator, {
    name: 'Cell down',
    category: 'c',
    domain: 'RAN',
    priority: 'high',
    occurTime: h.clock.now().toISOString(),
    sourceObject: [{ id: 'RTU-1' }],
    relatedParty: [responsibleParty(to)],
    ...extra,
  });
const ticket = (from: TestOrg, to: TestOrg, extra: Record<string, unknown> = {}) => post(TT, from.keys.operator, ticketInput(to, extra));
const read = async (url: string, key: string) => {
  const res = await h.call('GET', url, { key });
  return { status: res.status, body: res.body as Doc };
};
const linksOf = (d: Doc) =>
  (d.linkedEntity ?? []).map((l) => `${l.direction}:${l.role}:${l.entity['@referredType']}:${l.entity.id}`).sort();

describe('links are visible from both ends', () => {
  it('ticket <- problem -> incident: each end lists the link, with href and name, for both parties', async () => {
    const t = await ticket(dso, mnoA, { name: 'RTU-4711 offline' });
    const i = await incident(dso, mnoA, { name: 'Cell 4711 down' });
    const p = await problem(dso, mnoA, {
      troubleTicket: [{ id: t.id }],
      relatedEntity: [entity(i.id, 'Incident', 'symptom'), entity('RTU-4711', 'GeographicSite', 'site')],
    });
    for (const org of [dso, mnoA]) {
      const pp = (await read(`${SP}/serviceProblem/${p.id}`, org.keys.viewer)).body;
      expect(linksOf(pp)).toEqual([`outgoing:symptom:Incident:${i.id}`, `outgoing:troubleTicket:TroubleTicket:${t.id}`].sort());
      expect(pp.linkedEntity!.find((l) => l.entity.id === t.id)!.entity).toEqual({
        id: t.id,
        href: `${TT}/${t.id}`,
        name: 'RTU-4711 offline',
        '@referredType': 'TroubleTicket',
      });
      // Plain references (a site) stay as they are and are no link.
      expect(pp.relatedEntity).toHaveLength(2);
      const tt = (await read(`${TT}/${t.id}`, org.keys.viewer)).body;
      expect(linksOf(tt)).toEqual([`incoming:troubleTicket:ServiceProblem:${p.id}`]);
      expect(tt.linkedEntity![0]!.entity.href).toBe(`${SP}/serviceProblem/${p.id}`);
      const ii = (await read(`${INC}/incident/${i.id}`, org.keys.viewer)).body;
      expect(linksOf(ii)).toEqual([`incoming:symptom:ServiceProblem:${p.id}`]);
    }
    // Lists carry the links too.
    const list = await h.call('GET', `${TT}?id=${t.id}`, { key: mnoA.keys.viewer });
    expect(linksOf((list.body as Doc[])[0]!)).toEqual([`incoming:troubleTicket:ServiceProblem:${p.id}`]);
  });

  it('a ticket can reference problems and incidents (relatedEntity) and other tickets (troubleTicketRelationship)', async () => {
    const p = await problem(dso, mnoA);
    const other = await ticket(dso, mnoA);
    const t = await ticket(dso, mnoA, {
      relatedEntity: [entity(p.id, 'ServiceProblem', 'cause')],
      troubleTicketRelationship: [{ id: other.id, relationshipType: 'isDuplicateOf' }],
    });
    expect(linksOf(t)).toEqual([`outgoing:cause:ServiceProblem:${p.id}`, `outgoing:isDuplicateOf:TroubleTicket:${other.id}`].sort());
    expect(linksOf((await read(`${SP}/serviceProblem/${p.id}`, mnoA.keys.viewer)).body)).toEqual([`incoming:cause:TroubleTicket:${t.id}`]);
    expect(linksOf((await read(`${TT}/${other.id}`, mnoA.keys.viewer)).body)).toEqual([`incoming:isDuplicateOf:TroubleTicket:${t.id}`]);
    // Removing the reference removes the link at both ends.
    const res = await h.patch(`${TT}/${t.id}`, dso.keys.operator, { relatedEntity: [] });
    expect(res.status).toBe(200);
    expect(linksOf(res.body as Doc)).toEqual([`outgoing:isDuplicateOf:TroubleTicket:${other.id}`]);
    expect((await read(`${SP}/serviceProblem/${p.id}`, mnoA.keys.viewer)).body.linkedEntity).toBeUndefined();
    // Deleting a ticket drops its links.
    expect((await h.call('DELETE', `${TT}/${t.id}`, { key: dso.keys.admin })).status).toBe(204);
    expect((await read(`${TT}/${other.id}`, dso.keys.viewer)).body.linkedEntity).toBeUndefined();
  });

  it('a ticket can get its ITIL priority from impact and urgency characteristics', async () => {
    const t = await ticket(dso, mnoA, {
      troubleTicketCharacteristic: [
        { name: 'impact', value: 'high' },
        { name: 'urgency', value: 'medium' },
      ],
    });
    expect(t.priority).toBe('2');
  });
});

describe('only organisations that can see both resources see a link', () => {
  it("the DSO links a problem with MNO B to an incident with MNO A: the DSO sees it at both ends, neither MNO sees the other's resource", async () => {
    const i = await incident(dso, mnoA);
    const q = await problem(dso, mnoB, {
      relatedEntity: [entity(i.id, 'Incident', 'sameRootCause'), entity('RTU-9', 'GeographicSite', 'site')],
    });
    // The DSO sees both ends.
    expect(linksOf((await read(`${SP}/serviceProblem/${q.id}`, dso.keys.viewer)).body)).toEqual([
      `outgoing:sameRootCause:Incident:${i.id}`,
    ]);
    expect(linksOf((await read(`${INC}/incident/${i.id}`, dso.keys.viewer)).body)).toEqual([
      `incoming:sameRootCause:ServiceProblem:${q.id}`,
    ]);
    // MNO B sees the problem, but neither the link nor the reference to A's incident.
    const qb = (await read(`${SP}/serviceProblem/${q.id}`, mnoB.keys.viewer)).body;
    expect(qb.linkedEntity).toBeUndefined();
    expect(qb.relatedEntity).toEqual([entity('RTU-9', 'GeographicSite', 'site')]);
    expect(JSON.stringify(qb)).not.toContain(i.id);
    // MNO A sees the incident without the link to B's problem.
    const ia = (await read(`${INC}/incident/${i.id}`, mnoA.keys.viewer)).body;
    expect(ia.linkedEntity).toBeUndefined();
    expect(JSON.stringify(ia)).not.toContain(q.id);

    // MNO B replacing the array it was shown does not drop what it could not see.
    const upd = await h.patch(`${SP}/serviceProblem/${q.id}`, mnoB.keys.operator, {
      relatedEntity: [entity('RTU-10', 'GeographicSite', 'site')],
    });
    expect(upd.status).toBe(200);
    expect((upd.body as Doc).relatedEntity).toEqual([entity('RTU-10', 'GeographicSite', 'site')]);
    const qd = (await read(`${SP}/serviceProblem/${q.id}`, dso.keys.viewer)).body;
    expect(qd.relatedEntity).toEqual([entity('RTU-10', 'GeographicSite', 'site'), entity(i.id, 'Incident', 'sameRootCause')]);
    expect(linksOf(qd)).toEqual([`outgoing:sameRootCause:Incident:${i.id}`]);
    // The DSO (who sees both) can remove it.
    const rm = await h.patch(`${SP}/serviceProblem/${q.id}`, dso.keys.operator, { relatedEntity: null });
    expect(rm.status).toBe(200);
    expect((await read(`${INC}/incident/${i.id}`, dso.keys.viewer)).body.linkedEntity).toBeUndefined();
  });

  it('nobody can link to a resource it cannot see (422, as if it did not exist), on create and on patch', async () => {
    const i = await incident(dso, mnoA);
    const t = await ticket(dso, mnoA);
    const res = await h.call('POST', `${SP}/serviceProblem`, {
      key: mnoB.keys.operator,
      body: {
        category: 'c',
        description: 'd',
        reason: 'r',
        priority: 3,
        responsibleParty: responsibleParty(dso),
        relatedEntity: [entity(i.id, 'Incident')],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('UNKNOWN_REFERENCE');
    expect(res.body.message).toBe(`relatedEntity[0]: Incident ${i.id} does not exist`);
    const q = await problem(mnoB, dso);
    const p = await h.patch(`${SP}/serviceProblem/${q.id}`, mnoB.keys.operator, { troubleTicket: [{ id: t.id }] });
    expect(p.status).toBe(422);
    const inc = await h.call('POST', `${INC}/incident`, {
      key: mnoB.keys.operator,
      body: {
        name: 'x',
        category: 'c',
        domain: 'd',
        priority: 'low',
        occurTime: h.clock.now().toISOString(),
        sourceObject: [{ id: 's' }],
        relatedParty: [responsibleParty(dso)],
        relatedEntity: [entity(t.id, 'TroubleTicket')],
      },
    });
    expect(inc.status).toBe(422);
    // A ticket silently keeps such a reference as a plain one, without a link (the ticket API predates links).
    const tb = await ticket(mnoB, dso, { relatedEntity: [entity(t.id, 'TroubleTicket')] });
    expect(tb.linkedEntity).toBeUndefined();
    expect(tb.relatedEntity).toBeUndefined();
    expect(await h.db.prisma.resourceLink.count({ where: { fromId: tb.id } })).toBe(0);
    expect((await read(`${TT}/${t.id}`, dso.keys.viewer)).body.linkedEntity).toBeUndefined();
  });
});

describe('energy outage notices', () => {
  it('link by id and type; visible to the DSO and to MNOs in the audience only', async () => {
    const n = crypto.randomUUID();
    await h.db.prisma.$executeRawUnsafe(
      `INSERT INTO energy_outage_notice (id, dso_org_id, audience, status, outage_kind, creation_date, last_update, doc)
       VALUES ($1::uuid, $2::uuid, $3::uuid[], 'confirmed', 'unplanned', now(), now(), $4::jsonb)`,
      n,
      dso.id,
      [mnoA.id],
      JSON.stringify({ id: n, name: 'Storm Nord, feeder 12' }),
    );
    const pa = await problem(dso, mnoA, { relatedEntity: [entity(n, 'EnergyOutageNotice', 'cause')] });
    expect(pa.linkedEntity).toEqual([
      {
        role: 'cause',
        direction: 'outgoing',
        entity: {
          id: n,
          href: `/tmf-api/energyOutage/v1/energyOutageNotice/${n}`,
          name: 'Storm Nord, feeder 12',
          '@referredType': 'EnergyOutageNotice',
        },
        '@type': 'RelatedEntity',
      },
    ]);
    expect(linksOf((await read(`${SP}/serviceProblem/${pa.id}`, mnoA.keys.viewer)).body)).toEqual([
      `outgoing:cause:EnergyOutageNotice:${n}`,
    ]);
    // The DSO may reference it in a problem with MNO B, who is not in the audience: B does not see it.
    const pb = await problem(dso, mnoB, { relatedEntity: [entity(n, 'EnergyOutageNotice', 'cause')] });
    expect(linksOf(pb)).toEqual([`outgoing:cause:EnergyOutageNotice:${n}`]);
    const seenByB = (await read(`${SP}/serviceProblem/${pb.id}`, mnoB.keys.viewer)).body;
    expect(seenByB.linkedEntity).toBeUndefined();
    expect(seenByB.relatedEntity).toBeUndefined();
    // MNO B cannot reference it at all.
    const res = await h.call('POST', `${INC}/incident`, {
      key: mnoB.keys.operator,
      body: {
        name: 'x',
        category: 'c',
        domain: 'd',
        priority: 'low',
        occurTime: h.clock.now().toISOString(),
        sourceObject: [{ id: 's' }],
        relatedParty: [responsibleParty(dso)],
        relatedEntity: [entity(n, 'EnergyOutageNotice')],
      },
    });
    expect(res.status).toBe(422);
  });
});

describe('resolving an incident updates the problems linked to it', () => {
  it('linked problems of the same two organisations get a tracking record and an attribute-change event', async () => {
    const i = await incident(dso, mnoA);
    const p = await problem(dso, mnoA, { relatedEntity: [entity(i.id, 'Incident', 'symptom')] });
    const unrelated = await problem(dso, mnoA);
    h.clock.advance(60_000);
    const r = await h.call('POST', `${INC}/resolveIncident`, { key: mnoA.keys.operator, body: { incident: { id: i.id } } });
    expect(r.status).toBe(201);
    const after = (await read(`${SP}/serviceProblem/${p.id}`, dso.keys.viewer)).body as Doc & {
      trackingRecord: { description: string; time: string }[];
    };
    expect(after.trackingRecord.at(-1)).toMatchObject({
      description: `linked incident ${i.id} cleared`,
      time: h.clock.now().toISOString(),
    });
    const events = await h.db.prisma.event.findMany({ where: { resourceId: p.id }, orderBy: { sequence: 'asc' } });
    expect(events.at(-1)!.eventType).toBe('ServiceProblemAttributeValueChangeEvent');
    const other = (await read(`${SP}/serviceProblem/${unrelated.id}`, dso.keys.viewer)).body as Doc & { trackingRecord: unknown[] };
    expect(other.trackingRecord).toHaveLength(1);
  });
});
