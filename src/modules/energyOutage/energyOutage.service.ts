import type { Tx } from '../../db/client.js';
import { RESOURCES } from '../registry.js';
import { writeEvents } from '../../events/outbox.js';
import { parseArea } from '../../geo/geo.js';
import type { OrganizationActor } from '../../http/context.js';
import { conflict, forbidden, unprocessable } from '../../http/errors.js';
import type { JsonObject } from '../../http/patch.js';
import type { JsonSchema } from '../../http/tmfQuery.js';
import { createNoticeCore, type NoticeAnswer } from '../notice/notice.core.js';
import type { components } from '../../generated/openapi/energyOutage.js';
import { renderCap } from './energyOutage.cap.js';
import { outageImpact } from './energyOutage.impact.js';
import type { ImpactedSiteRow } from './energyOutage.repository.js';
import type { OutageNoticeDoc } from './energyOutage.types.js';
import { ACTIVE_OUTAGE, checkOutageTransition, FINAL_OUTAGE, initialOutageStatus, type OutageStatus } from './energyOutage.lifecycle.js';
import { createOutageReports } from './energyOutage.reports.js';
import { publisherOf, type NoticeParties } from '../notice/notice.audience.js';
import type { PartnerServiceDeps } from '../serviceDeps.js';

const energyOutageTable = RESOURCES.energyOutageNotice.store;
export const OUTAGE_SORTABLE = Object.keys(energyOutageTable.def.columns);

const MNO_FIELDS = ['mnoInterventionTime', 'mnoInterventionDuration', 'mnoMaxServiceDuration'] as const;
const ETR_FIELDS = ['expectedOutageEndTime', 'etrConfidence', 'etrSource'];

type OutageBody = components['schemas']['EnergyOutageNotice_FVO'];
type MnoAnswer = components['schemas']['MnoAnswer'];
type EtrFields = Pick<OutageNoticeDoc, 'expectedOutageEndTime' | 'etrConfidence' | 'etrSource'>;

/** The ETR as one history entry (EO-1: every revision of the expected end is kept). */
const etrEntry = (doc: EtrFields, ts: string) => ({
  ...(doc.expectedOutageEndTime ? { expectedOutageEndTime: doc.expectedOutageEndTime } : {}),
  ...(doc.etrConfidence ? { etrConfidence: doc.etrConfidence } : {}),
  ...(doc.etrSource ? { etrSource: doc.etrSource } : {}),
  revisedAt: ts,
});

const checkArea = (doc: { affectedArea?: OutageNoticeDoc['affectedArea'] }) => {
  const aa = doc.affectedArea ?? {};
  if (!aa.outageArea && !aa.energySupplyId?.length) {
    throw unprocessable('affectedArea needs an outageArea or at least one energySupplyId', 'AREA_REQUIRED');
  }
  if (aa.outageArea) parseArea(aa.outageArea, 'affectedArea.outageArea');
};

export type EnergyOutageService = ReturnType<typeof createEnergyOutageService>;

/**
 * EO-1 energy outage notices, DSO -> MNOs, on the notice core; what is their own: the
 * outage lifecycle and its times, the ETR history, the MNOs' answers (TS 28.318), CAP
 * revisions, site reports and priority-restoration requests.
 */
export function createEnergyOutageService(
  deps: PartnerServiceDeps & {
    schemas: { output: JsonSchema; create: JsonSchema };
  },
) {
  const { db, now, party } = deps;
  const partnershipActive = async (tx: Tx, actor: OrganizationActor, doc: NoticeParties) => {
    if (!(await party.isActivePartner(tx, actor.organizationId, publisherOf(doc))))
      throw forbidden('The partnership with the publishing DSO is not active (GW-9)');
  };
  const isFinal = (doc: Pick<OutageNoticeDoc, 'status'>) => FINAL_OUTAGE.includes(doc.status);

  /** The MNO's answer (TS 28.318 mnoInterventionTime/Duration, mnoMaxServiceDuration): its own entry in mnoResponse. */
  async function answer(tx: Tx, { actor, before, patch, t }: NoticeAnswer<OutageNoticeDoc>): Promise<OutageNoticeDoc> {
    const ts = t.toISOString();
    const isMnoField = (k: string) => MNO_FIELDS.some((f) => f === k);
    const mnoKeys = Object.keys(patch).filter(isMnoField);
    const dsoKeys = Object.keys(patch).filter((k) => !isMnoField(k));
    if (dsoKeys.length) throw forbidden(`An MNO may only write ${MNO_FIELDS.join(', ')}; not ${dsoKeys.join(', ')}`);
    if (isFinal(before)) throw conflict(`The notice is ${String(before.status)} and can no longer change`, 'NOTICE_FINAL');
    await partnershipActive(tx, actor, before);
    const responses = [...(before.mnoResponse ?? [])];
    const i = responses.findIndex((r) => r.mno.id === actor.organizationId);
    // The patch was validated against EnergyOutageNotice_MVO: these fields have MnoAnswer's types.
    const answered = Object.fromEntries(mnoKeys.map((k) => [k, patch[k]])) as Partial<MnoAnswer>;
    const mine: MnoAnswer = {
      ...(responses[i] ?? { mno: { id: actor.organizationId, '@referredType': 'Organization' } }),
      ...answered,
      lastUpdate: ts,
    };
    if (i >= 0) responses[i] = mine;
    else responses.push(mine);
    const after: OutageNoticeDoc = { ...before, mnoResponse: responses, lastUpdate: ts };
    await core.save(tx, after, false);
    // Only the publisher and the answering MNO hear of an answer.
    const publisher = publisherOf(after);
    const events = core.events(
      'EnergyOutageNoticeAttributeValueChangeEvent',
      after,
      actor,
      t,
      `changed: ${mnoKeys.join(', ')}`,
      actor.organizationId,
    );
    await writeEvents(
      tx,
      events.filter((e) => e.audience[0] === actor.organizationId || e.audience[0] === publisher),
    );
    return core.viewFor(actor.organizationId, after);
  }

  const core = createNoticeCore<OutageStatus, ImpactedSiteRow, OutageNoticeDoc, OutageBody>(
    {
      resource: RESOURCES.energyOutageNotice,
      noun: { one: 'an energy outage notice', many: 'energy outage notices' },
      publisher: 'DSO',
      area: { of: (doc) => doc.affectedArea?.outageArea, path: 'affectedArea.outageArea' },
      lifecycle: { initial: initialOutageStatus, check: checkOutageTransition, final: FINAL_OUTAGE, active: ACTIVE_OUTAGE },
      impact: outageImpact,
      impactFields: ['affectedArea', 'status', 'outageStartTime', 'expectedOutageEndTime'],
      ownEntries: { mnoResponse: 'mno' },
      checkInput: checkArea,
      complete: (doc, body, ts) => ({
        ...doc,
        '@type': 'EnergyOutageNotice',
        etrHistory: body.expectedOutageEndTime ? [etrEntry(body, ts)] : [],
        mnoResponse: [],
        ...(!doc.outageStartTime && doc.status !== 'predicted' ? { outageStartTime: ts } : {}),
      }),
      checkPatch: ({ after, changed }) => {
        if (changed.includes('affectedArea')) checkArea(after);
      },
      amend({ before, after, rest, changed, from, to, ts }) {
        if (from !== to) {
          // An outage that is on again has no actual end yet; its next restoration records one.
          if (from === 'restored' && ACTIVE_OUTAGE.includes(to) && rest.actualOutageEndTime === undefined) delete after.actualOutageEndTime;
          if (to === 'restored' && !after.actualOutageEndTime) after.actualOutageEndTime = ts;
          if (to === 'confirmed' && !after.outageStartTime) after.outageStartTime = ts;
        }
        if (changed.some((c) => ETR_FIELDS.includes(c))) after.etrHistory = [...(before.etrHistory ?? []), etrEntry(after, ts)];
      },
      patchEvents({ actor, before, after, changed, t }, events) {
        if (!changed.some((c) => ETR_FIELDS.includes(c))) return [];
        const etr = `ETR ${String(before.expectedOutageEndTime ?? 'none')} -> ${String(after.expectedOutageEndTime ?? 'none')}`;
        return events('EnergyOutageEtrChangeEvent', after, actor, t, etr);
      },
      beforeSave(doc) {
        // Every stored version is one CAP message (see energyOutage.cap.ts).
        const revisions = doc._revisions ?? [];
        doc._revisions = [...revisions, { n: revisions.length + 1, sent: doc.lastUpdate }];
      },
      answer: { fields: MNO_FIELDS, write: answer },
    },
    deps,
  );
  const { store, viewFor, findVisible } = core;

  return {
    store,
    /**
     * What an organisation may see of a stored notice. Also for rows other modules read from
     * the notice table themselves, untyped (SLA exports): the table only holds `OutageNoticeDoc`s.
     */
    viewFor: (orgId: string, doc: OutageNoticeDoc | JsonObject) => viewFor(orgId, doc as OutageNoticeDoc),
    list: core.list,
    get: core.get,
    create: core.create,
    patch: core.patch,
    impact: core.impact,
    counterpartOf: core.counterpartOf,
    listParams: core.listParams,

    async cap(actor: OrganizationActor, id: string) {
      const doc = await db.transaction((tx) => findVisible(tx, actor, id));
      return renderCap(viewFor(actor.organizationId, doc), doc._revisions ?? []);
    },

    ...createOutageReports({ db, now, notices: core, partnershipActive, isFinal }),
  };
}
