import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, ticketInput, type Harness, type TestOrg, TT, INC, SP, REPORT } from './support/harness.js';
import { csvField } from '../src/modules/sla/sla.exports.js';

/**
 * Issue 5, point 5 (ETL-1): the nightly export writes, per organisation, the records of
 * the previous day as CSV and NDJSON plus a manifest with counts and SHA-256 checksums;
 * the API lists and serves an organisation's own files only. Contents are checked against
 * the database.
 */
const DAY = '2026-11-21';

let h: Harness;
let dir: string;
let dso: TestOrg;
let mno: TestOrg;
let mnoX: TestOrg;
let dso2: TestOrg;
let mno2: TestOrg;
const ids: Record<string, string> = {};

interface Manifest {
  id: string;
  href: string;
  day: string;
  runId: string;
  organizationId: string;
  file: { name: string; href: string; resourceType: string; format: string; count: number; bytes: number; sha256: string }[];
}

/** Raw download (the body is CSV or NDJSON, not JSON). */
async function download(key: string, url: string) {
  return supertest(h.app.express)
    .get(url)
    .set('Authorization', `Bearer ${key}`)
    .buffer(true)
    .parse((res, cb) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => cb(null, data));
    });
}

async function exportsOf(org: TestOrg): Promise<Manifest[]> {
  const res = await h.call('GET', `${REPORT}/dataExport`, { key: org.keys.viewer });
  expect(res.status).toBe(200);
  return res.body as Manifest[];
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridlink-export-test-'));
  h = await createHarness({ env: { GRIDLINK_EXPORT_DIR: dir } });
  dso = await h.createOrg('DSO', 'Nordnetz Verteilung');
  mno = await h.createOrg('MNO', 'Funkwerk Mobil');
  mnoX = await h.createOrg('MNO', 'Xnet Mobil');
  dso2 = await h.createOrg('DSO', 'Südnetz');
  mno2 = await h.createOrg('MNO', 'Südfunk');
  await h.partner(dso, mno);
  await h.partner(dso, mnoX);
  await h.partner(dso2, mno2);

  const ticket = async (from: TestOrg, to: TestOrg, overrides: Record<string, unknown> = {}) => {
    const res = await h.call('POST', TT, { key: from.keys.operator, body: ticketInput(to, overrides) });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  // The day before: one ticket left alone, one changed on the export day.
  h.clock.current = new Date(`2026-11-20T12:00:00.000Z`);
  ids.old = await ticket(dso, mno);
  ids.oldChanged = await ticket(dso, mno);
  // The export day.
  h.clock.current = new Date(`${DAY}T08:00:00.000Z`);
  const ack = await h.call('PATCH', `${TT}/${ids.oldChanged}`, {
    key: mno.keys.operator,
    body: { status: 'acknowledged' },
    contentType: 'application/merge-patch+json',
  });
  expect(ack.status).toBe(200);
  ids.t1 = await ticket(dso, mno, { name: 'Loss of comms, "Nord-17"\nsecond line', priority: '2' });
  ids.t2 = await ticket(dso2, mno2);
  const p = await h.call('POST', `${SP}/serviceProblem`, {
    key: dso.keys.operator,
    body: {
      category: 'c',
      description: 'Latency trend',
      reason: 'unknown',
      priority: 4,
      responsibleParty: { role: 'responsible', partyOrPartyRole: { id: mno.id } },
      troubleTicket: [{ id: ids.t1 }],
    },
  });
  expect(p.status).toBe(201);
  ids.p1 = p.body.id;
  const i = await h.call('POST', `${INC}/incident`, {
    key: mno.keys.operator,
    body: {
      name: 'Cell down',
      category: 'c',
      domain: 'RAN',
      priority: 'low',
      occurTime: h.clock.now().toISOString(),
      sourceObject: [{ id: 'cell-1' }],
      relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: dso.id } }],
    },
  });
  expect(i.status).toBe(201);
  ids.i1 = i.body.id;
  // An outage notice to two MNOs, with the outage module's private parts.
  ids.n1 = crypto.randomUUID();
  const doc = {
    id: ids.n1,
    '@type': 'EnergyOutageNotice',
    status: 'confirmed',
    outageKind: 'unplanned',
    creationDate: h.clock.now().toISOString(),
    lastUpdate: h.clock.now().toISOString(),
    publisher: { id: dso.id, name: dso.name },
    audience: [{ id: mno.id }, { id: mnoX.id }],
    mnoResponse: [
      { mno: { id: mno.id }, note: 'battery 4h' },
      { mno: { id: mnoX.id }, note: 'generator' },
    ],
    _revisions: [{ n: 1, sent: h.clock.now().toISOString() }],
  };
  await h.db.prisma.$executeRawUnsafe(
    `INSERT INTO energy_outage_notice (id, dso_org_id, audience, status, outage_kind, creation_date, last_update, doc)
     VALUES ($1::uuid, $2::uuid, $3::uuid[], 'confirmed', 'unplanned', $4, $4, $5::jsonb)`,
    ids.n1,
    dso.id,
    [mno.id, mnoX.id],
    h.clock.now(),
    JSON.stringify(doc),
  );
  // After the day: not exported.
  h.clock.current = new Date('2026-11-22T00:30:00.000Z');
  ids.next = await ticket(dso, mno);
  h.clock.current = new Date('2026-11-22T02:00:00.000Z');
  const run = await h.app.scheduler.runNow('nightly-export');
  expect(run.outcome, run.detail).toBe('success');
  expect(run.detail).toContain(`export of ${DAY}`);
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ETL-1 nightly export', () => {
  it("writes one directory per organisation and day with CSV, NDJSON and a manifest; the API lists the organisation's own", async () => {
    const list = await exportsOf(dso);
    expect(list).toHaveLength(1);
    const m = list[0]!;
    expect(m).toMatchObject({ day: DAY, organizationId: dso.id, href: `${REPORT}/dataExport/${m.id}` });
    const counts = Object.fromEntries(m.file.map((f) => [f.name, f.count]));
    expect(counts).toEqual({
      'troubleTicket.csv': 2,
      'troubleTicket.ndjson': 2,
      'serviceProblem.csv': 1,
      'serviceProblem.ndjson': 1,
      'incident.csv': 1,
      'incident.ndjson': 1,
      'energyOutageNotice.csv': 1,
      'energyOutageNotice.ndjson': 1,
    });
    const onDisk = path.join(dir, dso.id, DAY);
    expect(fs.readdirSync(onDisk).sort()).toEqual([...m.file.map((f) => f.name), 'manifest.json'].sort());
    const manifest = JSON.parse(fs.readFileSync(path.join(onDisk, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.file).toEqual(m.file.map(({ href: _h, ...f }) => f));
    for (const f of m.file) {
      const content = fs.readFileSync(path.join(onDisk, f.name));
      expect(crypto.createHash('sha256').update(content).digest('hex'), f.name).toBe(f.sha256);
      expect(content.length).toBe(f.bytes);
    }
    const retrieved = await h.call('GET', `${REPORT}/dataExport/${m.id}`, { key: dso.keys.viewer });
    expect(retrieved.body).toEqual(m);
    expect((await exportsOf(dso2))[0]!.file.find((f) => f.name === 'troubleTicket.ndjson')!.count).toBe(1);
  });

  it('NDJSON holds the TMF representation of exactly the records created or changed that day, as in the database', async () => {
    const m = (await exportsOf(dso))[0]!;
    const res = await download(dso.keys.viewer, `${REPORT}/dataExport/${m.id}/file/troubleTicket.ndjson`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const text = res.body as string;
    const f = m.file.find((x) => x.name === 'troubleTicket.ndjson')!;
    expect(res.headers['repr-digest']).toBe(`sha-256=:${Buffer.from(f.sha256, 'hex').toString('base64')}:`);
    expect(res.headers['x-record-count']).toBe('2');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; href: string; [k: string]: unknown });
    expect(lines.map((l) => l.id).sort()).toEqual([ids.oldChanged, ids.t1].sort());
    for (const line of lines) {
      const row = await h.db.prisma.troubleTicket.findUniqueOrThrow({ where: { id: line.id } });
      const { href, linkedEntity, ...rest } = line;
      expect(rest).toEqual(row.doc);
      expect(href).toBe(`${TT}/${line.id}`);
      if (line.id !== ids.t1) expect(linkedEntity).toBeUndefined();
    }
    // The problem's link to the ticket shows at both ends, as the API shows it.
    const t1 = lines.find((l) => l.id === ids.t1)!;
    expect(t1.linkedEntity).toEqual([
      expect.objectContaining({
        direction: 'incoming',
        entity: expect.objectContaining({ id: ids.p1, '@referredType': 'ServiceProblem' }),
      }),
    ]);
    for (const [file, id, table] of [
      ['serviceProblem.ndjson', ids.p1, 'service_problem'],
      ['incident.ndjson', ids.i1, 'incident'],
    ] as const) {
      const body = (await download(dso.keys.viewer, `${REPORT}/dataExport/${m.id}/file/${file}`)).body as string;
      const [line] = body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const [row] = await h.db.prisma.$queryRawUnsafe<{ doc: Record<string, unknown> }[]>(
        `SELECT doc FROM ${table} WHERE id = $1::uuid`,
        id,
      );
      const { href: _h, linkedEntity: _l, ...rest } = line!;
      expect(rest).toEqual(row!.doc);
    }
  });

  it('CSV has a header and one RFC 4180 row per record', async () => {
    const m = (await exportsOf(dso))[0]!;
    const res = await download(dso.keys.viewer, `${REPORT}/dataExport/${m.id}/file/troubleTicket.csv`);
    expect(res.headers['content-type']).toContain('text/csv');
    const rows = parseCsv(res.body as string);
    expect(rows[0]).toEqual([
      'id',
      'creationDate',
      'lastUpdate',
      'status',
      'severity',
      'ticketType',
      'priority',
      'name',
      'reporterId',
      'responsibleId',
      'resolutionDate',
      'slaViolation',
    ]);
    expect(rows).toHaveLength(3);
    const t1 = rows.find((r) => r[0] === ids.t1)!;
    const db = (await h.db.prisma.troubleTicket.findUniqueOrThrow({ where: { id: ids.t1 } })).doc as Record<string, string>;
    expect(t1).toEqual([
      ids.t1,
      db.creationDate,
      db.lastUpdate,
      'submitted',
      'major',
      'down',
      '2',
      'Loss of comms, "Nord-17"\nsecond line',
      dso.id,
      mno.id,
      '',
      '',
    ]);
    expect(rows.find((r) => r[0] === ids.oldChanged)![3]).toBe('acknowledged');
    expect(csvField('a"b')).toBe('"a""b"');
    expect(csvField(undefined)).toBe('');
  });

  it("outage notices are exported as each organisation may see them (the outage module's privacy rule)", async () => {
    const mine = (await exportsOf(mno))[0]!;
    const body = (await download(mno.keys.viewer, `${REPORT}/dataExport/${mine.id}/file/energyOutageNotice.ndjson`)).body as string;
    const notice = JSON.parse(body.trim()) as Record<string, unknown>;
    expect(notice.id).toBe(ids.n1);
    expect(notice.audience).toEqual([{ id: mno.id }]);
    expect(notice.mnoResponse).toEqual([{ mno: { id: mno.id }, note: 'battery 4h' }]);
    expect(notice._revisions).toBeUndefined();
    const dsoSide = (await exportsOf(dso))[0]!;
    const full = JSON.parse(
      ((await download(dso.keys.viewer, `${REPORT}/dataExport/${dsoSide.id}/file/energyOutageNotice.ndjson`)).body as string).trim(),
    );
    expect(full.audience).toHaveLength(2);
    // mno2 has nothing from that day but still gets its (empty-bodied) files.
    const other = (await exportsOf(mno2))[0]!;
    expect(other.file.find((f) => f.name === 'energyOutageNotice.ndjson')!.count).toBe(0);
  });

  it("never serves another organisation's export (404), and refuses odd file names", async () => {
    const m = (await exportsOf(dso))[0]!;
    for (const outsider of [mno, dso2]) {
      expect((await h.call('GET', `${REPORT}/dataExport/${m.id}`, { key: outsider.keys.admin })).status).toBe(404);
      expect((await download(outsider.keys.admin, `${REPORT}/dataExport/${m.id}/file/troubleTicket.csv`)).status).toBe(404);
      expect((await exportsOf(outsider)).map((x) => x.id)).not.toContain(m.id);
    }
    expect((await h.call('GET', `${REPORT}/dataExport/${m.id}/file/nothing.csv`, { key: dso.keys.viewer })).status).toBe(404);
    expect((await h.call('GET', `${REPORT}/dataExport/${m.id}/file/manifest.json`, { key: dso.keys.viewer })).status).toBe(400);
    expect(
      (await h.call('GET', `${REPORT}/dataExport/${m.id}/file/..%2F..%2Fetc%2Fpasswd`, { key: dso.keys.viewer })).status,
    ).toBeGreaterThanOrEqual(400);
    expect((await h.call('GET', `${REPORT}/dataExport/${crypto.randomUUID()}`, { key: dso.keys.viewer })).status).toBe(404);
  });

  it('announces each export to its organisation only (DataExportCreateEvent)', async () => {
    const m = (await exportsOf(dso))[0]!;
    const events = await h.db.prisma.event.findMany({ where: { eventType: 'DataExportCreateEvent', resourceId: m.id } });
    expect(events).toHaveLength(1);
    expect(events[0]!.audience).toEqual([dso.id]);
  });

  it('a re-run of the same day replaces the files (same export, new run); a changed file is no longer served', async () => {
    const before = (await exportsOf(dso))[0]!;
    const r = await h.app.scheduler.runNow('nightly-export');
    expect(r.outcome).toBe('success');
    const after = (await exportsOf(dso))[0]!;
    expect(after.id).toBe(before.id);
    expect(after.runId).not.toBe(before.runId);
    expect(fs.readdirSync(path.join(dir, dso.id)).filter((n) => n.startsWith('.tmp'))).toEqual([]);
    fs.appendFileSync(path.join(dir, dso.id, DAY, 'incident.csv'), 'tampered\r\n');
    expect((await download(dso.keys.viewer, `${REPORT}/dataExport/${after.id}/file/incident.csv`)).status).toBe(404);
    expect((await download(dso.keys.viewer, `${REPORT}/dataExport/${after.id}/file/incident.ndjson`)).status).toBe(200);
  });
});
