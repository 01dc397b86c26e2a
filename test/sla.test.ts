import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, ticketInput, type Harness, type TestOrg, TT, INC, SP, REPORT } from './support/harness.js';
import { itilPriority, slaClass } from '../src/modules/sla/priority.js';
import { readClock } from '../src/modules/sla/sla.clock.js';
import { TRANSITIONS } from '../src/modules/troubleTicket/troubleTicket.lifecycle.js';

/**
 * Issue 5, point 4 (and the KPI part of 5): ITIL priority, tier targets, SLA clocks driven
 * by the injected clock (no sleeping): pause/resume, breach warnings and breaches to both
 * parties (each once), violations recorded on the resource, auto-close of resolved tickets
 * unless reopened, and the partnership KPIs.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;

beforeAll(async () => {
  h = await createHarness({ env: { GRIDLINK_AUTO_CLOSE_HOURS: '24' } });
  ({ dso, mno } = await h.partners({ dso: 'Nordnetz Verteilung', mno: 'Funkwerk Mobil' }));
});
afterAll(async () => h?.close());

const runSla = async () => {
  const r = await h.app.scheduler.runNow('sla-clock');
  expect(r.outcome, r.detail).toBe('success');
  return r.detail!;
};

async function createTicket(from: TestOrg, to: TestOrg, overrides: Record<string, unknown> = {}) {
  const res = await h.call('POST', TT, { key: from.keys.operator, body: ticketInput(to, overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; [k: string]: unknown };
}
async function move(key: string, id: string, status: string, reason?: string) {
  const res = await h.patch(`${TT}/${id}`, key, { status, ...(reason ? { statusChangeReason: reason } : {}) });
  expect(res.status, `${status}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body as { [k: string]: unknown };
}

interface SlaEvent {
  eventType: string;
  audience: string[];
  originatorOrgId: string | null;
  clock: {
    kind: string;
    resource: { id: string; '@referredType': string };
    priority: number;
    tier: string;
    targetMinutes: number;
    elapsedMinutes: number;
  };
}
/** SLA events about one resource, oldest first. */
async function slaEvents(resourceId: string): Promise<SlaEvent[]> {
  const rows = await h.db.prisma.event.findMany({ where: { resourceType: 'slaClock' }, orderBy: { sequence: 'asc' } });
  return rows
    .map((r) => ({
      eventType: r.eventType,
      audience: r.audience,
      originatorOrgId: r.originatorOrgId,
      clock: (r.payload as { event: { slaClock: SlaEvent['clock'] } }).event.slaClock,
    }))
    .filter((e) => e.clock.resource.id === resourceId);
}
const kinds = (events: SlaEvent[]) => events.map((e) => `${e.eventType}:${e.clock.kind}`);

describe('ITIL priority and clock arithmetic', () => {
  it('impact x urgency follows the matrix in domain.md', () => {
    const grid = [1, 2, 3].map((impact) => [1, 2, 3].map((urgency) => itilPriority(impact as 1, urgency as 1)));
    expect(grid).toEqual([
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 5],
    ]);
  });

  it('SLA class of each resource type', () => {
    expect(slaClass('troubleTicket', { priority: '2', severity: 'minor' })).toBe(2);
    expect(slaClass('troubleTicket', { severity: 'critical' })).toBe(2);
    expect(slaClass('troubleTicket', { severity: 'warning' })).toBe(5);
    expect(
      slaClass('troubleTicket', {
        severity: 'warning',
        troubleTicketCharacteristic: [
          { name: 'impact', value: 'high' },
          { name: 'urgency', value: 'high' },
        ],
      }),
    ).toBe(1);
    expect(slaClass('serviceProblem', { priority: 8 })).toBe(5);
    expect(slaClass('incident', { priority: 'critical' })).toBe(1);
    expect(slaClass('incident', { priority: 'low' })).toBe(4);
  });

  it('elapsed time counts running statuses only; pending and held pause; resolved stops; reopening resumes', () => {
    const m = (x: number) => x * MINUTE;
    const tl = [
      { status: 'submitted', at: 0 },
      { status: 'acknowledged', at: m(10) },
      { status: 'pending', at: m(30) },
      { status: 'inProgress', at: m(90) },
      { status: 'held', at: m(100) },
      { status: 'inProgress', at: m(200) },
      { status: 'resolved', at: m(210) },
      { status: 'inProgress', at: m(300) },
    ];
    expect(readClock('response', tl, m(400), m(15))).toMatchObject({ elapsedMs: m(10), state: 'stopped', outcome: 'met' });
    expect(readClock('resolution', tl, m(60), m(240))).toMatchObject({ elapsedMs: m(30), state: 'paused' });
    expect(readClock('resolution', tl, m(250), m(240))).toMatchObject({ elapsedMs: m(50), state: 'stopped', outcome: 'met' });
    expect(readClock('resolution', tl, m(330), m(240))).toMatchObject({ elapsedMs: m(80), state: 'running', outcome: undefined });
    expect(readClock('resolution', tl, m(330), m(60))).toMatchObject({ state: 'running', outcome: 'breached' });
    expect(readClock('response', [...tl.slice(0, 1), { status: 'cancelled', at: m(5) }], m(50), m(1)).outcome).toBe('void');
  });
});

describe('SLA targets per tier', () => {
  it('lists the seeded targets (GET /slaTarget)', async () => {
    const res = await h.call('GET', `${REPORT}/slaTarget?tier=standard`, { key: dso.keys.viewer });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { tier: 'standard', priority: 1, responseMinutes: 15, resolutionMinutes: 240, '@type': 'SlaTarget' },
      { tier: 'standard', priority: 2, responseMinutes: 30, resolutionMinutes: 480, '@type': 'SlaTarget' },
      { tier: 'standard', priority: 3, responseMinutes: 120, resolutionMinutes: 1440, '@type': 'SlaTarget' },
      { tier: 'standard', priority: 4, responseMinutes: 480, resolutionMinutes: 4320, '@type': 'SlaTarget' },
      { tier: 'standard', priority: 5, responseMinutes: 1440, resolutionMinutes: 10080, '@type': 'SlaTarget' },
    ]);
    const all = await h.call('GET', `${REPORT}/slaTarget`, { key: mno.keys.viewer });
    expect(new Set((all.body as { tier: string }[]).map((t) => t.tier))).toEqual(new Set(['basic', 'standard', 'premium']));
  });
});

describe('SLA clocks (the sla-clock job, injected clock)', () => {
  it('response clock: warning at 80 %, breach past 100 %, each once, to both parties; the breach is recorded on the ticket', async () => {
    const t = await createTicket(dso, mno, { priority: '1' });
    h.clock.advance(11 * MINUTE);
    await runSla();
    expect(await slaEvents(t.id)).toEqual([]);
    h.clock.advance(1 * MINUTE);
    await runSla();
    await runSla();
    let ev = await slaEvents(t.id);
    expect(kinds(ev)).toEqual(['SlaBreachWarningEvent:response']);
    expect(ev[0]!.audience.sort()).toEqual([dso.id, mno.id].sort());
    expect(ev[0]!.originatorOrgId).toBeNull();
    expect(ev[0]!.clock).toMatchObject({
      resource: { id: t.id, '@referredType': 'TroubleTicket' },
      priority: 1,
      tier: 'standard',
      targetMinutes: 15,
      elapsedMinutes: 12,
    });

    h.clock.advance(3 * MINUTE + 1000);
    await runSla();
    await runSla();
    ev = await slaEvents(t.id);
    expect(kinds(ev)).toEqual(['SlaBreachWarningEvent:response', 'SlaBreachEvent:response']);
    const got = (await h.call('GET', `${TT}/${t.id}`, { key: mno.keys.viewer })).body as { slaViolation: unknown[] };
    expect(got.slaViolation).toEqual([
      expect.objectContaining({
        name: 'response',
        targetMinutes: 15,
        priority: 1,
        tier: 'standard',
        violationDate: h.clock.now().toISOString(),
        '@type': 'SLAViolationRef',
      }),
    ]);
    const ticketEvents = await h.db.prisma.event.findMany({ where: { resourceId: t.id }, orderBy: { sequence: 'asc' } });
    expect(ticketEvents.map((e) => e.eventType).at(-1)).toBe('TroubleTicketAttributeValueChangeEvent');
    // Issue 15: recorded by the ticket's owner (the two-party core), so the event carries the
    // standard representation like every other ticket event (issue 11: gridlinkStatus).
    const breachEvent = (ticketEvents.at(-1)!.payload as { event: { troubleTicket: Record<string, unknown> } }).event.troubleTicket;
    expect(breachEvent).toMatchObject({ status: 'acknowledged', gridlinkStatus: 'submitted' });
    expect(breachEvent.slaViolation).toEqual([expect.objectContaining({ name: 'response' })]);
    const clock = await h.db.prisma.slaClock.findUniqueOrThrow({
      where: { resourceType_resourceId_kind: { resourceType: 'troubleTicket', resourceId: t.id, kind: 'response' } },
    });
    expect(clock.breachedAt?.toISOString()).toBe(h.clock.now().toISOString());

    // Acknowledging late stops the response clock; nothing more is raised for it.
    await move(mno.keys.operator, t.id, 'acknowledged');
    h.clock.advance(HOUR);
    await runSla();
    expect(kinds(await slaEvents(t.id))).toEqual(['SlaBreachWarningEvent:response', 'SlaBreachEvent:response']);
  });

  it('resolution clock pauses while pending or held and resumes after; warning at 192 of 240 min, breach past 240', async () => {
    const t = await createTicket(dso, mno, { priority: '1' });
    h.clock.advance(MINUTE);
    await move(mno.keys.operator, t.id, 'acknowledged');
    h.clock.advance(MINUTE);
    await move(mno.keys.operator, t.id, 'inProgress');
    h.clock.advance(60 * MINUTE);
    await move(mno.keys.operator, t.id, 'pending', 'Need the IMSI of the RTU SIM');
    // 62 minutes on the clock; ten hours waiting for the reporter do not count.
    h.clock.advance(10 * HOUR);
    await runSla();
    expect(await slaEvents(t.id)).toEqual([]);
    await move(dso.keys.operator, t.id, 'inProgress');
    h.clock.advance(129 * MINUTE);
    await runSla();
    expect(await slaEvents(t.id)).toEqual([]);
    h.clock.advance(MINUTE);
    await runSla();
    expect(kinds(await slaEvents(t.id))).toEqual(['SlaBreachWarningEvent:resolution']);
    expect((await slaEvents(t.id))[0]!.clock.elapsedMinutes).toBe(192);
    await move(mno.keys.operator, t.id, 'held', 'Field crew waits for mains power');
    h.clock.advance(5 * HOUR);
    await runSla();
    await move(mno.keys.operator, t.id, 'inProgress');
    h.clock.advance(48 * MINUTE);
    await runSla();
    expect(kinds(await slaEvents(t.id))).toEqual(['SlaBreachWarningEvent:resolution']);
    h.clock.advance(MINUTE);
    await runSla();
    expect(kinds(await slaEvents(t.id))).toEqual(['SlaBreachWarningEvent:resolution', 'SlaBreachEvent:resolution']);
    const got = (await h.call('GET', `${TT}/${t.id}`, { key: dso.keys.viewer })).body as { slaViolation: { name: string }[] };
    expect(got.slaViolation.map((v) => v.name)).toEqual(['resolution']);
  });

  it('a breach found after the fact (resolved late between two runs) is still recorded, without a warning', async () => {
    const t = await createTicket(dso, mno, { priority: '1' });
    h.clock.advance(MINUTE);
    await move(mno.keys.operator, t.id, 'acknowledged');
    await runSla();
    h.clock.advance(250 * MINUTE);
    await move(mno.keys.operator, t.id, 'resolved');
    await runSla();
    expect(kinds(await slaEvents(t.id))).toEqual(['SlaBreachEvent:resolution']);
  });

  it('issue 11: a ticket and a problem kept as the reporter own for hours start their clocks at the hand-over, not at creation', async () => {
    const own = await createTicket(dso, mno, { priority: '1', relatedParty: [] });
    const problem = await h.call('POST', `${SP}/serviceProblem`, {
      key: dso.keys.operator,
      body: { category: 'x', description: 'Drafted overnight', reason: 'unknown', priority: 1 },
    });
    expect(problem.status, JSON.stringify(problem.body)).toBe(201);
    h.clock.advance(2 * HOUR);
    await runSla();
    expect(await slaEvents(own.id)).toEqual([]);
    const handedAt = h.clock.now().toISOString();
    const tt = await h.patch(`${TT}/${own.id}`, dso.keys.operator, {
      relatedParty: [...(own.relatedParty as unknown[]), { role: 'responsible', partyOrPartyRole: { id: mno.id } }],
    });
    expect(tt.status, JSON.stringify(tt.body)).toBe(200);
    expect(tt.body.handOverDate).toBe(handedAt);
    const sp = await h.patch(`${SP}/serviceProblem/${problem.body.id}`, dso.keys.operator, {
      responsibleParty: { role: 'responsible', partyOrPartyRole: { id: mno.id } },
    });
    expect(sp.status, JSON.stringify(sp.body)).toBe(200);
    expect(sp.body.handOverDate).toBe(handedAt);
    // Two hours as the reporter's own do not count: nothing is breached at the hand-over.
    await runSla();
    expect(await slaEvents(own.id)).toEqual([]);
    expect(await slaEvents(problem.body.id)).toEqual([]);
    // The response clock (15 min at priority 1) runs from the hand-over.
    h.clock.advance(12 * MINUTE);
    await runSla();
    const ev = await slaEvents(own.id);
    expect(kinds(ev)).toEqual(['SlaBreachWarningEvent:response']);
    expect(ev[0]!.clock).toMatchObject({ targetMinutes: 15, elapsedMinutes: 12 });
    // A returned ticket sent back as is (handOverDate included) is no change.
    const echo = await h.patch(`${TT}/${own.id}`, dso.keys.operator, { handOverDate: handedAt });
    expect(echo.status, JSON.stringify(echo.body)).toBe(200);
    await move(mno.keys.operator, own.id, 'acknowledged');
  });

  it('service problems use the partnership tier (premium) and record violations in slaViolation with their own event record', async () => {
    const d = await h.createOrg('DSO');
    const m = await h.createOrg('MNO');
    const pid = await h.partner(d, m);
    await h.db.prisma.partnership.update({ where: { id: pid }, data: { tier: 'premium' } });
    const res = await h.call('POST', `${SP}/serviceProblem`, {
      key: d.keys.operator,
      body: {
        category: 'supplier.originated',
        description: 'Latency trend',
        reason: 'unknown',
        impact: 'high',
        urgency: 'medium',
        responsibleParty: { role: 'responsible', partyOrPartyRole: { id: m.id } },
      },
    });
    expect(res.status).toBe(201);
    const p = res.body as { id: string; priority: number };
    expect(p.priority).toBe(2);
    // premium P2: respond within 15 minutes. The first run already finds it past the target:
    // only the breach is raised (a warning after the fact would be noise).
    h.clock.advance(16 * MINUTE);
    await runSla();
    const ev = await slaEvents(p.id);
    expect(kinds(ev)).toEqual(['SlaBreachEvent:response']);
    expect(ev[0]!.clock).toMatchObject({ tier: 'premium', targetMinutes: 15, priority: 2 });
    const got = (await h.call('GET', `${SP}/serviceProblem/${p.id}`, { key: m.keys.viewer })).body as { slaViolation: unknown[] };
    expect(got.slaViolation).toEqual([
      expect.objectContaining({ name: 'response', tier: 'premium', targetMinutes: 15, '@referredType': 'SLAViolation' }),
    ]);
    const records = await h.call(
      'GET',
      `${SP}/serviceProblemEventRecord?serviceProblem.id=${p.id}&eventType=ServiceProblemAttributeValueChangeEvent`,
      { key: d.keys.viewer },
    );
    expect((records.body as unknown[]).length).toBe(1);
    // A held problem's resolution clock does not run.
    const ack = await h.call('POST', `${SP}/problemAcknowledgement`, { key: m.keys.operator, body: { problem: [{ id: p.id }] } });
    expect(ack.status).toBe(201);
    const held = await h.patch(`${SP}/serviceProblem/${p.id}`, m.keys.operator, { status: 'held', statusChangeReason: 'vendor fix' });
    expect(held.status).toBe(200);
    h.clock.advance(24 * HOUR);
    await runSla();
    expect(kinds(await slaEvents(p.id))).toEqual(['SlaBreachEvent:response']);
  });

  it('incidents: the responsible side acknowledging stops the response clock; an unknown tier uses standard targets', async () => {
    const d = await h.createOrg('DSO');
    const m = await h.createOrg('MNO');
    const pid = await h.partner(d, m);
    await h.db.prisma.partnership.update({ where: { id: pid }, data: { tier: 'gold-plated' } });
    const body = {
      name: 'RTU down',
      category: 'connectivityLoss',
      domain: 'RAN',
      priority: 'critical',
      occurTime: h.clock.now().toISOString(),
      sourceObject: [{ id: 'RTU-1' }],
      relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: m.id } }],
    };
    const i = (await h.call('POST', `${INC}/incident`, { key: d.keys.operator, body })).body as { id: string };
    h.clock.advance(12 * MINUTE);
    // The reporter's own diagnosis does not acknowledge.
    expect((await h.call('POST', `${INC}/diagnoseIncident`, { key: d.keys.operator, body: { incident: { id: i.id } } })).status).toBe(201);
    await runSla();
    expect(kinds(await slaEvents(i.id))).toEqual(['SlaBreachWarningEvent:response']);
    expect((await slaEvents(i.id))[0]!.clock).toMatchObject({ tier: 'standard', targetMinutes: 15 });
    h.clock.advance(2 * MINUTE);
    expect((await h.call('POST', `${INC}/diagnoseIncident`, { key: m.keys.operator, body: { incident: { id: i.id } } })).status).toBe(201);
    h.clock.advance(60 * MINUTE);
    await runSla();
    expect(kinds(await slaEvents(i.id))).toEqual(['SlaBreachWarningEvent:response']);
    // Resolution: 240 minutes for critical; 74 have passed, the warning comes at 192.
    h.clock.advance(120 * MINUTE);
    await runSla();
    h.clock.advance(60 * MINUTE);
    await runSla();
    expect(kinds(await slaEvents(i.id))).toEqual([
      'SlaBreachWarningEvent:response',
      'SlaBreachWarningEvent:resolution',
      'SlaBreachEvent:resolution',
    ]);
    const got = (await h.call('GET', `${INC}/incident/${i.id}`, { key: d.keys.viewer })).body as { slaViolation: { name: string }[] };
    expect(got.slaViolation.map((v) => v.name)).toEqual(['resolution']);
  });
});

describe('auto-close of resolved tickets after the quiet period (GRIDLINK_AUTO_CLOSE_HOURS=24)', () => {
  const runClose = async () => {
    const r = await h.app.scheduler.runNow('ticket-auto-close');
    expect(r.outcome, r.detail).toBe('success');
    return r.detail!;
  };
  const statusOf = async (id: string) => ((await h.call('GET', `${TT}/${id}`, { key: dso.keys.viewer })).body as { status: string }).status;

  it('closes a resolved ticket once it has been quiet for 24 h; any change restarts the quiet period', async () => {
    const t = await createTicket(dso, mno, { priority: '3' });
    await move(mno.keys.operator, t.id, 'acknowledged');
    await move(mno.keys.operator, t.id, 'resolved');
    h.clock.advance(23 * HOUR);
    await runClose();
    expect(await statusOf(t.id)).toBe('resolved');
    // The reporter adds a note: not quiet any more.
    const note = await h.patch(`${TT}/${t.id}`, dso.keys.operator, { note: [{ text: 'Checking tonight' }] });
    expect(note.status).toBe(200);
    h.clock.advance(2 * HOUR);
    await runClose();
    expect(await statusOf(t.id)).toBe('resolved');
    h.clock.advance(22 * HOUR);
    expect(await runClose()).toMatch(/^\d+ resolved ticket\(s\) closed$/);
    const closed = (await h.call('GET', `${TT}/${t.id}`, { key: mno.keys.viewer })).body as {
      status: string;
      statusChangeReason: string;
      statusChangeHistory: { status: string; actor?: unknown }[];
    };
    expect(closed.status).toBe('closed');
    expect(closed.statusChangeReason).toContain('Closed automatically');
    expect(closed.statusChangeHistory.at(-1)).toEqual(
      expect.objectContaining({ status: 'closed', statusChangeDate: h.clock.now().toISOString() }),
    );
    expect(closed.statusChangeHistory.at(-1)!.actor).toBeUndefined();
    const events = await h.db.prisma.event.findMany({ where: { resourceId: t.id }, orderBy: { sequence: 'asc' } });
    const last = events.at(-1)!;
    expect(last.eventType).toBe('TroubleTicketStatusChangeEvent');
    expect(last.originatorOrgId).toBeNull();
    expect(last.audience.sort()).toEqual([dso.id, mno.id].sort());
    const row = await h.db.prisma.troubleTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.status).toBe('closed');
  });

  it('closes through the ticket lifecycle: a move the lifecycle does not allow is refused, the ticket stays resolved', async () => {
    const t = await createTicket(dso, mno, { priority: '3' });
    await move(mno.keys.operator, t.id, 'acknowledged');
    await move(mno.keys.operator, t.id, 'resolved');
    h.clock.advance(48 * HOUR);
    const allowed = TRANSITIONS.resolved.closed;
    delete TRANSITIONS.resolved.closed; // as if the lifecycle no longer let the reporter close
    try {
      expect(await runClose()).toMatch(/, 1 refused by the ticket lifecycle$/);
    } finally {
      TRANSITIONS.resolved.closed = allowed;
    }
    expect(await statusOf(t.id)).toBe('resolved');
    // With the move allowed again, the same run closes it, with the status change event.
    expect(await runClose()).toMatch(/^1 resolved ticket\(s\) closed$/);
    expect(await statusOf(t.id)).toBe('closed');
    const last = (await h.db.prisma.event.findMany({ where: { resourceId: t.id }, orderBy: { sequence: 'asc' } })).at(-1)!;
    expect(last.eventType).toBe('TroubleTicketStatusChangeEvent');
    expect((last.payload as { description?: string }).description).toBe('resolved -> closed (automatic)');
  });

  it('leaves a reopened ticket alone', async () => {
    const t = await createTicket(dso, mno, { priority: '3' });
    await move(mno.keys.operator, t.id, 'acknowledged');
    await move(mno.keys.operator, t.id, 'resolved');
    h.clock.advance(HOUR);
    await move(dso.keys.operator, t.id, 'inProgress', 'Still no LTE at RTU-4711');
    h.clock.advance(48 * HOUR);
    await runClose();
    expect(await statusOf(t.id)).toBe('inProgress');
  });
});

describe('KPIs per partnership and period (GET /partnership/{id}/kpi)', () => {
  let kd: TestOrg;
  let km: TestOrg;
  let pid: string;
  let t0: Date;

  beforeAll(async () => {
    kd = await h.createOrg('DSO', 'KPI DSO');
    km = await h.createOrg('MNO', 'KPI MNO');
    pid = await h.partner(kd, km);
    h.clock.advance(HOUR);
    t0 = h.clock.now();
    const a = await createTicket(kd, km, { priority: '1' });
    const b = await createTicket(kd, km, { priority: '1' });
    const c = await createTicket(kd, km, { priority: '3' });
    const inc = (
      await h.call('POST', `${INC}/incident`, {
        key: kd.keys.operator,
        body: {
          name: 'x',
          category: 'c',
          domain: 'RAN',
          priority: 'critical',
          occurTime: t0.toISOString(),
          sourceObject: [{ id: 's' }],
          relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: km.id } }],
        },
      })
    ).body as { id: string };
    h.clock.advance(5 * MINUTE); // t0+5
    await move(kd.keys.operator, c.id, 'cancelled');
    h.clock.advance(5 * MINUTE); // t0+10
    await move(km.keys.operator, a.id, 'acknowledged');
    expect((await h.call('POST', `${INC}/diagnoseIncident`, { key: km.keys.operator, body: { incident: { id: inc.id } } })).status).toBe(
      201,
    );
    h.clock.advance(10 * MINUTE); // t0+20
    await move(km.keys.operator, b.id, 'acknowledged');
    h.clock.advance(20 * MINUTE); // t0+40
    expect((await h.call('POST', `${INC}/resolveIncident`, { key: km.keys.operator, body: { incident: { id: inc.id } } })).status).toBe(
      201,
    );
    h.clock.advance(70 * MINUTE); // t0+110
    await move(km.keys.operator, a.id, 'resolved');
    h.clock.advance(190 * MINUTE); // t0+300
    await move(km.keys.operator, b.id, 'resolved');
    // Outage notices: 60 minutes of confirmed outage to this MNO; a cancelled one and one to another MNO do not count.
    const other = await h.createOrg('MNO');
    const notice = async (status: string, audience: string[], startMin: number, endMin: number | null) => {
      await h.db.prisma.$executeRawUnsafe(
        `INSERT INTO energy_outage_notice (id, dso_org_id, audience, status, outage_kind, creation_date, last_update, outage_start_time, actual_outage_end_time, doc)
         VALUES ($1::uuid, $2::uuid, $3::uuid[], $4, 'unplanned', $5, $5, $6, $7, '{}'::jsonb)`,
        crypto.randomUUID(),
        kd.id,
        audience,
        status,
        t0,
        new Date(t0.getTime() + startMin * MINUTE),
        endMin === null ? null : new Date(t0.getTime() + endMin * MINUTE),
      );
    };
    await notice('restored', [km.id], 30, 90);
    await notice('cancelled', [km.id], 30, 90);
    await notice('confirmed', [other.id], 30, 90);
    h.clock.advance(HOUR); // t0+360
  });

  it('counts, mean time to acknowledge and resolve per priority, SLA compliance and outage minutes', async () => {
    const from = new Date(t0.getTime() - HOUR).toISOString();
    const to = new Date(t0.getTime() + 24 * HOUR).toISOString();
    const res = await h.call('GET', `${REPORT}/partnership/${pid}/kpi?from=${from}&to=${to}`, { key: km.keys.viewer });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const k = res.body;
    expect(k.partnership).toMatchObject({ id: pid, tier: 'standard', dso: { id: kd.id, name: 'KPI DSO' }, mno: { id: km.id } });
    expect(k.evaluatedAt).toBe(h.clock.now().toISOString());
    // Tickets: a (P1) acknowledged at 10, resolved at 110 -> met/met; b (P1) at 20 and 300 -> breached/breached; c cancelled.
    expect(k.troubleTicket).toMatchObject({
      created: 3,
      open: 0,
      acknowledged: 2,
      resolved: 2,
      meanTimeToAcknowledgeMinutes: 15,
      meanTimeToResolveMinutes: 205,
      slaCompliance: { response: 0.5, resolution: 0.5 },
      breaches: { response: 1, resolution: 1 },
    });
    const p1 = k.troubleTicket.byPriority.find((x: { priority: number }) => x.priority === 1);
    expect(p1).toMatchObject({ created: 2, acknowledged: 2, meanTimeToAcknowledgeMinutes: 15 });
    const p3 = k.troubleTicket.byPriority.find((x: { priority: number }) => x.priority === 3);
    expect(p3).toMatchObject({
      created: 1,
      acknowledged: 0,
      resolved: 0,
      meanTimeToAcknowledgeMinutes: null,
      slaCompliance: { response: null, resolution: null },
    });
    // Incident: acknowledged at 10, cleared at 40 (critical: 15/240).
    expect(k.incident).toMatchObject({
      created: 1,
      acknowledged: 1,
      resolved: 1,
      meanTimeToAcknowledgeMinutes: 10,
      meanTimeToResolveMinutes: 40,
      slaCompliance: { response: 1, resolution: 1 },
    });
    expect(k.serviceProblem).toMatchObject({ created: 0, slaCompliance: { response: null, resolution: null } });
    // Overall: response met by a and the incident, breached by b; the same for resolution.
    expect(k.slaCompliance).toEqual({ response: 0.6667, resolution: 0.6667 });
    expect(k.outageMinutes).toBe(60);
    expect(k.outageNoticeCount).toBe(1);
    expect(k.target[0]).toEqual({ priority: 1, tier: 'standard', responseMinutes: 15, resolutionMinutes: 240 });
  });

  it('a period that ends before the resolutions reads the clocks at its end', async () => {
    const from = new Date(t0.getTime() - HOUR).toISOString();
    const to = new Date(t0.getTime() + 100 * MINUTE).toISOString();
    const res = await h.call('GET', `${REPORT}/partnership/${pid}/kpi?from=${from}&to=${to}`, { key: kd.keys.viewer });
    expect(res.status).toBe(200);
    expect(res.body.evaluatedAt).toBe(to);
    expect(res.body.troubleTicket).toMatchObject({ created: 3, open: 2, resolved: 0, meanTimeToResolveMinutes: null });
    expect(res.body.outageMinutes).toBe(60);
  });

  it('another organisation gets 404; bad periods 400', async () => {
    expect((await h.call('GET', `${REPORT}/partnership/${pid}/kpi`, { key: dso.keys.viewer })).status).toBe(404);
    expect((await h.call('GET', `${REPORT}/partnership/${crypto.randomUUID()}/kpi`, { key: kd.keys.viewer })).status).toBe(404);
    const iso = (ms: number) => new Date(t0.getTime() + ms).toISOString();
    expect((await h.call('GET', `${REPORT}/partnership/${pid}/kpi?from=${iso(HOUR)}&to=${iso(0)}`, { key: kd.keys.viewer })).status).toBe(
      400,
    );
    expect(
      (await h.call('GET', `${REPORT}/partnership/${pid}/kpi?from=${iso(-400 * 24 * HOUR)}&to=${iso(0)}`, { key: kd.keys.viewer })).status,
    ).toBe(400);
    expect((await h.call('GET', `${REPORT}/partnership/${pid}/kpi?from=yesterday`, { key: kd.keys.viewer })).status).toBe(400);
  });
});
