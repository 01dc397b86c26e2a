import crypto from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Tx } from '../../db/client.js';
import type { OrganizationActor } from '../../http/context.js';
import { badRequest, conflict, notFound, unprocessable } from '../../http/errors.js';
import { describeAjvErrors } from '../../http/openapi.js';
import { mergePatch, type JsonObject } from '../../http/patch.js';
import type { ListQuery } from '../../http/tmfQuery.js';
import { checkOwner, lonLat, servingMnoOf, type SiteBody, type SiteKind } from './site.kinds.js';
import { createPartyRepository, mnoOrganizationIds } from '../party/party.repository.js';
import { deleteSite, writeSite } from './site.repository.js';
import type { SiteDoc } from './site.types.js';
import type { ServiceDeps } from '../serviceDeps.js';

export interface ImportReport {
  received: number;
  created: number;
  updated: number;
  rejected: number;
  errors: { row: number; siteId?: string; messages: string[] }[];
}

export const MAX_IMPORT_ROWS = 200_000;

export type SiteService = ReturnType<typeof createSiteService>;

/** One register (MNO or DSO sites); the owner organisation is the only one that sees it. */
export function createSiteService<D extends SiteDoc>(
  deps: ServiceDeps & {
    kind: SiteKind<D>;
    validateCreate: ValidateFunction;
    validatePatch: ValidateFunction;
  },
) {
  const { db, now, kind } = deps;
  const parties = createPartyRepository(db);
  const { store } = kind.resource;
  /** ajv's check against the kind's create schema, as a type guard. */
  const isSiteBody = (body: unknown): body is SiteBody => deps.validateCreate(body);

  const validateMnoRefs = async (tx: Tx, doc: SiteBody) => {
    const mnos = servingMnoOf(doc);
    if (!mnos.length) return;
    const found = new Set(
      await mnoOrganizationIds(
        tx,
        mnos.map((m) => m.id),
      ),
    );
    const missing = mnos.filter((m) => !found.has(m.id));
    if (missing.length)
      throw unprocessable(`servingMno: ${missing.map((m) => m.id).join(', ')} is not an MNO organisation`, 'UNKNOWN_ORGANIZATION');
  };

  /** JSON Schema checks the shape of `location`; the WGS 84 ranges are checked here. */
  const checkLocation = (doc: Pick<SiteDoc, 'location'>) => {
    const [lon, lat] = lonLat(doc);
    if (lon < -180 || lon > 180) throw unprocessable(`location: longitude ${lon} is outside -180..180`, 'INVALID_LOCATION');
    if (lat < -90 || lat > 90) throw unprocessable(`location: latitude ${lat} is outside -90..90`, 'INVALID_LOCATION');
  };

  /** The stored document of a body validated against the kind's create schema, with the kind's defaults. */
  const normalise = (input: SiteBody, id: string, createdAt: string, t: string): D => {
    const doc: JsonObject = { id, '@type': kind.type, ...input, createdAt, lastUpdate: t };
    if (kind.owner === 'MNO') {
      doc.backupPower = { upsInstalled: false, generator: false, ...('backupPower' in input ? input.backupPower : {}) };
      doc.priority = ('priority' in input ? input.priority : undefined) ?? false;
    } else {
      doc.criticality = ('criticality' in input ? input.criticality : undefined) ?? 'medium';
      doc.servingMno = ('servingMno' in input ? (input.servingMno ?? []) : []).map((m) => ({ ...m, '@referredType': 'Organization' }));
    }
    return doc as D;
  };

  /** Inserts or updates (by siteId) one site document; returns whether it was new. */
  const upsert = async (
    tx: Tx,
    actor: OrganizationActor,
    input: SiteBody,
    mode: 'create' | 'upsert',
  ): Promise<{ doc: D; created: boolean }> => {
    const t = now().toISOString();
    const id = crypto.randomUUID();
    const doc = normalise(input, id, t, t);
    const [lon, lat] = lonLat(doc);
    const row = { id, orgId: actor.organizationId, siteId: doc.siteId, lon, lat, t, doc, columns: kind.columns(doc) };
    const written = await writeSite(tx, kind.table, row, mode);
    if (!written) throw conflict(`A site with siteId ${String(doc.siteId)} already exists in your register`, 'DUPLICATE');
    return written;
  };

  const parseImport = (
    contentType: string,
    body: unknown,
  ): { row: number; data: Record<string, string | number | boolean | null | undefined>; lonLat?: [number, number]; err?: string }[] => {
    if (contentType === 'text/csv') {
      if (typeof body !== 'string' || !body.trim()) throw badRequest('The CSV body is empty', 'INVALID_IMPORT');
      let records: { record: Record<string, string>; info: { lines: number } }[];
      try {
        records = parseCsv(body, {
          columns: (h: string[]) => h.map((c) => c.trim()),
          skip_empty_lines: true,
          trim: true,
          bom: true,
          relax_column_count: true,
          info: true,
        });
      } catch (e) {
        throw badRequest(`The CSV cannot be read: ${(e as Error).message}`, 'INVALID_IMPORT');
      }
      // Row = line number minus the header line: skipped blank lines still count (a record
      // with a quoted line break is numbered by its last line).
      return records.map(({ record: data, info }) => {
        const lon = Number(data.longitude);
        const lat = Number(data.latitude);
        const ok =
          data.longitude !== undefined &&
          data.latitude !== undefined &&
          data.longitude !== '' &&
          data.latitude !== '' &&
          Number.isFinite(lon) &&
          Number.isFinite(lat);
        return {
          row: info.lines - 1,
          data,
          ...(ok ? { lonLat: [lon, lat] as [number, number] } : { err: 'longitude and latitude are required numbers' }),
        };
      });
    }
    const fc = body as { type?: string; features?: unknown[] };
    if (!fc || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features))
      throw badRequest('GeoJSON import must be a FeatureCollection of Point features', 'INVALID_IMPORT');
    return fc.features.map((f, i) => {
      const feat = f as {
        type?: string;
        geometry?: { type?: string; coordinates?: unknown };
        properties?: Record<string, string | number | boolean | null>;
      };
      const c = feat?.geometry?.coordinates;
      const ok =
        feat?.type === 'Feature' &&
        feat.geometry?.type === 'Point' &&
        Array.isArray(c) &&
        c.length >= 2 &&
        c.every((n) => typeof n === 'number');
      return {
        row: i + 1,
        data: feat?.properties ?? {},
        ...(ok ? { lonLat: [c[0], c[1]] as [number, number] } : { err: 'each feature must be a Feature with Point geometry' }),
      };
    });
  };

  return {
    kind,
    store,
    list(actor: OrganizationActor, q: ListQuery) {
      checkOwner(kind, actor.organizationKind);
      return store.list(db.reader, actor, q);
    },
    async get(actor: OrganizationActor, id: string) {
      const row = await store.find(db.reader, actor, id);
      if (!row) throw notFound(kind.type, id);
      return row.doc;
    },
    /** `input`: validated against the kind's create schema (the request pipeline). */
    async create(actor: OrganizationActor, input: SiteBody) {
      checkOwner(kind, actor.organizationKind);
      checkLocation(input);
      return db.transaction(async (tx) => {
        await validateMnoRefs(tx, input);
        return (await upsert(tx, actor, input, 'create')).doc;
      });
    },
    async patch(actor: OrganizationActor, id: string, patch: JsonObject) {
      return db.transaction(async (tx) => {
        const row = await store.find(tx, actor, id, { forUpdate: true });
        if (!row) throw notFound(kind.type, id);
        const merged = mergePatch(row.doc, patch) as JsonObject;
        const { id: _i, '@type': _t, createdAt: _c, lastUpdate: _l, ...input } = merged;
        if (!isSiteBody(input))
          throw badRequest(`Invalid site after patch: ${describeAjvErrors(deps.validateCreate.errors ?? [], 'body')}`, 'INVALID_BODY');
        checkLocation(input);
        await validateMnoRefs(tx, input);
        return (await upsert(tx, actor, input, 'upsert')).doc;
      });
    },
    async remove(actor: OrganizationActor, id: string) {
      await db.transaction(async (tx) => {
        const row = await store.find(tx, actor, id, { forUpdate: true });
        if (!row) throw notFound(kind.type, id);
        await deleteSite(tx, kind.table, id);
      });
    },

    /** ETL-1 bulk import: each row validated alone; good rows written in one transaction. */
    async import(actor: OrganizationActor, contentType: string, body: unknown): Promise<ImportReport> {
      checkOwner(kind, actor.organizationKind);
      const rows = parseImport(contentType, body);
      if (rows.length > MAX_IMPORT_ROWS)
        throw unprocessable(`At most ${MAX_IMPORT_ROWS} rows per import (got ${rows.length}); split the file`, 'IMPORT_TOO_LARGE');
      const report: ImportReport = { received: rows.length, created: 0, updated: 0, rejected: 0, errors: [] };
      const good: SiteBody[] = [];
      const seen = new Map<string, number>();
      for (const r of rows) {
        const siteId = r.data.siteId === undefined || r.data.siteId === null ? undefined : String(r.data.siteId);
        const messages: string[] = [];
        let body: SiteBody | undefined;
        if (r.err) messages.push(r.err);
        else {
          try {
            const candidate = kind.fromRow(r.data, r.lonLat!);
            if (isSiteBody(candidate)) body = candidate;
            else messages.push(...describeAjvErrors(deps.validateCreate.errors ?? [], 'row').split('; '));
            const [lon, lat] = r.lonLat!;
            if (lon < -180 || lon > 180 || lat < -90 || lat > 90) messages.push('longitude/latitude out of range');
          } catch (e) {
            messages.push((e as Error).message);
          }
        }
        if (siteId && seen.has(siteId)) messages.push(`siteId ${siteId} also appears in row ${seen.get(siteId)}`);
        if (siteId) seen.set(siteId, r.row);
        if (messages.length) {
          report.errors.push({ row: r.row, ...(siteId ? { siteId } : {}), messages });
          continue;
        }
        good.push(body!);
      }
      if (kind.owner === 'DSO' && good.length) {
        const ids = [...new Set(good.flatMap((g) => servingMnoOf(g).map((m) => m.id)))];
        const valid = new Set(await parties.mnoOrganizationIds(ids));
        for (let i = good.length - 1; i >= 0; i--) {
          const bad = servingMnoOf(good[i]!).filter((m) => !valid.has(m.id));
          if (bad.length) {
            const row = rows.find((r) => String(r.data.siteId) === good[i]!.siteId)!.row;
            report.errors.push({
              row,
              siteId: String(good[i]!.siteId),
              messages: [`servingMnoIds: ${bad.map((b) => b.id).join(', ')} is not an MNO organisation`],
            });
            good.splice(i, 1);
          }
        }
      }
      await db.transaction(async (tx) => {
        for (const g of good) {
          const r = await upsert(tx, actor, g, 'upsert');
          if (r.created) report.created++;
          else report.updated++;
        }
      });
      report.errors.sort((a, b) => a.row - b.row);
      report.rejected = report.errors.length;
      return report;
    },
  };
}
