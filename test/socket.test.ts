import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  apiKeyId,
  closeSockets,
  connectSocket,
  createHarness,
  refusedSocket,
  ticketInput,
  waitFor,
  type Harness,
  type TestOrg,
  type TestSocket,
  TT,
  PS,
  allRelayed,
} from './support/harness.js';

/**
 * Issue 3 point 2: Socket.IO push. Handshake authentication (refusals audited, GW-2/GW-3),
 * client filters, LISTEN/NOTIFY latency, and resume after a disconnect with no gap and no
 * duplicate at the seam (within the retention period).
 */
const DAY = 86_400_000;

let h: Harness;
let base: string;

beforeAll(async () => {
  // The safety-net poll is pushed out of reach: anything that arrives in time was woken by NOTIFY.
  h = await createHarness({ env: { GRIDLINK_RELAY_POLL_MS: '600000' } });
  base = await h.listen();
});
afterEach(() => closeSockets());
afterAll(async () => {
  closeSockets();
  await h?.close();
});

async function fileTicket(reporter: TestOrg, responsible: TestOrg, overrides: Record<string, unknown> = {}) {
  const res = await h.call('POST', TT, { key: reporter.keys.operator, body: ticketInput(responsible, overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

async function setStatus(by: TestOrg, id: string, status: string, statusChangeReason?: string) {
  const res = await h.patch(`${TT}/${id}`, by.keys.operator, { status, ...(statusChangeReason ? { statusChangeReason } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function maxSequence(): Promise<number> {
  const { rows } = await h.db.pool.query<{ max: string | null }>('SELECT max(sequence) AS max FROM event');
  return Number(rows[0]!.max ?? 0);
}

/** The outbox rows an organisation may receive, after a sequence, in order. */
async function eventRowsFor(orgId: string, after: number) {
  const { rows } = await h.db.pool.query<{ sequence: string; id: string; event_type: string; resource_id: string }>(
    'SELECT sequence, id, event_type, resource_id FROM event WHERE $1::uuid = ANY(audience) AND sequence > $2 ORDER BY sequence',
    [orgId, after],
  );
  return rows.map((r) => ({ sequence: Number(r.sequence), id: r.id, eventType: r.event_type, resourceId: r.resource_id }));
}

const strictlyIncreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

async function pair() {
  const { dso, mno } = await h.partners();
  return { dso, mno };
}

/**
 * Every event the server emitted to this socket before the ack is received before the ack
 * (one ordered connection), so an acknowledged 'filter' message is a delivery barrier.
 */
async function barrier(s: TestSocket, filter: Record<string, unknown>) {
  return (await s.socket.timeout(10_000).emitWithAck('filter', filter)) as { ok: boolean; filter: Record<string, unknown> };
}

async function socketAudits() {
  await h.app.audit.flush();
  return h.db.prisma.auditLog.findMany({ where: { operation: 'socketConnect' }, orderBy: { id: 'asc' } });
}

describe('Socket.IO handshake authentication; refused handshakes are audited (issue 3 point 2, GW-2, GW-3)', () => {
  it('no key, an unknown key and a malformed header are refused with connect_error and a TMF error body', async () => {
    const before = (await socketAudits()).length;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /Missing credentials/],
      [{ token: `glk_AAAAAAAAAAAA_${'x'.repeat(43)}` }, /Invalid credentials/],
      [{ token: 'not-a-key' }, /Invalid credentials/],
    ];
    for (const [auth, message] of cases) {
      const err = await refusedSocket(base, auth);
      expect(err.message, JSON.stringify(auth)).toMatch(message);
      expect(err.data).toMatchObject({ status: '401', code: 'UNAUTHORIZED', '@type': 'Error' });
    }
    const rows = (await socketAudits()).slice(before);
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r).toMatchObject({
        operation: 'socketConnect',
        method: 'GET',
        path: '/socket.io',
        status: 401,
        outcome: 'refused',
        organizationId: null,
      });
      expect(r.detail).toMatch(/credentials/);
    }
  });

  it('the platform-admin token is refused (403): a socket carries one organisation’s events', async () => {
    const before = (await socketAudits()).length;
    const err = await refusedSocket(base, { token: ADMIN_TOKEN });
    expect(err.data).toMatchObject({ status: '403', code: 'FORBIDDEN' });
    const rows = (await socketAudits()).slice(before);
    expect(rows).toEqual([expect.objectContaining({ status: 403, outcome: 'refused', operation: 'socketConnect' })]);
  });

  it('a lastSequence that is not a non-negative integer is refused (400), and audited', async () => {
    const { mno } = await pair();
    const before = (await socketAudits()).length;
    for (const lastSequence of [-1, 1.5, 'abc']) {
      const err = await refusedSocket(base, { token: mno.keys.viewer, lastSequence });
      expect(err.data, String(lastSequence)).toMatchObject({ status: '400' });
    }
    const rows = (await socketAudits()).slice(before);
    expect(rows.map((r) => [r.status, r.outcome])).toEqual([
      [400, 'refused'],
      [400, 'refused'],
      [400, 'refused'],
    ]);
  });

  it('an organisation key (even a viewer’s) connects; the accepted handshake is audited with the credential', async () => {
    const { mno } = await pair();
    const before = (await socketAudits()).length;
    const s = await connectSocket(base, { token: mno.keys.viewer });
    expect(s.readies).toEqual([{ replayed: 0, lastSequence: null, gap: false }]);
    const rows = (await socketAudits()).slice(before);
    expect(rows).toEqual([
      expect.objectContaining({
        status: 101,
        outcome: 'success',
        organizationId: mno.id,
        credentialId: await apiKeyId(h, mno.keys.viewer),
        credentialKind: 'apiKey',
      }),
    ]);
  });
});

describe('LISTEN/NOTIFY wakes the relay: a change reaches a socket in well under the poll interval (issue 3 point 1)', () => {
  it('a new ticket reaches the counterpart’s socket in < 2 s, three times in a row (the poll here is 10 minutes)', async () => {
    const { dso, mno } = await pair();
    const s = await connectSocket(base, { token: mno.keys.viewer });
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await fileTicket(dso, mno);
      const committed = Date.now(); // the POST answered: the transaction (and its NOTIFY) committed
      await waitFor(() => s.events.some((e) => e.event.troubleTicket?.id === t.id), 10_000, 'the ticket on the socket');
      latencies.push(Date.now() - committed);
    }
    expect(Math.max(...latencies), `latencies ${latencies.join(', ')} ms`).toBeLessThan(2_000);
  });
});

describe('client filters: eventTypes, resourceTypes, resourceId, and the filter message (issue 3 point 2)', () => {
  it('each socket receives only what its filter selects, in sequence order', async () => {
    const { dso, mno } = await pair();
    const t1 = await fileTicket(dso, mno);
    await allRelayed(h);
    const filters = {
      all: {},
      byType: { eventTypes: ['TroubleTicketStatusChangeEvent'] },
      byResourceType: { resourceTypes: ['partnership'] },
      byId: { resourceId: t1.id },
    };
    const all = await connectSocket(base, { token: mno.keys.viewer, ...filters.all });
    const byType = await connectSocket(base, { token: mno.keys.viewer, ...filters.byType });
    const byResourceType = await connectSocket(base, { token: mno.keys.viewer, ...filters.byResourceType });
    const byId = await connectSocket(base, { token: mno.keys.viewer, ...filters.byId });

    const t2 = await fileTicket(dso, mno, { severity: 'minor' }); // Create t2
    const patched = await h.patch(`${TT}/${t2.id}`, dso.keys.operator, { severity: 'critical' });
    expect(patched.status).toBe(200); // AttributeValueChange t2
    await setStatus(mno, t2.id, 'acknowledged'); // StatusChange t2
    await setStatus(mno, t1.id, 'acknowledged'); // StatusChange t1
    const dso2 = await h.createOrg('DSO');
    const proposal = await h.call('POST', PS, { key: mno.keys.admin, body: { counterparty: { id: dso2.id } } });
    expect(proposal.status).toBe(201); // PartnershipCreate, audience [dso2, mno]

    const expected = [
      ['TroubleTicketCreateEvent', t2.id],
      ['TroubleTicketAttributeValueChangeEvent', t2.id],
      ['TroubleTicketStatusChangeEvent', t2.id],
      ['TroubleTicketStatusChangeEvent', t1.id],
      ['PartnershipCreateEvent', proposal.body.id as string],
    ];
    const key = (e: { eventType: string; event: Record<string, Record<string, unknown>> }) => [
      e.eventType,
      (e.event.troubleTicket ?? e.event.partnership)!.id,
    ];
    await waitFor(() => all.events.length >= expected.length, 10_000, 'all five events');
    // Everything was emitted to every local socket by now; an ack orders after it.
    await barrier(all, filters.all);
    await barrier(byType, filters.byType);
    await barrier(byResourceType, filters.byResourceType);
    await barrier(byId, filters.byId);
    expect(all.events.map(key)).toEqual(expected);
    expect(byType.events.map(key)).toEqual([expected[2], expected[3]]);
    expect(byResourceType.events.map(key)).toEqual([expected[4]]);
    expect(byId.events.map(key)).toEqual([expected[3]]);
    for (const s of [all, byType, byResourceType, byId]) expect(strictlyIncreasing(s.sequences())).toBe(true);
  });

  it('the filter message replaces the filter at run time and is acknowledged', async () => {
    const { dso, mno } = await pair();
    const t1 = await fileTicket(dso, mno);
    await allRelayed(h);
    const s = await connectSocket(base, { token: mno.keys.viewer, resourceId: t1.id });
    const ack = await barrier(s, { eventTypes: 'TroubleTicketDeleteEvent,TroubleTicketCreateEvent' });
    expect(ack).toEqual({ ok: true, filter: { eventTypes: ['TroubleTicketDeleteEvent', 'TroubleTicketCreateEvent'] } });
    const t2 = await fileTicket(dso, mno); // passes now: any resource, a create
    await setStatus(mno, t2.id, 'acknowledged'); // filtered out: a status change
    expect((await h.call('DELETE', `${TT}/${t2.id}`, { key: dso.keys.admin })).status).toBe(204);
    await waitFor(() => s.events.length >= 2, 10_000, 'create and delete');
    await barrier(s, {});
    expect(s.events.map((e) => [e.eventType, e.event.troubleTicket!.id])).toEqual([
      ['TroubleTicketCreateEvent', t2.id],
      ['TroubleTicketDeleteEvent', t2.id],
    ]);
  });
});

describe('resume: a client that reconnects with the last sequence it saw misses nothing (issue 3 point 2)', () => {
  it('missed events are replayed in order, ready reports how many, then the live stream continues; no gap, no duplicate', async () => {
    const { dso, mno } = await pair();
    const baseline = await maxSequence();
    const first = await connectSocket(base, { token: mno.keys.viewer });
    const tickets = [await fileTicket(dso, mno), await fileTicket(dso, mno), await fileTicket(dso, mno)];
    await waitFor(() => first.events.length === 3, 10_000, 'three live events');
    const lastSeen = first.events.at(-1)!.sequence;
    first.close();

    // While disconnected: tickets change on both sides.
    await setStatus(mno, tickets[0]!.id, 'acknowledged');
    await setStatus(mno, tickets[1]!.id, 'rejected', 'not our network');
    const t4 = await fileTicket(dso, mno);
    await setStatus(dso, tickets[2]!.id, 'cancelled');
    const missed = (await eventRowsFor(mno.id, lastSeen)).map((r) => r.sequence);
    expect(missed).toHaveLength(4);

    const second = await connectSocket(base, { token: mno.keys.viewer, lastSequence: lastSeen });
    expect(second.readies).toEqual([{ replayed: 4, lastSequence: missed.at(-1), gap: false }]);
    expect(second.sequences()).toEqual(missed); // replay complete before 'ready'

    await setStatus(mno, t4.id, 'acknowledged'); // live again
    const t5 = await fileTicket(dso, mno);
    await waitFor(() => second.events.length === 6, 10_000, 'two live events after the replay');
    await barrier(second, {});
    expect(second.events.at(-1)!.event.troubleTicket!.id).toBe(t5.id);

    const received = [...first.sequences(), ...second.sequences()];
    expect(strictlyIncreasing(received), received.join(',')).toBe(true);
    expect(received).toEqual((await eventRowsFor(mno.id, baseline)).map((r) => r.sequence));
    expect(new Set([...first.events, ...second.events].map((e) => e.eventId)).size).toBe(received.length);
  });

  it('reconnecting while tickets keep changing: the seam between replay and live has no gap and no duplicate', async () => {
    const { dso, mno } = await pair();
    const baseline = await maxSequence();
    const first = await connectSocket(base, { token: mno.keys.viewer });
    let stop = false;
    let created = 0;
    // Two writers keep creating and acknowledging tickets throughout.
    const writer = async () => {
      while (!stop) {
        const t = await fileTicket(dso, mno, { severity: created % 2 ? 'minor' : 'major' });
        created++;
        await setStatus(mno, t.id, 'acknowledged');
      }
    };
    const writers = [writer(), writer()];
    await waitFor(() => first.events.length >= 6, 20_000, 'some live events');
    first.close();
    const lastSeen = first.events.at(-1)?.sequence ?? baseline;
    await waitFor(() => created >= 8, 20_000, 'writes while disconnected');
    const second = await connectSocket(base, { token: mno.keys.viewer, lastSequence: lastSeen });
    const atReady = second.events.length;
    await waitFor(() => created >= 16, 30_000, 'writes after the reconnect');
    stop = true;
    await Promise.all(writers);

    const expected = (await eventRowsFor(mno.id, baseline)).map((r) => r.sequence);
    const seenAfterFirst = expected.filter((s) => s > lastSeen);
    await waitFor(() => second.events.length >= seenAfterFirst.length, 20_000, 'every event after the seam');
    await barrier(second, {});
    const received = [...first.sequences(), ...second.sequences()];
    expect(strictlyIncreasing(received), `not strictly increasing: ${received.join(',')}`).toBe(true);
    expect(received).toEqual(expected);
    expect(second.readies[0]!.replayed).toBe(atReady);
    expect(second.readies[0]!.gap).toBe(false);
    expect(second.events.length).toBeGreaterThan(atReady); // some came live after the replay
  }, 90_000);

  it('lastSequence 0 replays everything retained for the organisation and nothing of anyone else', async () => {
    const { dso, mno } = await pair();
    const other = await pair();
    await fileTicket(dso, mno);
    await fileTicket(other.dso, other.mno);
    const s = await connectSocket(base, { token: mno.keys.viewer, lastSequence: 0 });
    const mine = await eventRowsFor(mno.id, 0);
    expect(s.sequences()).toEqual(mine.map((r) => r.sequence));
    expect(s.readies[0]).toMatchObject({ replayed: mine.length, gap: false });
  });

  // Moves the clock 8 days: keep it last in this file.
  it('retention: events older than the retention period (default 7 days) are not replayed, and ready reports the gap', async () => {
    const { dso, mno } = await pair();
    await fileTicket(dso, mno);
    const [old] = await eventRowsFor(mno.id, 0);
    h.clock.advance(8 * DAY);
    const fresh = await fileTicket(dso, mno);
    const s = await connectSocket(base, { token: mno.keys.viewer, lastSequence: old!.sequence - 1 });
    expect(s.events.map((e) => e.event.troubleTicket!.id)).toEqual([fresh.id]);
    expect(s.readies[0]).toMatchObject({ replayed: 1, gap: true });
  });
});
