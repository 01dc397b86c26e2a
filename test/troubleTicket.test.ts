import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, apiKeyId, createHarness, ticketInput, type Harness, type TestOrg, TT, MERGE, JSON_PATCH } from './support/harness.js';
import {
  FINAL,
  STATUSES,
  TRANSITIONS,
  allowedMoves,
  reasonRequired,
  viaAcknowledged,
  type Side,
  type TicketStatus,
} from '../src/modules/troubleTicket/troubleTicket.lifecycle.js';
import { writeEvents } from '../src/events/outbox.js';

/**
 * Issue 2, points 4-6 and 8-10: the TMF621 Trouble Ticket API end to end on PostgreSQL.
 * PI-2 (DSO -> MNO incident report), GW-1/GW-9 (exchange only under an active
 * partnership), GW-2/GW-3 (audit log), tenancy and the transactional outbox.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Note {
  id: string;
  author: string;
  date: string;
  text: string;
  '@type'?: string;
}
interface StatusChange {
  status: string;
  statusChangeDate: string;
  statusChangeReason?: string;
  actor: { organizationId: string; credentialId?: string };
}
interface Ticket {
  id: string;
  href: string;
  status: TicketStatus;
  note: Note[];
  statusChangeHistory: StatusChange[];
  [attribute: string]: unknown;
}

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;
/** A third organisation: another MNO with its own active partnership with `dso`. */
let other: TestOrg;

beforeAll(async () => {
  h = await createHarness();
  ({ dso, mno } = await h.partners({ dso: 'Nordnetz Verteilung', mno: 'Funkwerk Mobil' }));
  other = await h.createPartner(dso, 'Drittnetz Mobil');
});
afterAll(async () => h?.close());

const nowIso = () => h.clock.now().toISOString();

async function createTicket(reporter: TestOrg, responsible: TestOrg, overrides: Record<string, unknown> = {}): Promise<Ticket> {
  const res = await h.call('POST', TT, { key: reporter.keys.operator, body: ticketInput(responsible, overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Ticket;
}

function patch(key: string, id: string, body: unknown, contentType = MERGE) {
  return h.call('PATCH', `${TT}/${id}`, { key, body, contentType });
}

function list(key: string, query = '', opts: { skipValidation?: boolean } = {}) {
  return h.call('GET', `${TT}${query ? `?${query}` : ''}`, { key, ...opts });
}

const ids = (body: { id: string }[]) => body.map((t) => t.id);

/** What a refused command must leave untouched: the row (version and document) and the outbox. */
async function snapshot(id: string) {
  const row = await h.db.prisma.troubleTicket.findUnique({ where: { id } });
  const events = await h.db.prisma.event.count({ where: { resourceId: id } });
  const allEvents = await h.db.prisma.event.count();
  return { version: row?.version, doc: row?.doc, status: row?.status, events, allEvents };
}

async function eventsOf(id: string) {
  return h.db.prisma.event.findMany({ where: { resourceId: id }, orderBy: { sequence: 'asc' } });
}

/** Expects `res` to be a refusal with `status` that changed nothing about ticket `id`. */
async function expectRefused(
  res: { status: number; body: { code?: string } },
  status: number,
  id: string,
  before: Awaited<ReturnType<typeof snapshot>>,
) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(await snapshot(id)).toEqual(before);
}

// ---------------------------------------------------------------------------------------
// Lifecycle helpers, generated from the transition table itself.

interface Move {
  from: TicketStatus;
  to: TicketStatus;
  side: Side;
}

const SIDES: Side[] = ['reporter', 'responsible'];
const ALLOWED: Move[] = STATUSES.flatMap((from) =>
  (Object.entries(TRANSITIONS[from]) as [TicketStatus, Side[]][]).flatMap(([to, sides]) => sides.map((side) => ({ from, to, side }))),
);
/**
 * Issue 11: moves a standard client makes on a `submitted` ticket it sees as `acknowledged`
 * are not refusals: the responsible side moving on acknowledges on the way, and the
 * reporter sending back `acknowledged` changes nothing. Tested on their own below.
 */
const shownAsAcknowledged = (m: Move) =>
  viaAcknowledged(m.from, m.to, m.side) || (m.from === 'submitted' && m.to === 'acknowledged' && m.side === 'reporter');
const FORBIDDEN: Move[] = STATUSES.flatMap((from) =>
  STATUSES.filter((to) => to !== from).flatMap((to) =>
    SIDES.filter((side) => !(TRANSITIONS[from][to] ?? []).includes(side)).map((side) => ({ from, to, side })),
  ),
).filter((m) => !shownAsAcknowledged(m));
/** Gridlink's exact state of a ticket as returned (issue 11: `gridlinkStatus ?? status`). */
const exact = (t: { status: string; gridlinkStatus?: string }) => t.gridlinkStatus ?? t.status;

/** Shortest sequence of allowed moves from `submitted` to `target` (breadth-first over TRANSITIONS). */
function pathTo(target: TicketStatus): { to: TicketStatus; side: Side }[] {
  const prev = new Map<TicketStatus, { from: TicketStatus; side: Side }>();
  const queue: TicketStatus[] = ['submitted'];
  while (queue.length) {
    const from = queue.shift()!;
    for (const [to, sides] of Object.entries(TRANSITIONS[from]) as [TicketStatus, Side[]][]) {
      if (to === 'submitted' || prev.has(to)) continue;
      prev.set(to, { from, side: sides[0]! });
      queue.push(to);
    }
  }
  const steps: { to: TicketStatus; side: Side }[] = [];
  for (let s = target; s !== 'submitted';) {
    const p = prev.get(s);
    if (!p) throw new Error(`${target} cannot be reached from submitted`);
    steps.unshift({ to: s, side: p.side });
    s = p.from;
  }
  return steps;
}

/** Lifecycle tests use their own partnership so that counts elsewhere stay exact. */
let lReporter: TestOrg;
let lResponsible: TestOrg;
const operatorOf = (side: Side) => (side === 'reporter' ? lReporter : lResponsible).keys.operator;

/** Drives a ticket to `target` through allowed moves, each with its own reason. */
async function walk(id: string, target: TicketStatus): Promise<Ticket> {
  let last: Ticket | undefined;
  for (const step of pathTo(target)) {
    h.clock.advance(MINUTE);
    const res = await patch(operatorOf(step.side), id, { status: step.to, statusChangeReason: `walking to ${step.to}` });
    expect(res.status, `walk to ${step.to}: ${JSON.stringify(res.body)}`).toBe(200);
    last = res.body as Ticket;
  }
  return last ?? ((await h.call('GET', `${TT}/${id}`, { key: lReporter.keys.viewer })).body as Ticket);
}

// =======================================================================================

describe('PI-2 create a trouble ticket (POST /troubleTicket)', () => {
  it('returns 201 with Location = href, the server-set reporter, stamped notes and status acknowledged (gridlinkStatus submitted, issue 11)', async () => {
    h.clock.advance(HOUR);
    const contact = { role: 'contact', partyOrPartyRole: { id: 'eng-42', name: 'On-call engineer', '@referredType': 'Individual' } };
    const res = await h.call('POST', TT, {
      key: dso.keys.operator,
      body: ticketInput(mno, {
        priority: '2',
        requestedResolutionDate: '2026-11-21T12:00:00+01:00',
        externalIdentifier: [{ id: 'INC0012345', owner: 'DSO ServiceNow', externalIdentifierType: 'incident' }],
        note: [{ text: 'Devices on the backup network report normally.' }],
        relatedEntity: [{ role: 'affectedSite', entity: { id: 'RTU-4711', '@referredType': 'Site' } }],
        attachment: [
          {
            name: 'ping.csv',
            mimeType: 'text/csv',
            size: { amount: 2048, units: 'bytes' },
            url: 'https://dso.example/ping.csv',
            '@type': 'AttachmentRef',
          },
        ],
        relatedParty: [...(ticketInput(mno).relatedParty as object[]), contact],
      }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const t = res.body as Ticket;
    expect(t.id).toMatch(UUID);
    expect(res.headers.location).toBe(t.href);
    expect(t.href).toBe(`${TT}/${t.id}`);
    const now = nowIso();
    expect(t).toMatchObject({
      '@type': 'TroubleTicket',
      // Issue 11: the standard value, Gridlink's exact state in the extension.
      status: 'acknowledged',
      gridlinkStatus: 'submitted',
      severity: 'major',
      ticketType: 'down',
      priority: '2',
      creationDate: now,
      lastUpdate: now,
      statusChangeDate: now,
      requestedResolutionDate: '2026-11-21T11:00:00.000Z',
      externalIdentifier: [{ id: 'INC0012345', owner: 'DSO ServiceNow' }],
      attachment: [{ mimeType: 'text/csv', size: { amount: 2048, units: 'bytes' }, url: 'https://dso.example/ping.csv' }],
    });
    expect(t.resolutionDate).toBeUndefined();
    // The reporter is the authenticated organisation, added by the server.
    const parties = t.relatedParty as { role: string; partyOrPartyRole: { id: string; name?: string } }[];
    expect(parties.filter((p) => p.role === 'reporter')).toEqual([
      expect.objectContaining({
        role: 'reporter',
        partyOrPartyRole: { id: dso.id, name: dso.name, '@referredType': 'Organization', '@type': 'PartyRef' },
      }),
    ]);
    expect(parties.find((p) => p.role === 'responsible')!.partyOrPartyRole).toMatchObject({ id: mno.id, name: mno.name });
    expect(parties.find((p) => p.role === 'contact')).toMatchObject(contact);
    // Notes are stamped by the server.
    expect(t.note).toEqual([
      {
        text: 'Devices on the backup network report normally.',
        id: expect.stringMatching(UUID),
        author: dso.name,
        date: now,
        '@type': 'Note',
      },
    ]);
    // The history starts with submitted (shown as acknowledged), with the actor.
    expect(t.statusChangeHistory).toEqual([
      {
        status: 'acknowledged',
        gridlinkStatus: 'submitted',
        statusChangeDate: now,
        '@type': 'StatusChange',
        actor: { organizationId: dso.id, credentialId: await apiKeyId(h, dso.keys.operator) },
      },
    ]);
    const row = await h.db.prisma.troubleTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(row).toMatchObject({
      reporterOrgId: dso.id,
      responsibleOrgId: mno.id,
      status: 'submitted',
      severity: 'major',
      priority: '2',
      version: 1,
    });
    expect(row.creationDate.toISOString()).toBe(now);

    // Retrieve returns the same representation, for both parties.
    for (const key of [dso.keys.viewer, mno.keys.viewer]) {
      const got = await h.call('GET', `${TT}/${t.id}`, { key });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(t);
    }
  });

  it('an MNO can file with its DSO partner too (the reporter is always the caller)', async () => {
    const t = await createTicket(mno, dso, { ticketType: 'maintenance', severity: 'minor' });
    const parties = t.relatedParty as { role: string; partyOrPartyRole: { id: string } }[];
    expect(parties.map((p) => [p.role, p.partyOrPartyRole.id])).toEqual([
      ['reporter', mno.id],
      ['responsible', dso.id],
    ]);
  });

  it('issue 11: a reporter entry naming the caller is accepted (one reporter entry); naming the responsible partner is 422', async () => {
    const before = await h.db.prisma.troubleTicket.count();
    const events = await h.db.prisma.event.count();
    const withReporter = (reporterId: string) =>
      ticketInput(mno, {
        relatedParty: [
          { role: 'reporter', partyOrPartyRole: { id: reporterId, '@referredType': 'Organization' } },
          { role: 'responsible', partyOrPartyRole: { id: mno.id, '@referredType': 'Organization' } },
        ],
      });
    const refused = await h.call('POST', TT, { key: dso.keys.operator, body: withReporter(mno.id) });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('REPORTER_SET_BY_SERVER');
    expect(await h.db.prisma.troubleTicket.count()).toBe(before);
    expect(await h.db.prisma.event.count()).toBe(events);

    const ok = await h.call('POST', TT, { key: dso.keys.operator, body: withReporter(dso.id) });
    expect(ok.status).toBe(201);
    const parties = ok.body.relatedParty as { role: string; partyOrPartyRole: { id: string } }[];
    expect(parties.map((p) => [p.role, p.partyOrPartyRole.id])).toEqual([
      ['reporter', dso.id],
      ['responsible', mno.id],
    ]);
  });

  it('at most one responsible organisation, not the caller itself (422; none at all: the reporter own ticket, issue 11)', async () => {
    const before = await h.db.prisma.troubleTicket.count();
    const ref = (id: string) => ({ role: 'responsible', partyOrPartyRole: { id, '@referredType': 'Organization' } });
    const cases: [unknown[], string][] = [
      [[ref(mno.id), ref(other.id)], 'RESPONSIBLE_AMBIGUOUS'],
      [[ref(dso.id)], 'INVALID_RESPONSIBLE'],
    ];
    for (const [relatedParty, code] of cases) {
      const res = await h.call('POST', TT, { key: dso.keys.operator, body: ticketInput(mno, { relatedParty }) });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe(code);
    }
    expect(await h.db.prisma.troubleTicket.count()).toBe(before);
  });

  it('GW-9: the responsible organisation must be an active partner (none, proposed, suspended, terminated, unknown -> 422)', async () => {
    const stranger = await h.createOrg('MNO', 'Stranger Mobil');
    const proposed = await h.createOrg('MNO', 'Proposed Mobil');
    const suspended = await h.createOrg('MNO', 'Suspended Mobil');
    const terminated = await h.createOrg('MNO', 'Terminated Mobil');
    await h.partner(dso, proposed, 'proposed');
    await h.partner(suspended, dso, 'suspended');
    await h.partner(dso, terminated, 'terminated');
    const before = await h.db.prisma.troubleTicket.count();
    const events = await h.db.prisma.event.count();
    const targets = [stranger.id, proposed.id, suspended.id, terminated.id, crypto.randomUUID(), 'not-a-uuid'];
    for (const id of targets) {
      const res = await h.call('POST', TT, {
        key: dso.keys.operator,
        body: ticketInput(mno, { relatedParty: [{ role: 'responsible', partyOrPartyRole: { id, '@referredType': 'Organization' } }] }),
      });
      expect(res.status, id).toBe(422);
      expect(res.body.code).toBe('NOT_A_PARTNER');
      expect(res.body.message).toContain(id);
    }
    // The counterparts cannot file with the DSO either.
    const back = await h.call('POST', TT, { key: suspended.keys.operator, body: ticketInput(dso) });
    expect(back.status).toBe(422);
    expect(await h.db.prisma.troubleTicket.count()).toBe(before);
    expect(await h.db.prisma.event.count()).toBe(events);
  });

  it('issue 11: properties outside the official TroubleTicket_FVO are 400 naming them; server-managed standard ones are ignored', async () => {
    const refused: [Record<string, unknown>, string][] = [
      [{ creationDate: '2020-01-01T00:00:00Z' }, "unknown property 'creationDate'"],
      [{ statusChangeHistory: [] }, "unknown property 'statusChangeHistory'"],
      [{ note: [{ text: 'x', editor: 'someone else' }] }, "unknown property 'editor'"],
      [{ priority: '9' }, "priority: '9' is not understood"],
    ];
    for (const [override, message] of refused) {
      const res = await h.call('POST', TT, { key: dso.keys.operator, body: ticketInput(mno, override) });
      expect(res.status, JSON.stringify(override)).toBe(400);
      expect(res.body.message).toContain(message);
    }
    // A finished status is a 422 naming the initial one (open-work states are ignored: conformance tests).
    const resolved = await h.call('POST', TT, { key: dso.keys.operator, body: ticketInput(mno, { status: 'resolved' }) });
    expect(resolved.status).toBe(422);
    expect(resolved.body).toMatchObject({ code: 'INVALID_INITIAL_STATUS' });
    expect(resolved.body.message).toContain("'acknowledged' or 'submitted'");
    // Server-managed standard properties are accepted and ignored.
    const clientId = crypto.randomUUID();
    const ok = await h.call('POST', TT, {
      key: dso.keys.operator,
      body: ticketInput(mno, {
        id: clientId,
        href: 'https://elsewhere/x',
        '@baseType': 'Entity',
        status: 'acknowledged',
        statusChangeReason: 'opened',
        resolutionDate: '2020-01-01T00:00:00Z',
        expectedResolutionDate: '2020-01-02T00:00:00Z',
        note: [{ text: 'x', author: 'someone else' }],
      }),
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.id).not.toBe(clientId);
    expect(ok.body).toMatchObject({ status: 'acknowledged', gridlinkStatus: 'submitted' });
    for (const k of ['@baseType', 'statusChangeReason', 'resolutionDate', 'expectedResolutionDate']) expect(ok.body[k], k).toBeUndefined();
    expect(ok.body.note[0]).toMatchObject({ author: dso.name, partnerAuthor: 'someone else' });
  });

  it('needs an operator or admin key: a viewer gets 403', async () => {
    const res = await h.call('POST', TT, { key: dso.keys.viewer, body: ticketInput(mno) });
    expect(res.status).toBe(403);
    const admin = await h.call('POST', TT, { key: dso.keys.admin, body: ticketInput(mno) });
    expect(admin.status).toBe(201);
  });
});

describe('PI-2 retrieve a trouble ticket (GET /troubleTicket/{id})', () => {
  let t: Ticket;
  beforeAll(async () => {
    t = await createTicket(dso, mno, { priority: '3' });
  });

  it('unknown and malformed ids are 404', async () => {
    for (const id of [crypto.randomUUID(), 'not-a-uuid']) {
      const res = await h.call('GET', `${TT}/${id}`, { key: dso.keys.viewer });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
  });

  it('fields selects first-level attributes; id, href and @type are always present', async () => {
    const res = await h.call('GET', `${TT}/${t.id}?fields=status,priority`, { key: mno.keys.viewer, skipValidation: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: t.id, href: t.href, '@type': 'TroubleTicket', status: 'acknowledged', priority: '3' });
    // Issue 11: Gridlink's exact state only when asked for.
    const exact = await h.call('GET', `${TT}/${t.id}?fields=gridlinkStatus`, { key: mno.keys.viewer, skipValidation: true });
    expect(exact.body).toEqual({ id: t.id, href: t.href, '@type': 'TroubleTicket', gridlinkStatus: 'submitted' });
    const bad = await h.call('GET', `${TT}/${t.id}?fields=colour`, { key: mno.keys.viewer });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('colour');
  });
});

describe('TMF630 list queries (GET /troubleTicket)', () => {
  let qd: TestOrg;
  let qm1: TestOrg;
  let qm2: TestOrg;
  /** t[0] .. t[4], created one hour apart from `base`. */
  const t: Ticket[] = [];
  let base: Date;
  const at = (hours: number) => new Date(base.getTime() + hours * HOUR).toISOString();
  const q = (query: string, key = qd.keys.viewer) => list(key, query);

  beforeAll(async () => {
    ({ dso: qd, mno: qm1 } = await h.partners({ dso: 'Query DSO', mno: 'Query MNO 1' }));
    qm2 = await h.createPartner(qd, 'Query MNO 2');
    h.clock.advance(HOUR);
    base = h.clock.now();
    const specs: [TestOrg, Record<string, unknown>][] = [
      [
        qm1,
        {
          severity: 'critical',
          priority: '3',
          externalIdentifier: [{ id: 'INC-100' }],
          note: [{ text: 'alpha' }],
          attachment: [{ name: 'a.csv', size: { amount: 100, units: 'bytes' } }],
        },
      ],
      [
        qm1,
        {
          severity: 'minor',
          priority: '1',
          externalIdentifier: [{ id: 'INC-101' }],
          note: [{ text: 'bravo' }],
          attachment: [{ name: 'b.csv', size: { amount: 5000, units: 'bytes' } }],
        },
      ],
      [qm2, { severity: 'major', externalIdentifier: [{ id: 'INC-102' }] }],
      [qm1, { severity: 'warning', priority: '2', externalIdentifier: [{ id: 'INC-103' }] }],
      [qm2, { severity: 'critical', priority: '5', externalIdentifier: [{ id: 'INC-104' }] }],
    ];
    for (const [i, [responsible, overrides]] of specs.entries()) {
      if (i > 0) h.clock.advance(HOUR);
      t.push(await createTicket(qd, responsible, overrides));
    }
    h.clock.advance(30 * MINUTE); // t[4] acknowledged at base + 4.5 h
    const ack = await patch(qm2.keys.operator, t[4]!.id, { status: 'acknowledged' });
    expect(ack.status).toBe(200);
    // Noise: tickets of other organisations must never show up or be counted.
    await createTicket(dso, mno);
    await createTicket(dso, other);
  });

  const tid = (...indexes: number[]) => indexes.map((i) => t[i]!.id);

  it('lists only the caller’s tickets, newest first, with X-Total-Count and X-Result-Count', async () => {
    const res = await q('');
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(tid(4, 3, 2, 1, 0));
    expect(res.headers['x-total-count']).toBe('5');
    expect(res.headers['x-result-count']).toBe('5');
    const m1 = await q('', qm1.keys.viewer);
    expect(ids(m1.body)).toEqual(tid(3, 1, 0));
    expect(m1.headers['x-total-count']).toBe('3');
    const m2 = await q('', qm2.keys.viewer);
    expect(ids(m2.body)).toEqual(tid(4, 2));
  });

  it('offset and limit page through the result; the total counts every match', async () => {
    const pages: [string, number[]][] = [
      ['limit=2', [4, 3]],
      ['offset=2&limit=2', [2, 1]],
      ['offset=4&limit=2', [0]],
      ['offset=10', []],
    ];
    for (const [query, expected] of pages) {
      const res = await q(query);
      expect(res.status).toBe(200);
      expect(ids(res.body), query).toEqual(tid(...expected));
      expect(res.headers['x-total-count']).toBe('5');
      expect(res.headers['x-result-count']).toBe(String(expected.length));
    }
    for (const bad of ['limit=0', 'limit=1001', 'offset=-1', 'limit=abc']) {
      expect((await q(bad)).status, bad).toBe(400);
    }
  });

  it('sort by one or more attributes, - for descending; an attribute that cannot be sorted on is 400', async () => {
    const cases: [string, number[]][] = [
      ['sort=-creationDate', [4, 3, 2, 1, 0]],
      ['sort=creationDate', [0, 1, 2, 3, 4]],
      ['sort=priority', [1, 3, 0, 4, 2]], // no priority sorts last
      ['sort=-priority', [4, 0, 3, 1, 2]],
      ['sort=severity,-creationDate', [4, 0, 2, 1, 3]],
      ['sort=-lastUpdate', [4, 3, 2, 1, 0]],
    ];
    for (const [query, expected] of cases) {
      const res = await q(query);
      expect(res.status).toBe(200);
      expect(ids(res.body), query).toEqual(tid(...expected));
    }
    for (const bad of ['sort=description', 'sort=colour', 'sort=-relatedParty']) {
      const res = await q(bad);
      expect(res.status, bad).toBe(400);
      expect(res.body.code).toBe('INVALID_PARAMETER');
    }
  });

  it('fields returns only first-level attributes plus id, href and @type; unknown or nested fields are 400', async () => {
    const res = await list(qd.keys.viewer, 'fields=status,priority&sort=creationDate', { skipValidation: true });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(5);
    for (const item of res.body as Record<string, unknown>[]) {
      expect(['@type', 'href', 'id', 'priority', 'status']).toEqual(expect.arrayContaining(Object.keys(item)));
      expect(item).toMatchObject({
        '@type': 'TroubleTicket',
        id: expect.stringMatching(UUID),
        href: `${TT}/${String(item.id)}`,
        status: expect.any(String),
      });
    }
    expect(res.body[2]).toEqual({ id: t[2]!.id, href: t[2]!.href, '@type': 'TroubleTicket', status: 'acknowledged' });
    expect(res.body[4]).toEqual({ id: t[4]!.id, href: t[4]!.href, '@type': 'TroubleTicket', status: 'acknowledged', priority: '5' });
    for (const bad of ['fields=colour', 'fields=status,colour', 'fields=relatedParty.role']) {
      const r = await q(bad);
      expect(r.status, bad).toBe(400);
    }
  });

  it('attribute filters: = with comma for OR, .eq and .ne', async () => {
    const cases: [string, number[]][] = [
      // Issue 11: a standard value matches every state shown as it (submitted is shown as
      // acknowledged); an exact Gridlink state matches itself; gridlinkStatus= only the exact state.
      ['status=acknowledged', [4, 3, 2, 1, 0]],
      ['gridlinkStatus=acknowledged', [4]],
      ['status=submitted,acknowledged', [4, 3, 2, 1, 0]],
      ['status=resolved,closed', []],
      ['status.eq=acknowledged', [4, 3, 2, 1, 0]],
      ['gridlinkStatus.eq=acknowledged', [4]],
      ['status.ne=submitted', [4]],
      ['gridlinkStatus.ne=submitted', [4]],
      ['status.ne=acknowledged', []],
      ['severity=critical,minor', [4, 1, 0]],
      // A repeated parameter (form-style list) means the same as the comma list.
      ['severity=critical&severity=minor', [4, 1, 0]],
      ['severity.ne=critical,minor', [3, 2]],
      ['priority=1,2', [3, 1]],
      ['ticketType=down&severity=major', [2]],
    ];
    for (const [query, expected] of cases) {
      const res = await q(query);
      expect(res.status, query).toBe(200);
      expect(ids(res.body), query).toEqual(tid(...expected));
      expect(res.headers['x-total-count'], query).toBe(String(expected.length));
    }
  });

  it('date ranges with .gte/.lt and .gt/.lte compare instants', async () => {
    const plusTwo = (iso: string) => {
      // The same instant written with a +02:00 offset (encoded, since + is a space in a query).
      const d = new Date(new Date(iso).getTime() + 2 * HOUR).toISOString().replace('.000Z', '+02:00');
      return encodeURIComponent(d);
    };
    const cases: [string, number[]][] = [
      [`creationDate.gte=${at(1)}&creationDate.lt=${at(3)}`, [2, 1]],
      [`creationDate.gt=${at(1)}&creationDate.lte=${at(3)}`, [3, 2]],
      [`creationDate.gt=${at(4)}`, []],
      [`creationDate.lt=${at(0)}`, []],
      [`creationDate.lte=${at(0)}`, [0]],
      [`creationDate.eq=${at(2)}`, [2]],
      [`creationDate=${at(2)}`, [2]],
      [`creationDate.gte=${plusTwo(at(3))}`, [4, 3]],
      [`lastUpdate.gt=${at(4)}`, [4]],
      [`statusChangeDate.gte=${at(4.5)}`, [4]],
      [`note.date.gte=${at(1)}`, [1]],
      // TMF630's symbol operators: attr>=v, attr<v, attr>v, attr<=v, attr!=v.
      [`creationDate>=${at(1)}&creationDate<${at(3)}`, [2, 1]],
      [`creationDate>${at(1)}&creationDate<=${at(3)}`, [3, 2]],
      [`creationDate!=${at(2)}`, [4, 3, 1, 0]],
    ];
    for (const [query, expected] of cases) {
      const res = await q(query);
      expect(res.status, query).toBe(200);
      expect(ids(res.body), query).toEqual(tid(...expected));
      expect(res.headers['x-total-count'], query).toBe(String(expected.length));
    }
  });

  it('dot notation reaches nested attributes and arrays (relatedParty, externalIdentifier, note, attachment)', async () => {
    const cases: [string, number[], string?][] = [
      [`relatedParty.partyOrPartyRole.id=${qm2.id}`, [4, 2]],
      [`relatedParty.partyOrPartyRole.id=${qm1.id}`, [3, 1, 0]],
      [`relatedParty.partyOrPartyRole.id=${qm1.id},${qm2.id}`, [4, 3, 2, 1, 0]],
      [`relatedParty.partyOrPartyRole.id=${qd.id}`, [4, 3, 2, 1, 0]],
      [`relatedParty.partyOrPartyRole.id=${qm1.id}&priority=1,2`, [3, 1]],
      ['relatedParty.role=responsible', [4, 3, 2, 1, 0]],
      ['externalIdentifier.id=INC-101', [1]],
      ['externalIdentifier.id=INC-101,INC-103', [3, 1]],
      ['externalIdentifier.id=INC-999', []],
      ['note.text=alpha', [0]],
      [`note.author=${encodeURIComponent(qd.name)}`, [1, 0]],
      ['attachment.size.amount.gt=1000', [1]],
      ['attachment.size.amount.lte=100', [0]],
      ['attachment.size.amount=5000', [1]],
      ['statusChangeHistory.status=acknowledged', [4]],
      [`id=${t[2]!.id}`, [2]],
    ];
    for (const [query, expected] of cases) {
      const res = await q(query);
      expect(res.status, query).toBe(200);
      expect(ids(res.body), query).toEqual(tid(...expected));
      expect(res.headers['x-total-count'], query).toBe(String(expected.length));
    }
    // Filters, paging and counts together.
    const page = await q(`relatedParty.partyOrPartyRole.id=${qm1.id}&limit=1&offset=1`);
    expect(ids(page.body)).toEqual(tid(1));
    expect(page.headers['x-total-count']).toBe('3');
    expect(page.headers['x-result-count']).toBe('1');
  });

  it('unknown attributes, non-simple attributes and bad values are 400', async () => {
    const bad = [
      'colour=red',
      'relatedParty.colour=red',
      'relatedParty=x',
      'creationDate.gte=yesterday',
      'creationDate.gt=not-a-date',
      'lastUpdate.lt=2026-13-45T00:00:00Z',
      'attachment.size.amount.gt=lots',
      'status.like=sub',
      'a..b=1',
    ];
    for (const query of bad) {
      const res = await q(query);
      expect(res.status, query).toBe(400);
      expect(res.body['@type']).toBe('Error');
    }
  });
});

describe('PI-2 PATCH: merge-patch and JSON Patch', () => {
  it('merge-patch changes the caller’s attributes, normalises dates and bumps lastUpdate and version', async () => {
    const t = await createTicket(dso, mno, { name: 'Old title' });
    h.clock.advance(MINUTE);
    const rep = await patch(dso.keys.operator, t.id, { description: 'Now also SMS is down', severity: 'critical', name: null });
    expect(rep.status, JSON.stringify(rep.body)).toBe(200);
    expect(rep.body).toMatchObject({
      description: 'Now also SMS is down',
      severity: 'critical',
      lastUpdate: nowIso(),
      creationDate: t.creationDate,
    });
    expect(rep.body.name).toBeUndefined();
    h.clock.advance(MINUTE);
    const resp = await patch(mno.keys.operator, t.id, { priority: '1', expectedResolutionDate: '2026-11-22T02:45:00+01:00' });
    expect(resp.status).toBe(200);
    expect(resp.body).toMatchObject({ priority: '1', expectedResolutionDate: '2026-11-22T01:45:00.000Z', lastUpdate: nowIso() });
    // Either side may change the shared attributes.
    const shared = await patch(mno.keys.operator, t.id, {
      externalIdentifier: [{ id: 'MNO-77', owner: 'MNO desk' }],
      relatedEntity: [{ role: 'affectedSite', entity: { id: 'eNB-221', '@referredType': 'Site' } }],
    });
    expect(shared.status).toBe(200);
    const row = await h.db.prisma.troubleTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(row).toMatchObject({ version: 4, severity: 'critical', priority: '1', name: null, status: 'submitted' });
    expect(row.expectedResolutionDate?.toISOString()).toBe('2026-11-22T01:45:00.000Z');
    expect((await h.call('GET', `${TT}/${t.id}`, { key: dso.keys.viewer })).body).toEqual(shared.body);
  });

  it('a patch that changes nothing returns the ticket and writes nothing', async () => {
    const t = await createTicket(dso, mno);
    const before = await snapshot(t.id);
    const res = await patch(dso.keys.operator, t.id, { severity: t.severity });
    expect(res.status).toBe(200);
    expect(await snapshot(t.id)).toEqual(before);
  });

  it('merge-patch needs application/merge-patch+json or application/json (415 otherwise) and a viewer cannot patch (403)', async () => {
    const t = await createTicket(dso, mno);
    const before = await snapshot(t.id);
    await expectRefused(await patch(dso.keys.operator, t.id, 'severity=minor', 'text/plain'), 415, t.id, before);
    await expectRefused(await patch(dso.keys.viewer, t.id, { severity: 'minor' }), 403, t.id, before);
    await expectRefused(await patch(dso.keys.operator, t.id, {}), 400, t.id, before);
    // Issue 11: application/json is a merge patch (TMF630); standard words are mapped.
    const asJson = await patch(dso.keys.operator, t.id, { '@type': 'TroubleTicket', severity: 'Minor' }, 'application/json');
    expect(asJson.status, JSON.stringify(asJson.body)).toBe(200);
    expect(asJson.body.severity).toBe('minor');
  });

  it('JSON Patch adds a note with add /note/-, replaces attributes and guards with test', async () => {
    const t = await createTicket(dso, mno);
    h.clock.advance(MINUTE);
    const res = await patch(
      dso.keys.operator,
      t.id,
      [
        { op: 'add', path: '/note/-', value: { text: 'Field crew on site' } },
        { op: 'replace', path: '/severity', value: 'minor' },
      ],
      JSON_PATCH,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.severity).toBe('minor');
    expect(res.body.note).toEqual([
      { text: 'Field crew on site', id: expect.stringMatching(UUID), author: dso.name, date: nowIso(), '@type': 'Note' },
    ]);

    h.clock.advance(MINUTE);
    const ack = await patch(
      mno.keys.operator,
      t.id,
      [
        { op: 'test', path: '/status', value: 'submitted' },
        { op: 'replace', path: '/status', value: 'acknowledged' },
        { op: 'add', path: '/priority', value: '2' },
        { op: 'add', path: '/note/-', value: { text: 'Looking into it' } },
      ],
      JSON_PATCH,
    );
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', priority: '2' });
    expect(ack.body.note.map((n: Note) => [n.text, n.author])).toEqual([
      ['Field crew on site', dso.name],
      ['Looking into it', mno.name],
    ]);

    // A failed test op is a 409 and nothing of the patch is applied.
    const before = await snapshot(t.id);
    const failed = await patch(
      mno.keys.operator,
      t.id,
      [
        { op: 'replace', path: '/priority', value: '1' },
        { op: 'test', path: '/status', value: 'submitted' },
      ],
      JSON_PATCH,
    );
    await expectRefused(failed, 409, t.id, before);
    expect(failed.body.code).toBe('PATCH_TEST_FAILED');

    // An unresolvable path is 422, an invalid value 400, an unknown attribute 400.
    await expectRefused(await patch(mno.keys.operator, t.id, [{ op: 'remove', path: '/nothingHere' }], JSON_PATCH), 422, t.id, before);
    const invalid = await patch(dso.keys.operator, t.id, [{ op: 'replace', path: '/severity', value: 42 }], JSON_PATCH);
    await expectRefused(invalid, 400, t.id, before);
    expect(invalid.body.message).toContain('body.severity');
    const unknown = await patch(dso.keys.operator, t.id, [{ op: 'add', path: '/colour', value: 'red' }], JSON_PATCH);
    await expectRefused(unknown, 400, t.id, before);
    expect(unknown.body.message).toContain('colour');
    await expectRefused(await patch(dso.keys.operator, t.id, [{ op: 'jump', path: '/severity' }], JSON_PATCH), 400, t.id, before);
  });

  it('issue 11: server-managed attributes in a patch are ignored (nothing written); the parties cannot be changed (422)', async () => {
    const t = await createTicket(dso, mno);
    const before = await snapshot(t.id);
    const ignored: Record<string, unknown>[] = [
      { id: crypto.randomUUID() },
      { href: '/elsewhere' },
      { '@type': 'Other' },
      { creationDate: '2020-01-01T00:00:00Z' },
      { lastUpdate: '2020-01-01T00:00:00Z' },
      { statusChangeDate: '2020-01-01T00:00:00Z' },
      { resolutionDate: '2020-01-01T00:00:00Z' },
      { statusChangeHistory: [] },
    ];
    for (const body of ignored) {
      const res = await patch(dso.keys.operator, t.id, body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(await snapshot(t.id)).toEqual(before);
    }
    const parties = await patch(dso.keys.operator, t.id, { relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: other.id } }] });
    await expectRefused(parties, 422, t.id, before);
    expect(parties.body.code).toBe('READ_ONLY_ATTRIBUTE');
    const ignoredOps: object[][] = [
      [{ op: 'replace', path: '/creationDate', value: '2020-01-01T00:00:00.000Z' }],
      [{ op: 'replace', path: '/lastUpdate', value: '2020-01-01T00:00:00.000Z' }],
      [{ op: 'add', path: '/resolutionDate', value: '2020-01-01T00:00:00.000Z' }],
      [{ op: 'add', path: '/statusChangeHistory/-', value: { status: 'closed', statusChangeDate: '2020-01-01T00:00:00.000Z' } }],
      [{ op: 'remove', path: '/statusChangeHistory/0' }],
      [{ op: 'replace', path: '/id', value: crypto.randomUUID() }],
      [{ op: 'replace', path: '/@type', value: 'Other' }],
    ];
    for (const ops of ignoredOps) {
      const res = await patch(dso.keys.operator, t.id, ops, JSON_PATCH);
      expect(res.status, JSON.stringify(ops)).toBe(200);
      expect(await snapshot(t.id)).toEqual(before);
    }
    for (const ops of [
      [{ op: 'replace', path: '/relatedParty/1/partyOrPartyRole/id', value: other.id }],
      [{ op: 'remove', path: '/relatedParty/0' }],
    ]) {
      const res = await patch(dso.keys.operator, t.id, ops, JSON_PATCH);
      await expectRefused(res, 422, t.id, before);
      expect(res.body.code).toBe('READ_ONLY_ATTRIBUTE');
      expect(res.body.message).toContain('relatedParty');
    }
    // Required attributes cannot be removed.
    await expectRefused(await patch(dso.keys.operator, t.id, [{ op: 'remove', path: '/description' }], JSON_PATCH), 400, t.id, before);
    await expectRefused(await patch(dso.keys.operator, t.id, [{ op: 'remove', path: '/status' }], JSON_PATCH), 400, t.id, before);
  });

  it('reporter-only attributes are refused with 403 for the responsible side', async () => {
    const t = await createTicket(dso, mno, { requestedResolutionDate: '2026-11-22T00:00:00Z' });
    const before = await snapshot(t.id);
    const cases: Record<string, unknown> = {
      name: 'Renamed by MNO',
      description: 'Not our network',
      severity: 'minor',
      ticketType: 'failure',
      requestedResolutionDate: '2026-12-24T00:00:00Z',
    };
    for (const [attr, value] of Object.entries(cases)) {
      const res = await patch(mno.keys.operator, t.id, { [attr]: value });
      await expectRefused(res, 403, t.id, before);
      expect(res.body.message).toContain(attr);
      const viaJsonPatch = await patch(mno.keys.operator, t.id, [{ op: 'add', path: `/${attr}`, value }], JSON_PATCH);
      await expectRefused(viaJsonPatch, 403, t.id, before);
    }
    // ... while the reporter may change them.
    const ok = await patch(dso.keys.operator, t.id, cases);
    expect(ok.status).toBe(200);
  });

  it('responsible-only attributes (priority, expectedResolutionDate) are refused with 403 for the reporter', async () => {
    const t = await createTicket(dso, mno);
    const before = await snapshot(t.id);
    for (const body of [{ priority: '1' }, { expectedResolutionDate: '2026-11-22T00:00:00Z' }]) {
      const res = await patch(dso.keys.operator, t.id, body);
      await expectRefused(res, 403, t.id, before);
      expect(res.body.message).toContain(Object.keys(body)[0]!);
    }
    const ok = await patch(mno.keys.operator, t.id, { priority: '1', expectedResolutionDate: '2026-11-22T00:00:00Z' });
    expect(ok.status).toBe(200);
  });

  it('statusChangeReason without a new status is refused with 422', async () => {
    const t = await createTicket(dso, mno);
    const before = await snapshot(t.id);
    const res = await patch(mno.keys.operator, t.id, { statusChangeReason: 'Because' });
    await expectRefused(res, 422, t.id, before);
    expect(res.body.code).toBe('REASON_WITHOUT_STATUS');
  });
});

describe('PI-2 notes are append-only; the server stamps id, author and date', () => {
  let t: Ticket;
  beforeAll(async () => {
    t = await createTicket(dso, mno, { note: [{ text: 'First observation' }] });
  });

  it('existing notes echoed back as returned by the create response, plus a new one, are accepted', async () => {
    h.clock.advance(MINUTE);
    const res = await patch(mno.keys.operator, t.id, { note: [...t.note, { text: 'Second, from the MNO' }] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.note).toHaveLength(2);
    expect(res.body.note[0]).toEqual(t.note[0]);
    expect(res.body.note[1]).toEqual({
      text: 'Second, from the MNO',
      id: expect.stringMatching(UUID),
      author: mno.name,
      date: nowIso(),
      '@type': 'Note',
    });
    // ... and, again, as returned by that patch response.
    h.clock.advance(MINUTE);
    const again = await patch(dso.keys.operator, t.id, { note: [...(res.body.note as Note[]), { text: 'Third, from the DSO' }] });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.note.map((n: Note) => n.author)).toEqual([dso.name, mno.name, dso.name]);
    t = again.body as Ticket;
  });

  it('existing notes are compared by content, not by the order of their keys', async () => {
    const reordered = t.note.map((n) => ({ '@type': n['@type'], date: n.date, author: n.author, id: n.id, text: n.text }));
    const res = await patch(dso.keys.operator, t.id, { note: [...reordered, { text: 'Fourth' }] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.note).toHaveLength(4);
    t = res.body as Ticket;
  });

  it('changing, removing or re-ordering an existing note is refused with 422', async () => {
    const before = await snapshot(t.id);
    const [n0, n1, ...rest] = t.note;
    const cases: unknown[] = [
      { note: [{ ...n0!, text: 'Rewritten history' }, n1, ...rest] },
      { note: [{ ...n0!, author: 'Somebody else' }, n1, ...rest] },
      { note: [{ ...n0!, date: '2020-01-01T00:00:00.000Z' }, n1, ...rest] },
      { note: [n1, ...rest] },
      { note: [n1, n0, ...rest] },
      { note: [] },
    ];
    for (const body of cases) {
      const res = await patch(dso.keys.operator, t.id, body);
      await expectRefused(res, 422, t.id, before);
      expect(res.body.code).toBe('NOTES_APPEND_ONLY');
    }
    const jp: object[][] = [
      [{ op: 'remove', path: '/note/0' }],
      [{ op: 'replace', path: '/note/0/text', value: 'Rewritten' }],
      [{ op: 'remove', path: '/note/0/author' }],
    ];
    for (const ops of jp) {
      const res = await patch(mno.keys.operator, t.id, ops, JSON_PATCH);
      await expectRefused(res, 422, t.id, before);
    }
    // Removing the notes altogether is not a valid merge patch.
    await expectRefused(await patch(dso.keys.operator, t.id, { note: null }), 400, t.id, before);
  });

  it('issue 11: a new note that carries id, author or date keeps them as the partner values beside the server ones', async () => {
    const res = await patch(dso.keys.operator, t.id, {
      note: [...t.note, { text: 'New', id: 'mine', author: 'Me', date: '2026-11-21T09:00:00+01:00' }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.note.at(-1)).toEqual({
      text: 'New',
      id: expect.stringMatching(UUID),
      author: dso.name,
      date: nowIso(),
      '@type': 'Note',
      partnerNoteId: 'mine',
      partnerAuthor: 'Me',
      partnerDate: '2026-11-21T08:00:00.000Z',
    });
    const jp = await patch(dso.keys.operator, t.id, [{ op: 'add', path: '/note/-', value: { text: 'Newer', id: 'mine-2' } }], JSON_PATCH);
    expect(jp.status).toBe(200);
    expect(jp.body.note.at(-1)).toMatchObject({ text: 'Newer', partnerNoteId: 'mine-2', author: dso.name });
  });
});

describe('PI-2 lifecycle (MEF 124 transition table)', () => {
  beforeAll(async () => {
    ({ dso: lReporter, mno: lResponsible } = await h.partners({ dso: 'Lifecycle DSO', mno: 'Lifecycle MNO' }));
  });

  it('the table is what the tests are generated from: every status is reachable and final states have no moves', () => {
    for (const s of STATUSES) expect(() => pathTo(s)).not.toThrow();
    for (const s of FINAL) expect(Object.keys(TRANSITIONS[s])).toEqual([]);
    expect(ALLOWED.length).toBeGreaterThanOrEqual(20);
    const shown = STATUSES.flatMap((to) => SIDES.map((side) => ({ from: 'submitted' as const, to, side }))).filter(shownAsAcknowledged);
    expect(shown.map((m) => `${m.to}/${m.side}`).sort()).toEqual([
      'acknowledged/reporter',
      'held/responsible',
      'inProgress/responsible',
      'pending/responsible',
      'resolved/responsible',
    ]);
    expect(ALLOWED.length + FORBIDDEN.length + shown.length).toBe(STATUSES.length * (STATUSES.length - 1) * 2);
  });

  it('issue 11: the responsible side moving a submitted ticket on (as a standard client does) acknowledges it on the way', async () => {
    for (const to of ['inProgress', 'pending', 'held', 'resolved'] as const) {
      const t = await createTicket(lReporter, lResponsible);
      h.clock.advance(MINUTE);
      const res = await patch(operatorOf('responsible'), t.id, { status: to, statusChangeReason: `straight to ${to}` });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.status).toBe(to);
      expect(res.body.statusChangeHistory.map((c: StatusChange & { gridlinkStatus?: string }) => exact(c))).toEqual([
        'submitted',
        'acknowledged',
        to,
      ]);
      const types = (await eventsOf(t.id)).map((e) => e.eventType);
      expect(types.filter((e) => e === 'TroubleTicketStatusChangeEvent')).toHaveLength(2);
    }
    // The reasons the table requires still apply.
    const t = await createTicket(lReporter, lResponsible);
    const before = await snapshot(t.id);
    await expectRefused(await patch(operatorOf('responsible'), t.id, { status: 'pending' }), 422, t.id, before);
    // The reporter sending back the acknowledged it was shown changes nothing.
    const echo = await patch(operatorOf('reporter'), t.id, { status: 'acknowledged' });
    expect(echo.status).toBe(200);
    expect(await snapshot(t.id)).toEqual(before);
  });

  describe('every allowed move succeeds for its side and is recorded with date, reason and actor', () => {
    for (const { from, to, side } of ALLOWED) {
      it(`${from} -> ${to} by the ${side}`, async () => {
        const created = await createTicket(lReporter, lResponsible);
        const start = await walk(created.id, from);
        expect(exact(start)).toBe(from);
        const rowBefore = await h.db.prisma.troubleTicket.findUniqueOrThrow({ where: { id: created.id } });
        const eventsBefore = (await eventsOf(created.id)).length;
        h.clock.advance(MINUTE);
        const reason = `Moving from ${from} to ${to}`;
        const res = await patch(operatorOf(side), created.id, { status: to, statusChangeReason: reason });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const now = nowIso();
        const actor = side === 'reporter' ? lReporter : lResponsible;
        expect(res.body).toMatchObject({ status: to, statusChangeDate: now, statusChangeReason: reason, lastUpdate: now });
        expect(res.body.statusChangeHistory).toHaveLength(start.statusChangeHistory.length + 1);
        expect(res.body.statusChangeHistory.slice(0, -1)).toEqual(start.statusChangeHistory);
        expect(res.body.statusChangeHistory.at(-1)).toEqual({
          status: to,
          statusChangeDate: now,
          statusChangeReason: reason,
          '@type': 'StatusChange',
          actor: { organizationId: actor.id, credentialId: await apiKeyId(h, operatorOf(side)) },
        });
        if (to === 'resolved') expect(res.body.resolutionDate).toBe(now);
        if (from === 'resolved' && to === 'inProgress') expect(res.body.resolutionDate).toBeUndefined();
        if (from === 'resolved' && to === 'closed') expect(res.body.resolutionDate).toBe(start.resolutionDate);

        const row = await h.db.prisma.troubleTicket.findUniqueOrThrow({ where: { id: created.id } });
        expect(row.version).toBe(rowBefore.version + 1);
        expect(row.status).toBe(to);
        expect(row.statusChangeDate.toISOString()).toBe(now);
        expect(row.resolutionDate?.toISOString()).toBe(res.body.resolutionDate);

        const written = (await eventsOf(created.id)).slice(eventsBefore).map((e) => e.eventType);
        expect(written).toEqual([
          'TroubleTicketStatusChangeEvent',
          ...(to === 'resolved' ? ['TroubleTicketResolvedEvent'] : []),
          ...(to === 'pending' ? ['TroubleTicketInformationRequiredEvent'] : []),
        ]);
      });
    }
  });

  describe('every forbidden (from, to, side) is a 409 that says which moves are allowed, and changes nothing', () => {
    for (const from of STATUSES) {
      describe(`from ${from}`, () => {
        let id: string;
        beforeAll(async () => {
          id = (await createTicket(lReporter, lResponsible)).id;
          expect(exact(await walk(id, from))).toBe(from);
        });
        for (const { to, side } of FORBIDDEN.filter((m) => m.from === from)) {
          it(`the ${side} cannot move it to ${to}`, async () => {
            const before = await snapshot(id);
            const res = await patch(operatorOf(side), id, { status: to, statusChangeReason: 'Trying a forbidden move' });
            await expectRefused(res, 409, id, before);
            if (FINAL.has(from)) {
              expect(res.body.code).toBe('TICKET_FINAL');
              expect(res.body.message).toContain(`The ticket is ${from}; only notes can be added`);
            } else {
              const allowed = allowedMoves(from, side);
              expect(res.body.code).toBe('INVALID_TRANSITION');
              expect(res.body.message).toContain(`Allowed for the ${side} from ${from}: ${allowed.length ? allowed.join(', ') : 'none'}`);
            }
          });
        }
      });
    }
  });

  describe('a missing statusChangeReason where the table requires one is refused with 422', () => {
    for (const { from, to, side } of ALLOWED.filter((m) => reasonRequired(m.from, m.to))) {
      it(`${from} -> ${to} by the ${side} without a reason`, async () => {
        const { id } = await createTicket(lReporter, lResponsible);
        await walk(id, from);
        const before = await snapshot(id);
        for (const body of [{ status: to }, { status: to, statusChangeReason: '   ' }]) {
          const res = await patch(operatorOf(side), id, body);
          await expectRefused(res, 422, id, before);
          expect(res.body.code).toBe('REASON_REQUIRED');
        }
      });
    }

    it('a reason given with an earlier move does not count for the next one', async () => {
      const { id } = await createTicket(lReporter, lResponsible);
      const ack = await patch(operatorOf('responsible'), id, { status: 'acknowledged', statusChangeReason: 'Seen on our NOC dashboard' });
      expect(ack.status).toBe(200);
      const before = await snapshot(id);
      const res = await patch(operatorOf('responsible'), id, { status: 'held' });
      await expectRefused(res, 422, id, before);
      expect(res.body.code).toBe('REASON_REQUIRED');
    });

    it('the same reason text may be given for two consecutive moves and is recorded both times', async () => {
      const { id } = await createTicket(lReporter, lResponsible);
      const reason = 'Per phone call with the DSO control room';
      const ack = await patch(operatorOf('responsible'), id, { status: 'acknowledged', statusChangeReason: reason });
      expect(ack.status).toBe(200);
      h.clock.advance(MINUTE);
      const held = await patch(operatorOf('responsible'), id, { status: 'held', statusChangeReason: reason });
      expect(held.status).toBe(200);
      expect(held.body.statusChangeReason).toBe(reason);
      expect(held.body.statusChangeHistory.map((c: StatusChange) => [exact(c), c.statusChangeReason])).toEqual([
        ['submitted', undefined],
        ['acknowledged', reason],
        ['held', reason],
      ]);
    });

    it('a move without a reason removes the previous move’s reason from the ticket', async () => {
      const { id } = await createTicket(lReporter, lResponsible);
      await patch(operatorOf('responsible'), id, { status: 'acknowledged', statusChangeReason: 'Seen' });
      const res = await patch(operatorOf('responsible'), id, { status: 'inProgress' });
      expect(res.status).toBe(200);
      expect(res.body.statusChangeReason).toBeUndefined();
      expect(res.body.statusChangeHistory.at(-1).statusChangeReason).toBeUndefined();
    });
  });

  it('a full MEF 124 run: work, pending, resolve, reopen, resolve again, close', async () => {
    const { id } = await createTicket(lReporter, lResponsible);
    const R = operatorOf('responsible');
    const REP = operatorOf('reporter');
    const steps: [string, Record<string, unknown>][] = [
      [R, { status: 'acknowledged' }],
      [R, { status: 'inProgress', expectedResolutionDate: '2026-11-21T12:00:00Z' }],
      [R, { status: 'pending', statusChangeReason: 'Need the IMSI of the affected SIM' }],
      [REP, { status: 'inProgress', note: [{ text: 'IMSI is 262011234567890' }] }],
      [R, { status: 'resolved', statusChangeReason: 'Cell 4711 restarted' }],
      [REP, { status: 'inProgress', statusChangeReason: 'Still no connectivity' }],
      [R, { status: 'resolved' }],
      [REP, { status: 'closed' }],
    ];
    let last: Ticket | undefined;
    const resolvedAt: string[] = [];
    for (const [key, body] of steps) {
      h.clock.advance(MINUTE);
      const res = await patch(key, id, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      last = res.body as Ticket;
      if (last.status === 'resolved') {
        expect(last.resolutionDate).toBe(nowIso());
        resolvedAt.push(nowIso());
      }
      if (body.status === 'inProgress' && body.statusChangeReason) expect(last.resolutionDate).toBeUndefined();
    }
    expect(last!.resolutionDate).toBe(resolvedAt[1]);
    expect(last!.statusChangeHistory.map((c) => [exact(c), c.actor.organizationId, c.statusChangeReason])).toEqual([
      ['submitted', lReporter.id, undefined],
      ['acknowledged', lResponsible.id, undefined],
      ['inProgress', lResponsible.id, undefined],
      ['pending', lResponsible.id, 'Need the IMSI of the affected SIM'],
      ['inProgress', lReporter.id, undefined],
      ['resolved', lResponsible.id, 'Cell 4711 restarted'],
      ['inProgress', lReporter.id, 'Still no connectivity'],
      ['resolved', lResponsible.id, undefined],
      ['closed', lReporter.id, undefined],
    ]);
    // History dates strictly increase.
    const dates = last!.statusChangeHistory.map((c) => Date.parse(c.statusChangeDate));
    expect(dates).toEqual([...dates].sort((a, b) => a - b));
    expect(new Set(dates).size).toBe(dates.length);
  });

  it('final states accept only notes', async () => {
    for (const final of FINAL) {
      const { id } = await createTicket(lReporter, lResponsible);
      const ticket = await walk(id, final);
      h.clock.advance(MINUTE);
      const note = await patch(operatorOf('responsible'), id, { note: [...ticket.note, { text: `Post-mortem after ${final}` }] });
      expect(note.status, JSON.stringify(note.body)).toBe(200);
      const noteRep = await patch(operatorOf('reporter'), id, [{ op: 'add', path: '/note/-', value: { text: 'Thanks' } }], JSON_PATCH);
      expect(noteRep.status).toBe(200);
      expect(noteRep.body.status).toBe(final);
      const before = await snapshot(id);
      for (const [key, body] of [
        [operatorOf('reporter'), { description: 'Changed after the fact' }],
        [operatorOf('responsible'), { priority: '1' }],
        [operatorOf('reporter'), { externalIdentifier: [{ id: 'LATE-1' }] }],
        [operatorOf('reporter'), { status: 'inProgress', statusChangeReason: 'Try again' }],
      ] as [string, Record<string, unknown>][]) {
        const res = await patch(key, id, body);
        await expectRefused(res, 409, id, before);
        expect(res.body.message).toContain('only notes can be added');
      }
    }
  });
});

describe('PI-2 delete (DELETE /troubleTicket/{id}): admin of the reporter only', () => {
  it('operator 403, responsible admin 403, reporter admin 204, then 404 for everyone', async () => {
    const t = await createTicket(dso, mno);
    const before = await snapshot(t.id);
    await expectRefused(await h.call('DELETE', `${TT}/${t.id}`, { key: dso.keys.operator }), 403, t.id, before);
    await expectRefused(await h.call('DELETE', `${TT}/${t.id}`, { key: dso.keys.viewer }), 403, t.id, before);
    const responsible = await h.call('DELETE', `${TT}/${t.id}`, { key: mno.keys.admin });
    await expectRefused(responsible, 403, t.id, before);
    expect(responsible.body.message).toContain('reporting organisation');
    const res = await h.call('DELETE', `${TT}/${t.id}`, { key: dso.keys.admin });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await h.db.prisma.troubleTicket.findUnique({ where: { id: t.id } })).toBeNull();
    for (const key of [dso.keys.admin, mno.keys.admin]) {
      expect((await h.call('GET', `${TT}/${t.id}`, { key })).status).toBe(404);
    }
    expect((await h.call('DELETE', `${TT}/${t.id}`, { key: dso.keys.admin })).status).toBe(404);
    expect((await patch(dso.keys.operator, t.id, { severity: 'minor' })).status).toBe(404);
    expect(ids((await list(dso.keys.viewer, `id=${t.id}`)).body)).toEqual([]);
  });
});

describe('GW-9 a suspended partnership freezes its tickets: changes 403, reads still work', () => {
  it('PATCH is 403 and changes nothing for both sides; GET and list work; re-activation unfreezes', async () => {
    const sd = await h.createOrg('DSO', 'Suspension DSO');
    const sm = await h.createOrg('MNO', 'Suspension MNO');
    const partnershipId = await h.partner(sd, sm);
    const t = await createTicket(sd, sm);
    await h.db.prisma.partnership.update({ where: { id: partnershipId }, data: { status: 'suspended' } });
    const before = await snapshot(t.id);
    for (const [key, body] of [
      [sd.keys.operator, { description: 'More detail' }],
      [sd.keys.operator, { note: [{ text: 'Anyone?' }] }],
      [sm.keys.operator, { status: 'acknowledged' }],
    ] as [string, Record<string, unknown>][]) {
      const res = await patch(key, t.id, body);
      await expectRefused(res, 403, t.id, before);
      expect(res.body.message).toContain('GW-9');
    }
    await expectRefused(
      await patch(sm.keys.operator, t.id, [{ op: 'replace', path: '/status', value: 'acknowledged' }], JSON_PATCH),
      403,
      t.id,
      before,
    );
    for (const key of [sd.keys.viewer, sm.keys.viewer]) {
      const got = await h.call('GET', `${TT}/${t.id}`, { key });
      expect(got.status).toBe(200);
      expect(exact(got.body)).toBe('submitted');
      expect(ids((await list(key)).body)).toEqual([t.id]);
    }
    // And no new ticket either.
    expect((await h.call('POST', TT, { key: sd.keys.operator, body: ticketInput(sm) })).status).toBe(422);

    await h.db.prisma.partnership.update({ where: { id: partnershipId }, data: { status: 'active' } });
    const ack = await patch(sm.keys.operator, t.id, { status: 'acknowledged' });
    expect(ack.status).toBe(200);
  });
});

describe('Tenancy (issue point 6): a ticket exists only for its reporter and its responsible organisation', () => {
  let td: TestOrg;
  let tm: TestOrg;
  /** Another MNO with its own active partnership with `td`: a partner, but not of these tickets. */
  let tx: TestOrg;
  let mine: Ticket[];
  let theirs: Ticket;
  beforeAll(async () => {
    ({ dso: td, mno: tm } = await h.partners({ dso: 'Tenancy DSO', mno: 'Tenancy MNO' }));
    tx = await h.createPartner(td, 'Tenancy Third MNO');
    mine = [await createTicket(td, tm, { externalIdentifier: [{ id: 'TEN-1' }] }), await createTicket(td, tm)];
    theirs = await createTicket(td, tx);
  });

  it('the third organisation gets 404 on retrieve, patch (both formats) and delete, like for a ticket that does not exist', async () => {
    const t = mine[0]!;
    const before = await snapshot(t.id);
    const missing = await h.call('GET', `${TT}/${crypto.randomUUID()}`, { key: tx.keys.admin });
    for (const key of [tx.keys.viewer, tx.keys.operator, tx.keys.admin]) {
      const res = await h.call('GET', `${TT}/${t.id}`, { key });
      await expectRefused(res, 404, t.id, before);
      expect(res.body.code).toBe(missing.body.code);
      expect(res.body.message).toBe(missing.body.message.replace(/[0-9a-f-]{36}/, t.id));
      const withFields = await h.call('GET', `${TT}/${t.id}?fields=status`, { key });
      expect(withFields.status).toBe(404);
    }
    await expectRefused(await patch(tx.keys.operator, t.id, { severity: 'minor' }), 404, t.id, before);
    await expectRefused(await patch(tx.keys.admin, t.id, { status: 'acknowledged' }), 404, t.id, before);
    await expectRefused(
      await patch(tx.keys.operator, t.id, [{ op: 'add', path: '/note/-', value: { text: 'hi' } }], JSON_PATCH),
      404,
      t.id,
      before,
    );
    await expectRefused(await h.call('DELETE', `${TT}/${t.id}`, { key: tx.keys.admin }), 404, t.id, before);
  });

  it('lists, counts and filters never reveal the ticket to the third organisation', async () => {
    const all = await list(tx.keys.viewer);
    expect(ids(all.body)).toEqual([theirs.id]);
    expect(all.headers['x-total-count']).toBe('1');
    for (const query of [
      `id=${mine[0]!.id}`,
      `relatedParty.partyOrPartyRole.id=${tm.id}`,
      'externalIdentifier.id=TEN-1',
      'status=submitted&relatedParty.role=responsible&limit=1&offset=1',
    ]) {
      const res = await list(tx.keys.viewer, query);
      expect(res.status, query).toBe(200);
      expect(ids(res.body), query).toEqual([]);
      if (!query.includes('offset')) expect(res.headers['x-total-count'], query).toBe('0');
      else expect(res.headers['x-total-count']).toBe('1');
    }
    // The two parties see exactly their own tickets.
    expect(new Set(ids((await list(tm.keys.viewer)).body))).toEqual(new Set(mine.map((t) => t.id)));
    expect((await list(tm.keys.viewer)).headers['x-total-count']).toBe('2');
    expect((await list(tm.keys.viewer, `relatedParty.partyOrPartyRole.id=${tx.id}`)).headers['x-total-count']).toBe('0');
    expect((await list(td.keys.viewer)).headers['x-total-count']).toBe('3');
    expect(ids((await list(td.keys.viewer, `relatedParty.partyOrPartyRole.id=${tx.id}`)).body)).toEqual([theirs.id]);
  });

  it('the platform-admin token is not an organisation: 403 on every ticket operation', async () => {
    const t = mine[1]!;
    const before = await snapshot(t.id);
    const calls: [string, string, unknown?, string?][] = [
      ['GET', TT],
      ['POST', TT, ticketInput(tm)],
      ['GET', `${TT}/${t.id}`],
      ['PATCH', `${TT}/${t.id}`, { severity: 'minor' }, MERGE],
      ['DELETE', `${TT}/${t.id}`],
    ];
    for (const [method, url, body, contentType] of calls) {
      const res = await h.call(method, url, {
        key: ADMIN_TOKEN,
        ...(body ? { body, contentType: contentType ?? 'application/json' } : {}),
      });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.body.message).toMatch(/organisation/);
    }
    expect(await snapshot(t.id)).toEqual(before);
  });
});

describe('Events in the same transaction (issue point 9, TMF688 envelopes in the outbox)', () => {
  it('create writes a TroubleTicketCreateEvent addressed to both parties', async () => {
    h.clock.advance(MINUTE);
    const t = await createTicket(dso, mno);
    const events = await eventsOf(t.id);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e).toMatchObject({
      eventType: 'TroubleTicketCreateEvent',
      resourceType: 'troubleTicket',
      resourceId: t.id,
      originatorOrgId: dso.id,
      relayedAt: null,
    });
    expect([...e.audience].sort()).toEqual([dso.id, mno.id].sort());
    expect(e.eventTime.toISOString()).toBe(nowIso());
    const payload = e.payload as Record<string, unknown>;
    expect(payload).toMatchObject({
      eventId: e.id,
      eventTime: nowIso(),
      eventType: 'TroubleTicketCreateEvent',
      '@type': 'TroubleTicketCreateEvent',
    });
    const { href: _href, ...doc } = t;
    expect((payload.event as { troubleTicket: unknown }).troubleTicket).toEqual(doc);
  });

  it('attribute, status, pending, resolved and delete each write their event, in strictly increasing sequence', async () => {
    const t = await createTicket(dso, mno);
    const current = async () => (await h.call('GET', `${TT}/${t.id}`, { key: dso.keys.viewer })).body as Ticket;
    const steps: (() => Promise<{ status: number; body: unknown }>)[] = [
      () => patch(dso.keys.operator, t.id, [{ op: 'add', path: '/note/-', value: { text: 'More info' } }], JSON_PATCH),
      () => patch(mno.keys.operator, t.id, { status: 'acknowledged' }),
      () => patch(mno.keys.operator, t.id, { status: 'pending', statusChangeReason: 'Which SIM?' }),
      async () =>
        patch(dso.keys.operator, t.id, { status: 'inProgress', note: [...(await current()).note, { text: 'IMSI 262011234567890' }] }),
      () => patch(mno.keys.operator, t.id, { priority: '2', status: 'resolved' }),
      () => h.call('DELETE', `${TT}/${t.id}`, { key: dso.keys.admin }),
    ];
    for (const step of steps) {
      h.clock.advance(MINUTE);
      const res = await step();
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    }
    const events = await eventsOf(t.id);
    // Issue 11: events carry the standard representation; Gridlink's state is gridlinkStatus ?? status.
    expect(events.map((e) => [e.eventType, exact((e.payload as { event: { troubleTicket: Ticket } }).event.troubleTicket)])).toEqual([
      ['TroubleTicketCreateEvent', 'submitted'],
      ['TroubleTicketAttributeValueChangeEvent', 'submitted'],
      ['TroubleTicketStatusChangeEvent', 'acknowledged'],
      ['TroubleTicketStatusChangeEvent', 'pending'],
      ['TroubleTicketInformationRequiredEvent', 'pending'],
      ['TroubleTicketAttributeValueChangeEvent', 'inProgress'],
      ['TroubleTicketStatusChangeEvent', 'inProgress'],
      ['TroubleTicketAttributeValueChangeEvent', 'resolved'],
      ['TroubleTicketStatusChangeEvent', 'resolved'],
      ['TroubleTicketResolvedEvent', 'resolved'],
      ['TroubleTicketDeleteEvent', 'resolved'],
    ]);
    for (const [i, e] of events.entries()) {
      if (i > 0) expect(e.sequence).toBeGreaterThan(events[i - 1]!.sequence);
      expect([...e.audience].sort()).toEqual([dso.id, mno.id].sort());
      const payload = e.payload as { eventId: string; eventType: string; eventTime: string; event: { troubleTicket: { id: string } } };
      expect(payload.eventId).toBe(e.id);
      expect(payload.eventType).toBe(e.eventType);
      expect(payload.eventTime).toBe(e.eventTime.toISOString());
      expect(payload.event.troubleTicket.id).toBe(t.id);
    }
    expect(events.map((e) => e.originatorOrgId)).toEqual([
      dso.id,
      dso.id,
      mno.id,
      mno.id,
      mno.id,
      dso.id,
      dso.id,
      mno.id,
      mno.id,
      mno.id,
      dso.id,
    ]);
    // The event ids are unique and the information-required event carries the question.
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect((events[4]!.payload as { description?: string }).description).toBe('Which SIM?');
  });

  it('a refused command writes no event and changes nothing', async () => {
    const t = await createTicket(dso, mno);
    const before = await snapshot(t.id);
    const refusals: [string, unknown, string, number][] = [
      [dso.keys.operator, { status: 'closed' }, MERGE, 409], // forbidden transition
      [mno.keys.operator, { status: 'rejected' }, MERGE, 422], // missing reason
      [dso.keys.operator, { severity: 42 }, MERGE, 400], // schema violation
      [mno.keys.operator, { priority: 'apocalyptic' }, MERGE, 400], // a priority word that maps onto no ITIL level
      [mno.keys.operator, { severity: 'minor' }, MERGE, 403], // reporter-only attribute
      [dso.keys.operator, [{ op: 'replace', path: '/creationDate', value: '2020-01-01T00:00:00.000Z' }], JSON_PATCH, 200], // server-managed: ignored
      [dso.keys.operator, [{ op: 'remove', path: '/relatedParty/0' }], JSON_PATCH, 422], // read-only
      [dso.keys.operator, [{ op: 'test', path: '/status', value: 'closed' }], JSON_PATCH, 409], // failed test
      [dso.keys.operator, { note: [] }, MERGE, 200], // no notes to remove: a no-op, still no event
      [other.keys.operator, { severity: 'minor' }, MERGE, 404], // third party
      [dso.keys.viewer, { severity: 'minor' }, MERGE, 403], // role
      ['', { severity: 'minor' }, MERGE, 401], // no credentials
    ];
    for (const [key, body, contentType, status] of refusals) {
      const res = await h.call('PATCH', `${TT}/${t.id}`, { key: key || undefined, body, contentType });
      await expectRefused(res, status, t.id, before);
    }
  });

  it('rollback: an event written in a transaction that then fails is not stored', async () => {
    const id = crypto.randomUUID();
    let seenInside = -1;
    await expect(
      h.db.transaction(async (tx) => {
        await tx.troubleTicket.create({
          data: {
            id,
            reporterOrgId: dso.id,
            responsibleOrgId: mno.id,
            status: 'submitted',
            severity: 'major',
            ticketType: 'down',
            creationDate: h.clock.now(),
            lastUpdate: h.clock.now(),
            statusChangeDate: h.clock.now(),
            doc: { id },
          },
        });
        await writeEvents(tx, [
          {
            eventType: 'TroubleTicketCreateEvent',
            resourceType: 'troubleTicket',
            resource: { id },
            audience: [dso.id, mno.id],
            originatorOrgId: dso.id,
            eventTime: h.clock.now(),
          },
        ]);
        seenInside = await tx.event.count({ where: { resourceId: id } });
        throw new Error('failure after the write');
      }),
    ).rejects.toThrow('failure after the write');
    expect(seenInside).toBe(1);
    expect(await h.db.prisma.event.count({ where: { resourceId: id } })).toBe(0);
    expect(await h.db.prisma.troubleTicket.findUnique({ where: { id } })).toBeNull();
    // The sequence keeps increasing past the rolled-back number: later events still sort after earlier ones.
    const last = await h.db.prisma.event.findFirstOrThrow({ orderBy: { sequence: 'desc' } });
    const t = await createTicket(dso, mno);
    expect((await eventsOf(t.id))[0]!.sequence).toBeGreaterThan(last.sequence);
  });
});

describe('GW-2 / GW-3 audit log (issue point 8)', () => {
  const auditRows = async (requestId: string) => {
    await h.app.audit.flush();
    return h.db.prisma.auditLog.findMany({ where: { requestId } });
  };

  it('a successful create: operation, organisation, credential, resource, counterpart, outcome, duration and request id', async () => {
    const res = await h.call('POST', TT, { key: dso.keys.operator, body: ticketInput(mno) });
    expect(res.status).toBe(201);
    const requestId = res.headers['x-request-id'] as string;
    expect(requestId).toMatch(UUID);
    const rows = await auditRows(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      operation: 'createTroubleTicket',
      method: 'POST',
      path: TT,
      organizationId: dso.id,
      credentialId: await apiKeyId(h, dso.keys.operator),
      credentialKind: 'apiKey',
      resourceType: 'troubleTicket',
      resourceId: res.body.id,
      counterpartOrgId: mno.id,
      status: 201,
      outcome: 'success',
    });
    expect(rows[0]!.durationMs).toBeGreaterThan(0);
    expect(rows[0]!.time).toBeInstanceOf(Date);
  });

  it('the responsible side’s reads name the reporter as counterpart; a caller-supplied request id is kept', async () => {
    const t = await createTicket(dso, mno);
    const res = await h.call('GET', `${TT}/${t.id}`, { key: mno.keys.viewer, headers: { 'X-Request-ID': `audit-read-${t.id}` } });
    expect(res.headers['x-request-id']).toBe(`audit-read-${t.id}`);
    const [row] = await auditRows(`audit-read-${t.id}`);
    expect(row).toMatchObject({
      operation: 'retrieveTroubleTicket',
      organizationId: mno.id,
      resourceId: t.id,
      counterpartOrgId: dso.id,
      status: 200,
      outcome: 'success',
    });
  });

  it('GW-3: a request without credentials (401) is logged as refused, with no organisation', async () => {
    const res = await h.call('GET', TT);
    expect(res.status).toBe(401);
    const rows = await auditRows(res.headers['x-request-id'] as string);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      operation: 'listTroubleTicket',
      organizationId: null,
      credentialId: null,
      credentialKind: null,
      status: 401,
      outcome: 'refused',
    });
    const bad = await h.call('POST', TT, { key: `glk_AAAAAAAAAAAA_${'x'.repeat(43)}`, body: ticketInput(mno) });
    expect(bad.status).toBe(401);
    expect((await auditRows(bad.headers['x-request-id'] as string))[0]).toMatchObject({
      organizationId: null,
      status: 401,
      outcome: 'refused',
    });
  });

  it('GW-3: a 403 (insufficient role, platform token) is logged with the credential that tried', async () => {
    const res = await h.call('POST', TT, { key: dso.keys.viewer, body: ticketInput(mno) });
    expect(res.status).toBe(403);
    const [row] = await auditRows(res.headers['x-request-id'] as string);
    expect(row).toMatchObject({
      operation: 'createTroubleTicket',
      organizationId: dso.id,
      credentialId: await apiKeyId(h, dso.keys.viewer),
      credentialKind: 'apiKey',
      status: 403,
      outcome: 'refused',
    });
    expect(row!.detail).toContain('operator');
    const platform = await h.call('GET', TT, { key: ADMIN_TOKEN });
    expect((await auditRows(platform.headers['x-request-id'] as string))[0]).toMatchObject({
      credentialId: 'platform-admin',
      credentialKind: 'platformToken',
      organizationId: null,
      status: 403,
      outcome: 'refused',
    });
  });

  it('GW-3: a 404 on another organisation’s ticket and a refused transition are logged with the resource id', async () => {
    const t = await createTicket(dso, mno);
    const res = await h.call('GET', `${TT}/${t.id}`, { key: other.keys.viewer });
    expect(res.status).toBe(404);
    const [row] = await auditRows(res.headers['x-request-id'] as string);
    expect(row).toMatchObject({
      operation: 'retrieveTroubleTicket',
      organizationId: other.id,
      resourceId: t.id,
      counterpartOrgId: null,
      status: 404,
      outcome: 'refused',
    });
    const forbidden = await patch(dso.keys.operator, t.id, { status: 'closed' });
    expect(forbidden.status).toBe(409);
    const [row409] = await auditRows(forbidden.headers['x-request-id'] as string);
    expect(row409).toMatchObject({
      operation: 'patchTroubleTicket',
      organizationId: dso.id,
      resourceId: t.id,
      status: 409,
      outcome: 'refused',
    });
    expect(row409!.detail).toContain('Allowed for the reporter from submitted: cancelled');
  });
});
