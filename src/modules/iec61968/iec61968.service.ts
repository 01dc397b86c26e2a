import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { ValidateFunction } from 'ajv';
import type { Logger } from 'pino';
import type { createIdempotency } from '../../gateway/idempotency.js';
import type { HttpResult, OrganizationActor } from '../../http/context.js';
import { AppError, badRequest, codeOf, conflict, mapKnownError, messageOf, notFound, unprocessable } from '../../http/errors.js';
import { describeAjvErrors } from '../../http/openapi.js';
import { idIn, objectsIn, type JsonObject } from '../../http/patch.js';
import { parseListQuery, type JsonSchema } from '../../http/tmfQuery.js';
import type { EnergyOutageService } from '../energyOutage/energyOutage.service.js';
import { OUTAGE_SORTABLE } from '../energyOutage/energyOutage.service.js';
import { SORTABLE as TICKET_SORTABLE, type TroubleTicketService } from '../troubleTicket/troubleTicket.service.js';
import { readOutage, writeOutage } from './iec61968.mapper.outage.js';
import { RESPONSIBLE_NAME_TYPE, readTicket, writeTicket } from './iec61968.mapper.troubleTicket.js';
import { PAYLOAD_NS, payload, responseMessage, soapWrap, type ReplyError, type Result } from './iec61968.presenter.js';
import { documentElement, hasDtd, list, node, parseXml, text, type Xml, type XmlNode } from './iec61968.xml.js';
import { NS, type Root, type XsdValidator } from './iec61968.xsd.js';
import { mridsOfResources, rememberMrid, resourceIdOfMrid } from './iec61968.repository.js';
import type { PartnerServiceDeps } from '../serviceDeps.js';

export const XML_TYPE = 'application/xml; charset=utf-8';
const KIND = { ticket: 'TroubleTicket', outage: 'Outage' } as const;
type Kind = keyof typeof KIND;
const NOUNS: Record<string, Kind> = { TroubleTicket: 'ticket', TroubleTickets: 'ticket', IncidentInformation: 'outage', Outages: 'outage' };
const VERBS: Record<Kind, readonly string[]> = {
  ticket: ['create', 'change', 'cancel', 'close', 'get'],
  outage: ['create', 'change', 'cancel', 'close', 'get'],
};
const MERGE = 'application/merge-patch+json';

/** A message-level refusal: the whole message is answered FAILED, nothing is written. */
class MessageRefused extends Error {
  constructor(
    readonly status: number,
    readonly errors: ReplyError[],
  ) {
    super(errors[0]?.details ?? errors[0]?.code);
  }
}
const refuse = (status: number, code: string, details: string, xpath?: string) =>
  new MessageRefused(status, [{ code, level: 'FATAL', reason: reasonOf(status), details, ...(xpath ? { xpath } : {}) }]);

function reasonOf(status: number): string {
  return (
    { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 422: 'Unprocessable Entity' }[
      status
    ] ?? 'Error'
  );
}

interface Header {
  verb: string;
  noun: string;
  messageId: string | undefined;
  organization: string | undefined;
  properties: Map<string, string>;
}

interface ItemOutcome {
  ok?: Xml;
  error?: ReplyError & { status: number };
}

export type IecBridge = ReturnType<typeof createIecBridge>;

export function createIecBridge(
  deps: PartnerServiceDeps & {
    log: Logger;
    tickets: TroubleTicketService;
    outages: EnergyOutageService;
    xsd: XsdValidator;
    idempotency: ReturnType<typeof createIdempotency>;
    schemas: { ticketCreate: ValidateFunction; noticeCreate: ValidateFunction; ticketOutput: JsonSchema; noticeOutput: JsonSchema };
    maxInflatedBytes: number;
  },
) {
  const { db, now, party, tickets, outages, xsd, schemas } = deps;

  // --- mRID <-> Gridlink id --------------------------------------------------------------
  const resourceIdOf = (orgId: string, kind: Kind, mrid: string) => resourceIdOfMrid(db.reader, orgId, KIND[kind], mrid);
  /** The mRIDs an organisation knows these resources by (its own OMS ids, else Gridlink's). */
  const mridsOf = async (orgId: string, kind: Kind, ids: string[]): Promise<Map<string, string>> => {
    const out = new Map(ids.map((id) => [id, id]));
    if (!ids.length) return out;
    for (const r of await mridsOfResources(db.reader, orgId, KIND[kind], ids)) out.set(r.resource_id, r.mrid);
    return out;
  };
  /**
   * Creates a resource under the mRID the OMS sent, in one transaction (the service's create
   * joins it): the resource and its mRID mapping commit together, and of two simultaneous
   * creates of one mRID the second rolls back with DUPLICATE_MRID (issue 14 caveat).
   */
  const createUnderMrid = (actor: OrganizationActor, kind: Kind, mrid: string, create: () => Promise<JsonObject>) =>
    db.transaction(async (tx) => {
      const doc = await create();
      const row = { orgId: actor.organizationId, kind: KIND[kind], mrid, resourceId: String(doc.id), at: now() };
      if (!(await rememberMrid(tx, row))) throw conflict(`${KIND[kind]} mRID ${mrid} already exists; use change`, 'DUPLICATE_MRID');
      return doc;
    });
  /** An mRID the caller sent: its own OMS id, or a Gridlink id it received in an EventMessage. */
  const resolve = async (actor: OrganizationActor, kind: Kind, mrid: string): Promise<string> => {
    const mapped = await resourceIdOf(actor.organizationId, kind, mrid);
    if (mapped) return mapped;
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(mrid)) return mrid;
    throw notFound(KIND[kind], mrid);
  };

  // --- partners ---------------------------------------------------------------------------
  const partnerId = async (actor: OrganizationActor, named: string | undefined): Promise<string> => {
    if (!named) {
      throw unprocessable(
        `Name the responsible partner: Names with NameType.name '${RESPONSIBLE_NAME_TYPE}' on the TroubleTicket, or a Header Property '${RESPONSIBLE_NAME_TYPE}'`,
        'RESPONSIBLE_REQUIRED',
      );
    }
    const partnerships = await party.listPartnerships(actor);
    for (const p of partnerships) {
      const other = p.dso.id === actor.organizationId ? p.mno : p.dso;
      if (other.id === named || other.name === named) return other.id;
    }
    throw unprocessable(`${named} is not a partner of your organisation`, 'NOT_A_PARTNER');
  };

  const organizationMatches = async (actor: OrganizationActor, organization: string | undefined) => {
    if (!organization) throw refuse(400, 'USER_ORGANIZATION_REQUIRED', 'Header.User.Organization must name the calling organisation');
    if (organization === actor.organizationId) return;
    if ((await party.orgName(db.reader, actor.organizationId)) === organization) return;
    throw refuse(
      403,
      'USER_ORGANIZATION_MISMATCH',
      `Header.User.Organization '${organization}' is not the organisation these credentials belong to`,
      '/RequestMessage/Header/User/Organization',
    );
  };

  // --- errors -----------------------------------------------------------------------------
  const itemError = (e: unknown, xpath: string, mRID: string | undefined, objectType: string): ItemOutcome => {
    const known = mapKnownError(e);
    if (!known) throw e;
    return {
      error: {
        status: known.status,
        code: known.code,
        level: 'FATAL',
        reason: known.reason,
        details: known.message,
        xpath,
        ...(mRID ? { relatedObject: { mRID, objectType } } : {}),
      },
    };
  };
  const checkBody = (validate: ValidateFunction, body: JsonObject) => {
    if (!validate(body))
      throw new AppError(400, 'INVALID_MAPPED_VALUE', 'Bad Request', `After mapping: ${describeAjvErrors(validate.errors ?? [], 'body')}`);
  };

  // --- trouble tickets ----------------------------------------------------------------------
  const ticketItem = async (actor: OrganizationActor, h: Header, verb: string, item: XmlNode): Promise<Xml> => {
    const cim = readTicket(item);
    if (verb === 'create') {
      if (await resourceIdOf(actor.organizationId, 'ticket', cim.mRID))
        throw conflict(`TroubleTicket mRID ${cim.mRID} already exists; use change`, 'DUPLICATE_MRID');
      const responsible = await partnerId(actor, cim.responsible ?? h.properties.get(RESPONSIBLE_NAME_TYPE));
      const body: JsonObject = {
        ...cim.create,
        relatedParty: [
          {
            role: 'responsible',
            partyOrPartyRole: { id: responsible, '@referredType': 'Organization' },
            '@type': 'RelatedPartyRefOrPartyRoleRef',
          },
        ],
      };
      checkBody(schemas.ticketCreate, body);
      const doc = await createUnderMrid(actor, 'ticket', cim.mRID, () => tickets.create(actor, body));
      return writeTicket(doc, cim.mRID);
    }
    const id = await resolve(actor, 'ticket', cim.mRID);
    let patch: JsonObject;
    if (verb === 'change') {
      patch = cim.change;
      if (!Object.keys(patch).length) throw badRequest('Nothing to change: send name, comment or priority', 'NOTHING_TO_CHANGE');
    } else if (verb === 'cancel') {
      patch = { status: 'cancelled', ...(cim.comment ? { statusChangeReason: cim.comment } : {}) };
    } else {
      // close: the reporter accepts the resolution; the responsible side resolves.
      const current = await tickets.get(actor, id);
      const reporter = objectsIn(current.relatedParty).find((p) => p.role === 'reporter');
      const status = idIn(reporter?.partyOrPartyRole) === actor.organizationId ? 'closed' : 'resolved';
      patch = { status, ...(cim.comment ? { statusChangeReason: cim.comment } : {}) };
    }
    const doc = await tickets.patch(actor, id, MERGE, patch);
    return writeTicket(doc, cim.mRID);
  };

  // --- outages ------------------------------------------------------------------------------
  const outageItem = async (actor: OrganizationActor, _h: Header, verb: string, item: XmlNode): Promise<Xml> => {
    const cim = readOutage(item);
    if (verb === 'create') {
      if (await resourceIdOf(actor.organizationId, 'outage', cim.mRID))
        throw conflict(`Outage mRID ${cim.mRID} already exists; use change`, 'DUPLICATE_MRID');
      checkBody(schemas.noticeCreate, cim.create);
      const doc = await createUnderMrid(actor, 'outage', cim.mRID, () => outages.create(actor, cim.create));
      return writeOutage(doc, cim.mRID);
    }
    const id = await resolve(actor, 'outage', cim.mRID);
    let patch: JsonObject;
    if (verb === 'change') {
      patch = { ...cim.change };
      if (cim.statusKind) {
        const current = await outages.get(actor, id);
        if (current.status !== cim.statusKind) {
          patch.status = cim.statusKind;
          if (cim.statusReason) patch.statusChangeReason = cim.statusReason;
        }
      }
      if (!Object.keys(patch).length) return writeOutage(await outages.get(actor, id), cim.mRID);
    } else {
      patch = { status: verb === 'close' ? 'closed' : 'cancelled', ...(cim.statusReason ? { statusChangeReason: cim.statusReason } : {}) };
      if (verb === 'close' && cim.change.actualOutageEndTime) patch.actualOutageEndTime = cim.change.actualOutageEndTime;
    }
    const doc = await outages.patch(actor, id, patch);
    return writeOutage(doc, cim.mRID);
  };

  // --- get ----------------------------------------------------------------------------------
  const getItems = async (actor: OrganizationActor, kind: Kind, request: XmlNode | undefined): Promise<ItemOutcome[]> => {
    const ids = list(request?.ID)
      .map((i) => text(i))
      .filter((v): v is string => !!v);
    let docs: JsonObject[];
    const outcomes: ItemOutcome[] = [];
    if (ids.length) {
      docs = [];
      for (const [i, mrid] of ids.entries()) {
        try {
          const id = await resolve(actor, kind, mrid);
          docs.push(kind === 'ticket' ? await tickets.get(actor, id) : await outages.get(actor, id));
        } catch (e) {
          outcomes.push(itemError(e, `/RequestMessage/Request/ID[${i + 1}]`, mrid, KIND[kind]));
        }
      }
    } else {
      const q: Record<string, string> = { limit: '100' };
      const start = text(request?.StartTime);
      const end = text(request?.EndTime);
      if (start) q['lastUpdate.gte'] = start;
      if (end) q['lastUpdate.lte'] = end;
      for (const o of list(request?.Option)) {
        const name = text(o.name);
        const value = text(o.value);
        if (name === 'status' && value) q.status = value;
        else
          throw refuse(
            400,
            'UNSUPPORTED_OPTION',
            `Request.Option '${name}' is not supported; use status`,
            '/RequestMessage/Request/Option',
          );
      }
      if (kind === 'ticket') {
        const lq = parseListQuery(q, schemas.ticketOutput, TICKET_SORTABLE, [{ attribute: 'lastUpdate', descending: true }]);
        docs = (await tickets.list(actor, lq)).rows.map((r) => r.doc);
      } else {
        const lq = parseListQuery(q, schemas.noticeOutput, OUTAGE_SORTABLE, [{ attribute: 'lastUpdate', descending: true }]);
        docs = (await outages.list(actor, lq, {})).rows.map((r) => outages.viewFor(actor.organizationId, r.doc));
      }
    }
    const mrids = await mridsOf(
      actor.organizationId,
      kind,
      docs.map((d) => String(d.id)),
    );
    for (const d of docs)
      outcomes.push({ ok: kind === 'ticket' ? writeTicket(d, mrids.get(String(d.id))!) : writeOutage(d, mrids.get(String(d.id))!) });
    return outcomes;
  };

  // --- the message ----------------------------------------------------------------------------
  const readHeader = (msg: XmlNode): Header => {
    const h = node(msg.Header) ?? {};
    const properties = new Map<string, string>();
    for (const p of list(h.Property)) properties.set(text(p.Name) ?? '', text(p.Value) ?? '');
    return {
      verb: text(h.Verb) ?? '',
      noun: text(h.Noun) ?? '',
      messageId: text(h.MessageID),
      organization: text(node(h.User)?.Organization),
      properties,
    };
  };

  /** A Compressed payload (base64 of gzip'd XML) replaced by its document, validated the same way. */
  const inflate = async (p: XmlNode): Promise<XmlNode> => {
    let inner: string;
    try {
      inner = zlib.gunzipSync(Buffer.from(text(p.Compressed) ?? '', 'base64'), { maxOutputLength: deps.maxInflatedBytes }).toString('utf8');
    } catch (e) {
      const tooLarge = codeOf(e) === 'ERR_BUFFER_TOO_LARGE' || /buffer/i.test(messageOf(e));
      throw refuse(
        tooLarge ? 413 : 400,
        'INVALID_COMPRESSED_PAYLOAD',
        `Payload.Compressed: ${tooLarge ? 'inflates beyond the size limit' : 'not base64 gzip'}`,
      );
    }
    if (hasDtd(inner)) throw refuse(400, 'XML_DTD_FORBIDDEN', 'Payload.Compressed: DOCTYPE and entity declarations are refused');
    const wrapped = `<EventMessage xmlns="${NS.message}"><Header><Verb>reply</Verb><Noun>Compressed</Noun></Header><Payload>${inner.replace(/^\s*<\?xml[^>]*\?>/, '')}</Payload></EventMessage>`;
    const problems = await xsd.validate(wrapped, 'message');
    if (problems.length)
      throw new MessageRefused(
        400,
        problems.map((p) => ({
          code: 'SCHEMA_INVALID',
          level: 'FATAL',
          reason: 'Bad Request',
          details: `Payload.Compressed: ${p.message}`,
          xpath: p.xpath,
        })),
      );
    return node(node(parseXml(wrapped).EventMessage)?.Payload) ?? {};
  };

  const process = async (
    actor: OrganizationActor,
    msg: XmlNode,
    h: Header,
  ): Promise<{ status: number; result: Result; errors: ReplyError[]; items: Xml[] }> => {
    const kind = NOUNS[h.noun]!;
    if (h.verb === 'get') {
      const outcomes = await getItems(actor, kind, node(msg.Request));
      return summarise(outcomes, true);
    }
    let p = node(msg.Payload);
    if (p && p.Compressed !== undefined) p = await inflate(p);
    const doc = p ? (node(p[PAYLOAD_NS[h.noun]!.root]) ?? (p[PAYLOAD_NS[h.noun]!.root] === '' ? {} : undefined)) : undefined;
    if (!doc)
      throw refuse(
        400,
        'PAYLOAD_REQUIRED',
        `${h.verb} ${h.noun} needs a Payload with a ${PAYLOAD_NS[h.noun]!.root} document`,
        '/RequestMessage/Payload',
      );
    const itemName = kind === 'ticket' ? 'TroubleTicket' : 'Outage';
    const items = list(doc[itemName]);
    if (!items.length)
      throw refuse(400, 'PAYLOAD_EMPTY', `The ${PAYLOAD_NS[h.noun]!.root} document holds no ${itemName}`, '/RequestMessage/Payload');
    const outcomes: ItemOutcome[] = [];
    for (const [i, item] of items.entries()) {
      const xpath = `/RequestMessage/Payload/${PAYLOAD_NS[h.noun]!.root}/${itemName}[${i + 1}]`;
      try {
        outcomes.push({ ok: kind === 'ticket' ? await ticketItem(actor, h, h.verb, item) : await outageItem(actor, h, h.verb, item) });
      } catch (e) {
        outcomes.push(itemError(e, xpath, text(item.mRID), itemName));
      }
    }
    return summarise(outcomes, false);
  };

  const summarise = (outcomes: ItemOutcome[], emptyIsOk: boolean) => {
    const items = outcomes.filter((o) => o.ok).map((o) => o.ok!);
    const errors = outcomes.filter((o) => o.error).map((o) => o.error!);
    const result: Result = errors.length === 0 ? 'OK' : items.length || (emptyIsOk && false) ? 'PARTIAL' : 'FAILED';
    const status = result === 'FAILED' ? (errors[0]?.status ?? 400) : 200;
    return { status, result, errors: errors.map(({ status: _s, ...e }) => e), items };
  };

  const messageIdOf = (raw: string): string | undefined => {
    try {
      const parsed = parseXml(raw);
      const msg = node(parsed.RequestMessage) ?? node(node(node(parsed.Envelope)?.Body)?.RequestMessage);
      return msg ? readHeader(msg).messageId : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    mridsOf,
    /**
     * One inbound message (plain, or in a SOAP envelope of version `soap`): validated,
     * dispatched by verb and noun, answered with a ResponseMessage (also in SOAP when
     * the request was). Idempotent on Header.MessageID.
     */
    async handle(
      actor: OrganizationActor,
      raw: string,
      transport: 'plain' | 'soap',
      audit: { resourceType?: string; detail?: string },
    ): Promise<HttpResult> {
      const t = now();
      let soapNs: string | undefined;
      let header: Header | undefined;
      const reply = (
        status: number,
        result: Result,
        errors: ReplyError[],
        items: Xml[] = [],
        noun = header?.noun ?? 'Unknown',
      ): HttpResult => {
        const xml = responseMessage(
          { verb: 'reply', noun, timestamp: t, correlationId: header?.messageId ?? messageIdOf(raw) },
          result,
          errors,
          items.length ? payload(noun, items) : '',
        );
        return {
          status,
          body: soapNs ? soapWrap(xml, soapNs) : xml,
          headers: { 'Content-Type': soapNs === NS.soap12 ? 'application/soap+xml; charset=utf-8' : XML_TYPE },
          raw: true,
        };
      };
      /** Every reply is validated like every request: a reply our schemas refuse is our bug (500). */
      const checked = async (r: HttpResult): Promise<HttpResult> => {
        const problems = await xsd.validate(
          r.body as string,
          soapNs === NS.soap11 ? 'soap11' : soapNs === NS.soap12 ? 'soap12' : 'message',
        );
        if (problems.length) {
          deps.log.error({ problems }, 'IEC 61968 reply fails its own XSD');
          throw new Error(`IEC 61968 reply fails the XSD: ${problems[0]!.message}`);
        }
        return r;
      };
      try {
        if (hasDtd(raw))
          throw refuse(400, 'XML_DTD_FORBIDDEN', 'DOCTYPE and entity declarations are refused (XML bombs, external entities)');
        const root = documentElement(raw);
        let schema: Root = 'message';
        if (transport === 'soap') {
          if (root?.local !== 'Envelope' || (root.namespace !== NS.soap11 && root.namespace !== NS.soap12))
            throw refuse(
              400,
              'SOAP_ENVELOPE_REQUIRED',
              `Expected a SOAP 1.1 or 1.2 Envelope, got ${root ? `{${root.namespace ?? ''}}${root.local}` : 'no element'}`,
            );
          soapNs = root.namespace;
          schema = soapNs === NS.soap11 ? 'soap11' : 'soap12';
        } else if (root && root.local === 'RequestMessage' && root.namespace !== NS.message) {
          throw refuse(
            400,
            'WRONG_NAMESPACE',
            `RequestMessage must be in the namespace ${NS.message}, not ${root.namespace ?? '(none)'}`,
            '/*',
          );
        }
        const problems = await xsd.validate(raw, schema);
        if (problems.length) {
          throw new MessageRefused(
            400,
            problems.map((p) => ({
              code: 'SCHEMA_INVALID',
              level: 'FATAL',
              reason: 'Bad Request',
              details: `${p.line !== undefined ? `line ${p.line}: ` : ''}${p.message}`,
              ...(p.xpath ? { xpath: p.xpath } : {}),
            })),
          );
        }
        const parsed = parseXml(raw);
        const msg = soapNs ? node(node(node(parsed.Envelope)?.Body)?.RequestMessage) : node(parsed.RequestMessage);
        if (!msg) throw refuse(400, 'REQUEST_MESSAGE_REQUIRED', 'Only a RequestMessage can be sent to Gridlink', '/*');
        header = readHeader(msg);
        await organizationMatches(actor, header.organization);
        const kind = NOUNS[header.noun];
        if (!kind)
          throw refuse(
            400,
            'UNSUPPORTED_NOUN',
            `Noun '${header.noun}' is not supported; use ${Object.keys(NOUNS).join(', ')}`,
            '/RequestMessage/Header/Noun',
          );
        if (!VERBS[kind].includes(header.verb))
          throw refuse(
            400,
            'UNSUPPORTED_VERB',
            `Verb '${header.verb}' is not supported with ${header.noun}; use ${VERBS[kind].join(', ')}`,
            '/RequestMessage/Header/Verb',
          );
        audit.resourceType = kind === 'ticket' ? 'troubleTicket' : 'energyOutageNotice';
        audit.detail = `IEC 61968 ${header.verb} ${header.noun}${header.messageId ? ` MessageID ${header.messageId}` : ''}`.slice(0, 500);
        const h = header;
        const exec = async (): Promise<HttpResult> => {
          const r = await process(actor, msg, h);
          return checked(reply(r.status, r.result, r.errors, r.items));
        };
        if (h.verb === 'get') return await exec();
        if (!h.messageId)
          throw refuse(
            400,
            'MESSAGE_ID_REQUIRED',
            `Header.MessageID is required for ${h.verb} (it makes retries safe)`,
            '/RequestMessage/Header/MessageID',
          );
        const key = /^[\x21-\x7e]{1,200}$/.test(h.messageId)
          ? `iec61968:${h.messageId}`
          : `iec61968:sha256:${crypto.createHash('sha256').update(h.messageId).digest('hex')}`;
        const result = await deps.idempotency.run(actor, key, `iec61968.${h.verb}.${h.noun}`, `/${transport}`, raw, exec);
        return { ...result, raw: true };
      } catch (e) {
        if (e instanceof MessageRefused) return checked(reply(e.status, 'FAILED', e.errors));
        if (e instanceof AppError && e.status < 500)
          return checked(
            reply(e.status, 'FAILED', [
              { code: e.code, level: 'FATAL', reason: e.reason, details: e.message, xpath: '/RequestMessage/Header/MessageID' },
            ]),
          );
        throw e;
      }
    },
  };
}
