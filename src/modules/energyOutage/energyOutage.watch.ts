import type { Database, Tx } from '../../db/client.js';
import { writeEvents, type NewEvent } from '../../events/outbox.js';
import type { JobDefinition } from '../../jobs/scheduler.js';
import { perRecipientEvents, publisherOf } from '../notice/notice.audience.js';
import { ACTIVE_OUTAGE } from './energyOutage.lifecycle.js';
import * as repo from './energyOutage.repository.js';
import type { OutageNoticeDoc } from './energyOutage.types.js';

type ViewFor = (org: string, doc: OutageNoticeDoc) => OutageNoticeDoc;

/** Active outages whose ETR has passed: EtrOverdueEvent to each recipient's view, once per ETR value. */
async function overdueEtrs(tx: Tx, t: Date, viewFor: ViewFor, events: NewEvent[]): Promise<number> {
  let overdue = 0;
  const late = await repo.overdueNotices(tx, ACTIVE_OUTAGE, t);
  for (const n of late) {
    events.push(
      ...perRecipientEvents({
        eventType: 'EtrOverdueEvent',
        resourceType: 'energyOutageNotice',
        doc: n.doc,
        originator: publisherOf(n.doc),
        t,
        description: `ETR ${n.etr.toISOString()} passed without restoration`,
        viewFor,
      }),
    );
    await repo.markEtrOverdueNotified(tx, n.id);
    overdue++;
  }
  return overdue;
}

/** Impacted sites whose battery runs out before the ETR: the MNO its sites, the DSO the count (once per site and ETR). */
async function exhaustionRisks(tx: Tx, t: Date, events: NewEvent[]): Promise<number> {
  let risks = 0;
  const atRisk = await repo.exhaustionRisks(tx, ACTIVE_OUTAGE);
  for (const r of atRisk) {
    const base = {
      notice: { id: r.notice_id },
      earliestExhaustion: r.earliest.toISOString(),
      expectedOutageEndTime: r.etr?.toISOString() ?? null,
    };
    events.push(
      {
        eventType: 'BackupExhaustionRiskEvent',
        resourceType: 'energyOutageImpact',
        resource: { id: r.notice_id, ...base, view: 'mno', sites: r.site_ids.map((id, i) => ({ id, siteId: r.site_refs[i] })) },
        audience: [r.mno],
        originatorOrgId: r.dso,
        eventTime: t,
        description: `${r.site_ids.length} site(s) run out of battery before the ETR`,
      },
      {
        eventType: 'BackupExhaustionRiskEvent',
        resourceType: 'energyOutageImpact',
        resource: { id: r.notice_id, ...base, view: 'dso', mno: { id: r.mno }, sitesAtRisk: r.site_ids.length },
        audience: [r.dso],
        originatorOrgId: r.dso,
        eventTime: t,
        description: `${r.site_ids.length} site(s) of MNO ${r.mno} run out of battery before the ETR`,
      },
    );
    await repo.markRiskNotified(tx, r.notice_id, r.site_ids, r.etr);
    risks += r.site_ids.length;
  }
  return risks;
}

/**
 * ETR watch (EO-1): an active outage whose ETR has passed raises EtrOverdueEvent to the
 * DSO and its audience (once per ETR value); an impacted site whose battery runs out
 * before the ETR raises BackupExhaustionRiskEvent — the MNO gets its sites, the DSO the
 * count and earliest time (once per site and ETR).
 */
export function etrWatchJob(deps: { db: Database; now: () => Date; viewFor: ViewFor }): JobDefinition {
  const { db, now } = deps;
  return {
    name: 'etr-watch',
    schedule: '* * * * *',
    timeoutMs: 50_000,
    description: 'EO-1: ETR overdue and backup exhaustion risk events',
    async run() {
      const t = now();
      const { overdue, risks } = await db.transaction(async (tx) => {
        const events: NewEvent[] = [];
        const counts = { overdue: await overdueEtrs(tx, t, deps.viewFor, events), risks: await exhaustionRisks(tx, t, events) };
        await writeEvents(tx, events);
        return counts;
      });
      return `${overdue} overdue notice(s), ${risks} site(s) at backup exhaustion risk`;
    },
  };
}
