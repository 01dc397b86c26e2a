import crypto from 'node:crypto';
import type { Reader, Tx } from '../../db/client.js';
import { writeEvents, type NewEvent } from '../../events/outbox.js';
import type { OrganizationActor } from '../../http/context.js';
import { AppError, badRequest } from '../../http/errors.js';
import type { JsonObject } from '../../http/patch.js';
import type { ServiceProblemService } from '../serviceProblem/serviceProblem.service.js';
import type { TroubleTicketService } from '../troubleTicket/troubleTicket.service.js';
import type { IncidentService } from '../incident/incident.service.js';
import { RESOURCES } from '../registry.js';
import { CLOCK_KINDS, readClock, type ClockKind, type ClockReading } from './sla.clock.js';
import {
  SLA_RESOURCE_TYPES,
  SOURCES,
  type SlaResourceType,
  type PartnerLookup,
  type SlaSubject,
  type TargetTable,
  type Targets,
} from './sla.sources.js';
import type { ItilPriority } from './priority.js';
import * as repo from './sla.repository.js';
import type { PartnerServiceDeps } from '../serviceDeps.js';

/** Final resources are still looked at this long after their last state change (a breach just before resolution). */
const LOOKBACK_MS = 2 * 86_400_000;
/** Resources read per page of the SLA sweep. */
const SWEEP_PAGE = 2000;
const MAX_KPI_PERIOD_MS = 366 * 86_400_000;
const PRIORITIES: ItilPriority[] = [1, 2, 3, 4, 5];

export interface SlaSettings {
  warningPercent: number;
  autoCloseAfterMs: number;
  baseUrl: string | undefined;
}

const minutes = (ms: number) => Math.round((ms / 60_000) * 10) / 10;
const mean = (xs: number[]) => (xs.length ? minutes(xs.reduce((a, b) => a + b, 0) / xs.length) : null);
const ratio = (met: number, breached: number) => (met + breached ? Math.round((met / (met + breached)) * 10_000) / 10_000 : null);

/** One line of the KPI report while it is counted: clock readings of the resources created in the period. */
interface KpiBucket {
  created: number;
  open: number;
  /** Elapsed ms of the stopped response clocks. */
  acknowledged: number[];
  /** Elapsed ms of the stopped resolution clocks. */
  resolved: number[];
  met: Record<ClockKind, number>;
  breached: Record<ClockKind, number>;
}

export type SlaService = ReturnType<typeof createSlaService>;

export function createSlaService(
  deps: PartnerServiceDeps & {
    problems: ServiceProblemService;
    /** Auto-close moves tickets through their owner's lifecycle. */
    tickets: TroubleTicketService;
    /** SLA violations are recorded on the resource by its owner. */
    incidents: IncidentService;
    settings: () => SlaSettings;
  },
) {
  const { db, now, party, problems, tickets, incidents } = deps;
  const data = repo.createSlaRepository(db);

  const targetMs = (tg: Targets, kind: ClockKind) => (kind === 'response' ? tg.responseMinutes : tg.resolutionMinutes) * 60_000;
  const hrefOf = (type: SlaResourceType, id: string) => `${deps.settings().baseUrl ?? ''}${RESOURCES[type].basePath}/${type}/${id}`;

  /**
   * Records a warning or breach of one resource's clocks, in one transaction with the
   * resource row locked (re-read, so a change since the scan is seen); each level fires
   * once per clock, guarded by sla_clock.warned_at / breached_at.
   */
  const recordCrossings = async (type: SlaResourceType, id: string): Promise<{ warnings: number; breaches: number }> => {
    return db.transaction(async (tx) => {
      const [subject] = await repo.loadSubjects(tx, type, 'id = $1::uuid', [id], 'FOR UPDATE SKIP LOCKED');
      if (!subject) return { warnings: 0, breaches: 0 };
      const t = now();
      const { warningPercent } = deps.settings();
      const partnership = (await repo.loadPartnerships(tx))(subject.reporterOrgId, subject.responsibleOrgId);
      const tg = (await repo.loadTargets(tx)).of(partnership?.tier ?? 'standard', subject.priority);
      const events: NewEvent[] = [];
      const violations: JsonObject[] = [];
      let warnings = 0;
      let breaches = 0;
      for (const kind of CLOCK_KINDS) {
        const limit = targetMs(tg, kind);
        const r = readClock(kind, subject.timeline, t.getTime(), limit);
        const existing = await repo.clockOf(tx, type, id, kind);
        const breach = r.outcome === 'breached' && !existing?.breachedAt;
        const warn =
          !breach && !existing?.warnedAt && !existing?.breachedAt && r.state !== 'stopped' && r.elapsedMs >= (limit * warningPercent) / 100;
        if (!breach && !warn) continue;
        const clockId = existing?.id ?? crypto.randomUUID();
        const data = {
          reporterOrgId: subject.reporterOrgId,
          responsibleOrgId: subject.responsibleOrgId,
          tier: tg.tier,
          priority: subject.priority,
          targetMinutes: limit / 60_000,
          elapsedMs: BigInt(Math.round(r.elapsedMs)),
          state: r.state,
          outcome: r.outcome ?? null,
          evaluatedAt: t,
          ...(breach ? { breachedAt: t, warnedAt: existing?.warnedAt ?? t } : { warnedAt: t }),
        };
        await repo.saveClock(tx, { resourceType: type, resourceId: id, kind }, clockId, data);
        events.push(clockEvent(breach ? 'SlaBreachEvent' : 'SlaBreachWarningEvent', subject, clockId, kind, r, tg, partnership?.id, t));
        if (breach) {
          breaches += 1;
          violations.push({
            id: clockId,
            name: kind,
            violationDate: t.toISOString(),
            targetMinutes: limit / 60_000,
            priority: subject.priority,
            tier: tg.tier,
            '@referredType': 'SLAViolation',
            '@type': 'SLAViolationRef',
          });
        } else warnings += 1;
      }
      await writeEvents(tx, events);
      if (violations.length) await recordViolations(tx, subject, violations, t);
      return { warnings, breaches };
    });
  };

  const clockEvent = (
    eventType: string,
    s: SlaSubject,
    clockId: string,
    kind: ClockKind,
    r: ClockReading,
    tg: Targets & { tier: string },
    partnershipId: string | undefined,
    t: Date,
  ): NewEvent => ({
    eventType,
    resourceType: 'slaClock',
    resource: {
      id: clockId,
      '@type': 'SlaClock',
      kind,
      state: r.state,
      resource: { id: s.id, href: hrefOf(s.type, s.id), '@referredType': SOURCES[s.type].referredType },
      ...(partnershipId ? { partnership: { id: partnershipId } } : {}),
      tier: tg.tier,
      priority: s.priority,
      targetMinutes: kind === 'response' ? tg.responseMinutes : tg.resolutionMinutes,
      elapsedMinutes: minutes(r.elapsedMs),
      warningPercent: deps.settings().warningPercent,
      date: t.toISOString(),
    },
    audience: [s.reporterOrgId, s.responsibleOrgId],
    eventTime: t,
    description: `${kind} clock of ${s.type} ${s.id}: ${minutes(r.elapsedMs)} of ${kind === 'response' ? tg.responseMinutes : tg.resolutionMinutes} min`,
  });

  /** The breach is recorded on the resource itself (`slaViolation`) by its owner, with its attribute-change event. */
  const owners = { troubleTicket: tickets, serviceProblem: problems, incident: incidents };
  const recordViolations = (tx: Tx, s: SlaSubject, violations: JsonObject[], t: Date) =>
    owners[s.type].recordSlaViolations(tx, s.id, violations, t);

  /** One page of the sweep: which subjects have a level due, each recorded in its own transaction. */
  const sweepPage = async (
    type: SlaResourceType,
    subjects: SlaSubject[],
    t: Date,
    targets: TargetTable,
    partnerOf: PartnerLookup,
    warningPercent: number,
  ): Promise<{ warnings: number; breaches: number }> => {
    const clockRows = await repo.clockFlags(
      db.reader,
      type,
      subjects.map((x) => x.id),
    );
    const flags = new Map(clockRows.map((f) => [`${f.resourceId}:${f.kind}`, f]));
    let warnings = 0;
    let breaches = 0;
    for (const subject of subjects) {
      const tg = targets.of(partnerOf(subject.reporterOrgId, subject.responsibleOrgId)?.tier ?? 'standard', subject.priority);
      const due = CLOCK_KINDS.some((kind) => {
        const limit = targetMs(tg, kind);
        const r = readClock(kind, subject.timeline, t.getTime(), limit);
        const f = flags.get(`${subject.id}:${kind}`);
        if (r.outcome === 'breached') return !f?.breachedAt;
        return r.state !== 'stopped' && !f?.warnedAt && r.elapsedMs >= (limit * warningPercent) / 100;
      });
      if (!due) continue;
      const n = await recordCrossings(type, subject.id);
      warnings += n.warnings;
      breaches += n.breaches;
    }
    return { warnings, breaches };
  };

  return {
    /** The SLA job: warnings at `warningPercent` of a target, breaches past it, each once. */
    async runClocks(): Promise<string> {
      const t = now();
      const { warningPercent } = deps.settings();
      const targets = await data.targets();
      const partnerOf = await data.partnerships();
      let checked = 0;
      let warnings = 0;
      let breaches = 0;
      for (const type of SLA_RESOURCE_TYPES) {
        // One id-only scan for the open (or just closed) resources whose clocks can still cross
        // a level — a breached clock never fires again, so resources with every clock breached
        // are left out (at a million tickets most open ones are) — then their data in pages,
        // with the event loop free between pages so a long sweep never stalls the API.
        const candidates = await repo.sweepCandidates(db.reader, type, new Date(t.getTime() - LOOKBACK_MS));
        for (let i = 0; i < candidates.length; i += SWEEP_PAGE) {
          if (i > 0) await new Promise((resolve) => setImmediate(resolve));
          const page = candidates.slice(i, i + SWEEP_PAGE).map((c) => c.id);
          const subjects = await repo.loadSubjects(db.reader, type, 'id = ANY($1::uuid[])', [page], '', { slim: true });
          const result = await sweepPage(type, subjects, t, targets, partnerOf, warningPercent);
          checked += subjects.length;
          warnings += result.warnings;
          breaches += result.breaches;
        }
      }
      return `${checked} resource(s) checked, ${warnings} warning(s), ${breaches} breach(es)`;
    },

    /** Resolved tickets close themselves after a quiet period (no change, no reopening). */
    async autoClose(): Promise<string> {
      const { autoCloseAfterMs } = deps.settings();
      if (autoCloseAfterMs <= 0) return 'auto-close disabled';
      const cutoff = new Date(now().getTime() - autoCloseAfterMs);
      const due = await data.resolvedTicketsDue(cutoff, 500);
      const reason = `Closed automatically: resolved with no reopening or change for ${minutes(autoCloseAfterMs) / 60} h`;
      let closed = 0;
      let refused = 0;
      for (const { id } of due) {
        try {
          const moved = await tickets.systemTransition(id, {
            from: 'resolved',
            to: 'closed',
            side: 'reporter',
            reason,
            description: 'resolved -> closed (automatic)',
            unchangedSince: cutoff,
          });
          if (moved) closed++;
        } catch (e) {
          // The ticket lifecycle refused the move: that ticket stays as it is, the others close.
          if (!(e instanceof AppError) || e.status >= 500) throw e;
          refused++;
        }
      }
      return `${closed} resolved ticket(s) closed${refused ? `, ${refused} refused by the ticket lifecycle` : ''}`;
    },

    async targets() {
      return (await data.targets()).rows;
    },

    /**
     * ETL-1 / SLA report for one partnership: resources created in [from, to), their clocks
     * read at min(to, now), per resource type and ITIL priority; outage minutes from the
     * DSO's energy outage notices to the MNO overlapping the period.
     */
    async kpi(actor: OrganizationActor, partnershipId: string, fromRaw?: string, toRaw?: string) {
      const p = await party.getPartnership(actor, partnershipId);
      const t = now();
      const to = toRaw ? new Date(toRaw) : t;
      const from = fromRaw ? new Date(fromRaw) : new Date(to.getTime() - 30 * 86_400_000);
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
        throw badRequest('from and to must be date-times', 'INVALID_PARAMETER');
      if (from >= to) throw badRequest('from must be before to', 'INVALID_PARAMETER');
      if (to.getTime() - from.getTime() > MAX_KPI_PERIOD_MS) throw badRequest('The period may be at most 366 days', 'INVALID_PARAMETER');
      const at = Math.min(to.getTime(), t.getTime());
      const targets = await data.targets();
      const tierOf = (prio: ItilPriority) => targets.of(p.tier, prio);

      const perType: Record<string, unknown> = {};
      const overall = { response: { met: 0, breached: 0 }, resolution: { met: 0, breached: 0 } };
      for (const type of SLA_RESOURCE_TYPES) {
        const s = SOURCES[type];
        const subjects = await data.subjects(
          type,
          `((${s.reporter} = $1::uuid AND ${s.responsible} = $2::uuid) OR (${s.reporter} = $2::uuid AND ${s.responsible} = $1::uuid))
           AND creation_date >= $3 AND creation_date < $4`,
          [p.dsoId, p.mnoId, from, to],
        );
        const bucket = (): KpiBucket => ({
          created: 0,
          open: 0,
          acknowledged: [],
          resolved: [],
          met: { response: 0, resolution: 0 },
          breached: { response: 0, resolution: 0 },
        });
        const total = bucket();
        const byPrio = new Map(PRIORITIES.map((x) => [x, bucket()]));
        for (const subj of subjects) {
          const tg = tierOf(subj.priority);
          for (const b of [total, byPrio.get(subj.priority)!]) {
            b.created += 1;
            for (const kind of CLOCK_KINDS) {
              const r = readClock(kind, subj.timeline, at, targetMs(tg, kind));
              if (kind === 'resolution' && r.state !== 'stopped') b.open += 1;
              if (r.state === 'stopped' && r.outcome !== 'void') (kind === 'response' ? b.acknowledged : b.resolved).push(r.elapsedMs);
              if (r.outcome === 'met') b.met[kind] += 1;
              if (r.outcome === 'breached') b.breached[kind] += 1;
            }
          }
        }
        for (const kind of CLOCK_KINDS) {
          overall[kind].met += total.met[kind];
          overall[kind].breached += total.breached[kind];
        }
        const view = (b: KpiBucket) => ({
          created: b.created,
          open: b.open,
          acknowledged: b.acknowledged.length,
          resolved: b.resolved.length,
          meanTimeToAcknowledgeMinutes: mean(b.acknowledged),
          meanTimeToResolveMinutes: mean(b.resolved),
          slaCompliance: {
            response: ratio(b.met.response, b.breached.response),
            resolution: ratio(b.met.resolution, b.breached.resolution),
          },
          breaches: { response: b.breached.response, resolution: b.breached.resolution },
        });
        perType[type] = {
          ...view(total),
          byPriority: PRIORITIES.map((prio) => ({ priority: prio, ...view(byPrio.get(prio)!) })),
        };
      }

      const outage = await data.outageSeconds(p.dsoId, p.mnoId, from, new Date(at));
      return {
        '@type': 'PartnershipKpi',
        partnership: {
          id: p.id,
          tier: p.tier,
          dso: { id: p.dso.id, name: p.dso.name, '@referredType': 'Organization' },
          mno: { id: p.mno.id, name: p.mno.name, '@referredType': 'Organization' },
        },
        period: { startDateTime: from.toISOString(), endDateTime: to.toISOString() },
        evaluatedAt: new Date(at).toISOString(),
        target: PRIORITIES.map((prio) => {
          const tg = tierOf(prio);
          return { priority: prio, tier: tg.tier, responseMinutes: tg.responseMinutes, resolutionMinutes: tg.resolutionMinutes };
        }),
        ...perType,
        slaCompliance: {
          response: ratio(overall.response.met, overall.response.breached),
          resolution: ratio(overall.resolution.met, overall.resolution.breached),
        },
        outageMinutes: minutes(outage.seconds * 1000),
        outageNoticeCount: outage.count,
      };
    },
  };
}

/** Minutes of confirmed outages the DSO announced to the MNO, within [from, to]; 0 without the outage module. */
export async function outageMinutes(
  tx: Reader,
  dsoId: string,
  mnoId: string,
  from: Date,
  to: Date,
): Promise<{ minutes: number; count: number }> {
  const { seconds, count } = await repo.outageSeconds(tx, dsoId, mnoId, from, to);
  return { minutes: minutes(seconds * 1000), count };
}
