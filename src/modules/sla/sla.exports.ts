import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RESOURCES, type ResourceEntry } from '../registry.js';
import { writeEvents } from '../../events/outbox.js';
import type { OrganizationActor } from '../../http/context.js';
import { AppError, notFound } from '../../http/errors.js';
import { idIn, isJsonObject, objectsIn, type JsonObject } from '../../http/patch.js';
import type { ListQuery } from '../../http/tmfQuery.js';
import type { LinkableType, LinkService } from '../links/links.service.js';
import * as repo from './sla.exports.repository.js';
import type { ServiceDeps } from '../serviceDeps.js';

/**
 * ETL-1: the nightly export. For every organisation, the tickets, service problems,
 * incidents and energy outage notices it can see that were created or changed during the
 * previous UTC day, as CSV (flat columns) and NDJSON (the full TMF representation, as the
 * API would return it to that organisation). One run writes one directory per organisation
 * and day plus a manifest with counts and SHA-256 checksums; a re-run of the same day
 * replaces it atomically (written to a temporary directory, then renamed).
 */
const dataExportTable = RESOURCES.dataExport.store;
export const EXPORT_SORTABLE = Object.keys(dataExportTable.def.columns);

type ExportType = LinkableType;

interface ExportSource {
  /** Table, tenancy and base path. */
  resource: ResourceEntry;
  /** Columns whose value in [$2, $3) puts a record in the day's export. */
  dates: [string, string];
  /** CSV columns: header -> value from the stored document. */
  columns: [string, (doc: JsonObject) => unknown][];
}

const party = (role: string) => (doc: JsonObject) => idIn(objectsIn(doc.relatedParty).find((p) => p.role === role)?.partyOrPartyRole);
const ref = (attr: string) => (doc: JsonObject) => {
  const r = doc[attr];
  return isJsonObject(r) ? idIn(r.partyOrPartyRole) : undefined;
};
const violations = (doc: JsonObject) =>
  objectsIn(doc.slaViolation)
    .map((v) => v.name)
    .join(';');
const get = (attr: string) => (doc: JsonObject) => doc[attr];

const SOURCES: Record<ExportType, ExportSource> = {
  troubleTicket: {
    resource: RESOURCES.troubleTicket,
    dates: ['creation_date', 'last_update'],
    columns: [
      ['id', get('id')],
      ['creationDate', get('creationDate')],
      ['lastUpdate', get('lastUpdate')],
      ['status', get('status')],
      ['severity', get('severity')],
      ['ticketType', get('ticketType')],
      ['priority', get('priority')],
      ['name', get('name')],
      ['reporterId', party('reporter')],
      ['responsibleId', party('responsible')],
      ['resolutionDate', get('resolutionDate')],
      ['slaViolation', violations],
    ],
  },
  serviceProblem: {
    resource: RESOURCES.serviceProblem,
    dates: ['creation_date', 'last_update'],
    columns: [
      ['id', get('id')],
      ['creationDate', get('creationDate')],
      ['lastUpdate', get('lastUpdate')],
      ['status', get('status')],
      ['priority', get('priority')],
      ['category', get('category')],
      ['name', get('name')],
      ['originatorId', ref('originatorParty')],
      ['responsibleId', ref('responsibleParty')],
      ['resolutionDate', get('resolutionDate')],
      ['parentProblemId', (d) => idIn(objectsIn(d.parentProblem)[0])],
      ['slaViolation', violations],
    ],
  },
  incident: {
    resource: RESOURCES.incident,
    dates: ['creation_date', 'update_time'],
    columns: [
      ['id', get('id')],
      ['creationDate', get('creationDate')],
      ['updateTime', get('updateTime')],
      ['state', get('state')],
      ['ackState', get('ackState')],
      ['priority', get('priority')],
      ['category', get('category')],
      ['domain', get('domain')],
      ['name', get('name')],
      ['reporterId', party('reporter')],
      ['responsibleId', party('responsible')],
      ['occurTime', get('occurTime')],
      ['ackTime', get('ackTime')],
      ['clearTime', get('clearTime')],
      ['findingOutcome', (d) => (isJsonObject(d.finding) ? d.finding.outcome : undefined)],
      ['slaViolation', violations],
    ],
  },
  energyOutageNotice: {
    resource: RESOURCES.energyOutageNotice,
    dates: ['creation_date', 'last_update'],
    columns: [
      ['id', get('id')],
      ['creationDate', get('creationDate')],
      ['lastUpdate', get('lastUpdate')],
      ['status', get('status')],
      ['outageKind', get('outageKind')],
      ['causeKind', get('causeKind')],
      ['publisherId', (d) => idIn(d.publisher)],
      ['outageStartTime', get('outageStartTime')],
      ['expectedOutageEndTime', get('expectedOutageEndTime')],
      ['actualOutageEndTime', get('actualOutageEndTime')],
    ],
  },
};
export const EXPORT_TYPES: ExportType[] = ['troubleTicket', 'serviceProblem', 'incident', 'energyOutageNotice'];

/** RFC 4180: quote fields with separators, quotes or line breaks. */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface ExportFile {
  name: string;
  resourceType: string;
  format: 'csv' | 'ndjson';
  mimeType: string;
  count: number;
  bytes: number;
  sha256: string;
}

/** The files of a stored manifest. */
export const exportFilesOf = (doc: JsonObject): ExportFile[] => (Array.isArray(doc.file) ? doc.file.filter(isExportFile) : []);

function isExportFile(v: unknown): v is ExportFile {
  return (
    isJsonObject(v) &&
    typeof v.name === 'string' &&
    typeof v.resourceType === 'string' &&
    (v.format === 'csv' || v.format === 'ndjson') &&
    typeof v.mimeType === 'string' &&
    typeof v.count === 'number' &&
    typeof v.bytes === 'number' &&
    typeof v.sha256 === 'string'
  );
}

const MIME = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson' } as const;
const FILE_NAME = /^[A-Za-z]+\.(csv|ndjson)$/;

export type ExportService = ReturnType<typeof createExportService>;

export function createExportService(
  deps: ServiceDeps & {
    links: LinkService;
    settings: () => { dir: string; baseUrl: string | undefined };
    /** What an organisation may see of an outage notice (the outage module's privacy rule). */
    outageView: (orgId: string, doc: JsonObject) => JsonObject;
  },
) {
  const { db, now, links } = deps;
  const data = repo.createExportRepository(db);

  /** The organisation's records of one type for the day, as the API would show them. */
  const recordsOf = async (orgId: string, type: ExportType, start: Date, end: Date): Promise<JsonObject[]> => {
    const s = SOURCES[type];
    const { table } = s.resource.store.def;
    if (!(await data.tableExists(table))) return [];
    const rows = await data.documentsOfDay({ table, visible: s.resource.store.visibleTo('$1'), dates: s.dates }, orgId, start, end);
    const href = (basePath: string, p: string) => `${deps.settings().baseUrl ?? ''}${basePath}${p}`;
    const docs =
      type === 'energyOutageNotice'
        ? rows.map((r) => deps.outageView(orgId, r.doc))
        : await links.present(
            orgId,
            type,
            rows.map((r) => r.doc),
            href,
          );
    return docs.map((d) => ({ ...d, href: href(s.resource.basePath, `/${type}/${String(d.id)}`) }));
  };

  const write = (dir: string, name: string, content: string) => {
    fs.writeFileSync(path.join(dir, name), content, 'utf8');
    return { bytes: Buffer.byteLength(content, 'utf8'), sha256: crypto.createHash('sha256').update(content, 'utf8').digest('hex') };
  };

  const exportOrg = async (orgId: string, day: string, runId: string, start: Date, end: Date, t: Date) => {
    const root = path.join(deps.settings().dir, orgId);
    const finalDir = path.join(root, day);
    const tmpDir = path.join(root, `.tmp-${runId}`);
    fs.mkdirSync(tmpDir, { recursive: true });
    const files: ExportFile[] = [];
    try {
      for (const type of EXPORT_TYPES) {
        const records = await recordsOf(orgId, type, start, end);
        const cols = SOURCES[type].columns;
        const csv =
          [cols.map(([h]) => h).join(','), ...records.map((r) => cols.map(([, f]) => csvField(f(r))).join(','))].join('\r\n') + '\r\n';
        const ndjson = records.map((r) => JSON.stringify(r) + '\n').join('');
        for (const [format, content] of [
          ['csv', csv],
          ['ndjson', ndjson],
        ] as const) {
          const name = `${type}.${format}`;
          files.push({ name, resourceType: type, format, mimeType: MIME[format], count: records.length, ...write(tmpDir, name, content) });
        }
      }
      const id = (await data.exportIdOf(orgId, day)) ?? crypto.randomUUID();
      const manifest = {
        id,
        '@type': 'DataExport',
        organizationId: orgId,
        day,
        runId,
        creationDate: t.toISOString(),
        period: { startDateTime: start.toISOString(), endDateTime: end.toISOString() },
        file: files,
      };
      write(tmpDir, 'manifest.json', JSON.stringify(manifest, null, 2) + '\n');
      fs.rmSync(finalDir, { recursive: true, force: true });
      fs.renameSync(tmpDir, finalDir);
      await db.transaction(async (tx) => {
        await repo.saveExport(
          tx,
          { id, organizationId: orgId, day },
          { runId, creationDate: t, directory: path.relative(deps.settings().dir, finalDir), doc: manifest },
        );
        await writeEvents(tx, [
          {
            eventType: 'DataExportCreateEvent',
            resourceType: 'dataExport',
            resource: manifest,
            audience: [orgId],
            eventTime: t,
            description: `export of ${day}`,
          },
        ]);
      });
      return files;
    } finally {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
  };

  return {
    /** The nightly run: the previous UTC day (or `day`, YYYY-MM-DD), for every organisation. */
    async run(day?: string): Promise<string> {
      const t = now();
      const start = day ? new Date(`${day}T00:00:00.000Z`) : new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() - 1));
      const end = new Date(start.getTime() + 86_400_000);
      const d = start.toISOString().slice(0, 10);
      const runId = crypto.randomUUID();
      const orgs = await data.organizationIds();
      let records = 0;
      for (const o of orgs) {
        const files = await exportOrg(o.id, d, runId, start, end, t);
        records += files.filter((f) => f.format === 'ndjson').reduce((n, f) => n + f.count, 0);
      }
      return `export of ${d}: ${orgs.length} organisation(s), ${records} record(s)`;
    },

    list(actor: OrganizationActor, q: ListQuery) {
      return dataExportTable.list(db.reader, actor, q);
    },

    async get(actor: OrganizationActor, id: string): Promise<JsonObject> {
      const row = await dataExportTable.find(db.reader, actor, id);
      if (!row) throw notFound('DataExport', id);
      return row.doc;
    },

    /** One file of the caller's own export, checked against the manifest checksum. */
    async file(actor: OrganizationActor, id: string, name: string): Promise<{ content: string; file: ExportFile }> {
      const row = await dataExportTable.find(db.reader, actor, id);
      if (!row) throw notFound('DataExport', id);
      const file = FILE_NAME.test(name) ? exportFilesOf(row.doc).find((f) => f.name === name) : undefined;
      if (!file) throw notFound(`File ${name} of DataExport`, id);
      const directory = await data.exportDirectory(id);
      const full = path.join(deps.settings().dir, directory!, file.name);
      let content: string;
      try {
        content = fs.readFileSync(full, 'utf8');
      } catch {
        throw new AppError(
          404,
          'NOT_FOUND',
          'Not Found',
          `File ${name} of DataExport ${id} is no longer available in the export directory`,
        );
      }
      if (crypto.createHash('sha256').update(content, 'utf8').digest('hex') !== file.sha256) {
        throw new AppError(
          404,
          'NOT_FOUND',
          'Not Found',
          `File ${name} of DataExport ${id} no longer matches its checksum; re-run the export`,
        );
      }
      return { content, file };
    },
  };
}
