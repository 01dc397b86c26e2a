import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, eventsSince, lastEventSequence, type Harness, type TestOrg } from '../support/harness.js';
import { officialApi, TMF621_V5 } from '../support/officialSchema.js';

/**
 * Issue 11, points 1 and 4: TMF621 Trouble Ticket v5 as a client written from the official
 * document would use it. Every response is checked against the OFFICIAL schema
 * (test/reference/tmf/TMF621-Trouble_Ticket-v5.0.1.oas.yaml), besides our own document
 * (the harness checks that on every call). PI-2: DSO -> MNO tickets.
 */
const BASE = '/tmf-api/troubleTicket/v5';
const TT = `${BASE}/troubleTicket`;
const official = officialApi(TMF621_V5, BASE);

let h: Harness;
let dso: TestOrg;
let mno: TestOrg;

/** A call whose response must also conform to the official document. */
const std = (method: string, url: string, key: string, body?: unknown, contentType?: string) =>
  official.call(h, method, url, { key, body, ...(contentType ? { contentType } : {}) });

const responsible = () => ({
  role: 'responsible',
  '@type': 'RelatedPartyRefOrPartyRoleRef',
  partyOrPartyRole: { id: mno.id, '@type': 'PartyRef', '@referredType': 'Organization' },
});

beforeAll(async () => {
  h = await createHarness();
  ({ dso, mno } = await h.partners({ dso: 'Nordnetz Verteilung', mno: 'Funkwerk Mobil' }));
});
afterAll(async () => {
  await h.close();
});

describe('TMF621 v5 conformance: the official examples (issue 11, PI-2)', () => {
  it('the official create example works as published: its status inProgress is accepted and ignored (Warning), the ticket starts acknowledged', async () => {
    const example = official.example('TroubleTicket_create_example_request');
    expect(example.status).toBe('inProgress');
    example.relatedParty = [...(example.relatedParty as unknown[]), responsible()];

    // A finished state is refused: the ticket would open live work its sender believes is done.
    const refused = await std('POST', TT, dso.keys.operator, { ...example, status: 'closed' });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('INVALID_INITIAL_STATUS');
    expect(refused.body.message).toMatch(/'acknowledged'/);
    expect(await h.db.prisma.troubleTicket.count()).toBe(0);

    const res = await std('POST', TT, dso.keys.operator, example);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.warning).toBe(
      `299 gridlink "status 'inProgress' ignored: a trouble ticket is created in its initial state 'acknowledged'"`,
    );
    // Sending the initial state (or none) gives no warning.
    const plain = await std('POST', TT, dso.keys.operator, { ...example, status: 'acknowledged' });
    expect(plain.status).toBe(201);
    expect(plain.headers.warning).toBeUndefined();
    const t = res.body;
    // Standard status; Gridlink's exact state in the documented extension.
    expect(t.status).toBe('acknowledged');
    expect(t.gridlinkStatus).toBe('submitted');
    expect(t.statusChangeHistory[0]).toMatchObject({ status: 'acknowledged', gridlinkStatus: 'submitted' });
    // Severity mapped (case-insensitive), unknown ticket type kept as sent.
    expect(t.severity).toBe('major');
    expect(t.ticketType).toBe('Bill Dispute');
    // expectedResolutionDate is the responsible side's estimate: ignored on create.
    expect(t.expectedResolutionDate).toBeUndefined();
    expect(t.requestedResolutionDate).toBe('2022-05-31T07:34:45.968Z');
    // The client's note id/author/date kept as the partner's values beside ours.
    expect(t.note[0]).toMatchObject({
      partnerNoteId: '77456',
      partnerAuthor: 'Jack Smith',
      partnerDate: '2022-05-31T07:34:45.968Z',
      author: 'Nordnetz Verteilung',
      '@type': 'Note',
    });
    expect(t.note[0].id).not.toBe('77456');
    // The reporter is the caller, first; the example's reporter (a person) kept after it.
    const parties = t.relatedParty as { role: string; partyOrPartyRole: { id: string; '@type': string } }[];
    expect(parties[0]).toMatchObject({ role: 'reporter', partyOrPartyRole: { id: dso.id, '@type': 'PartyRef' } });
    expect(parties.map((p) => p.role)).toEqual(['reporter', 'responsible', 'member', 'reporter', 'customer']);
    expect(parties.every((p) => typeof p.partyOrPartyRole['@type'] === 'string')).toBe(true);
    expect(t.channel).toMatchObject({ id: '8774', '@type': 'ChannelRef' });
    expect(t.attachment[0]).toMatchObject({ id: '34345', '@type': 'Attachment' });
    expect(t.relatedEntity[0]).toMatchObject({ role: 'disputedBill' });

    // The responsible partner sees the standard shape too.
    await std('GET', `${TT}/${t.id}`, mno.keys.viewer);
  });

  it('the official PATCH examples: application/json and merge-patch with @type, status and reason', async () => {
    const created = await std('POST', TT, dso.keys.operator, {
      description: 'Mobile link down at RTU 7',
      severity: 'Critical',
      ticketType: 'Outage',
      relatedParty: [responsible()],
    });
    expect(created.body).toMatchObject({ severity: 'critical', ticketType: 'down' });
    const url = `${TT}/${created.body.id}`;
    // The reporter sending back the standard status it was shown is no change...
    const same = await std('PATCH', url, dso.keys.operator, { '@type': 'TroubleTicket', status: 'acknowledged' }, 'application/json');
    expect(same.status).toBe(200);
    expect(same.body.gridlinkStatus).toBe('submitted');
    // ...from the responsible side it is the acknowledgement.
    const acked = await std(
      'PATCH',
      url,
      mno.keys.operator,
      { status: 'acknowledged', '@type': 'TroubleTicket' },
      'application/merge-patch+json',
    );
    expect(acked.status).toBe(200);
    expect(acked.body.gridlinkStatus).toBeUndefined();

    // JSON example (application/json treated as merge patch).
    const asJson = official.example('TroubleTicket_partialupdate_example_application_json_request');
    const resolved = await std('PATCH', url, mno.keys.operator, asJson, 'application/json');
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', statusChangeReason: 'Give credit and resent bill to customer' });
    expect(resolved.body.gridlinkStatus).toBeUndefined();
    expect(resolved.body.resolutionDate).toBeDefined();

    // The merge example on a second ticket, never explicitly acknowledged: a standard client
    // saw it as acknowledged, so resolving it acknowledges it on the way (both steps recorded).
    const second = await std('POST', TT, dso.keys.operator, {
      description: 'x',
      severity: 'minor',
      ticketType: 'fault',
      relatedParty: [responsible()],
    });
    const url2 = `${TT}/${second.body.id}`;
    const merge = official.example('TroubleTicket_partialupdate_example_application_merge_json_request');
    const res = await std('PATCH', url2, mno.keys.operator, merge, 'application/merge-patch+json');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('resolved');
    expect(res.body.statusChangeHistory.map((c: { status: string; gridlinkStatus?: string }) => c.gridlinkStatus ?? c.status)).toEqual([
      'submitted',
      'acknowledged',
      'resolved',
    ]);
    const events = await eventsSince(h, 0n, second.body.id);
    expect(events.map((e) => [e.type, e.payload.description])).toEqual([
      ['TroubleTicketCreateEvent', undefined],
      ['TroubleTicketStatusChangeEvent', 'submitted -> acknowledged'],
      ['TroubleTicketStatusChangeEvent', 'acknowledged -> resolved'],
      ['TroubleTicketResolvedEvent', undefined],
    ]);
  });

  it('JSON Patch: severity replaced with a standard word (mapped), a note appended with the client id kept', async () => {
    const created = await std('POST', TT, dso.keys.operator, {
      description: 'Flapping link',
      severity: 'Major',
      ticketType: 'degraded',
      relatedParty: [responsible()],
    });
    const url = `${TT}/${created.body.id}`;
    const res = await std(
      'PATCH',
      url,
      dso.keys.operator,
      [
        { op: 'replace', path: '/severity', value: 'Minor' },
        { op: 'add', path: '/note/-', value: { '@type': 'Note', id: '77456', author: 'Jack Smith', text: 'Please call back' } },
      ],
      'application/json-patch+json',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.severity).toBe('minor');
    expect(res.body.note.at(-1)).toMatchObject({ partnerNoteId: '77456', partnerAuthor: 'Jack Smith', text: 'Please call back' });
  });
});

describe('TMF621 v5 conformance: what a conformance kit sends (issue 11)', () => {
  let id: string;

  it('create with only description, severity and ticketType (plus the partner) -> 201 with Location', async () => {
    const res = await std('POST', TT, dso.keys.operator, {
      description: 'Minimal ticket',
      severity: 'Minor',
      ticketType: 'incident',
      priority: 'High',
      relatedParty: [{ role: 'responsible', partyOrPartyRole: { id: mno.id } }],
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(res.body.href);
    expect(res.body).toMatchObject({ severity: 'minor', ticketType: 'failure', priority: '2', '@type': 'TroubleTicket' });
    // A party ref sent without @type gets the standard one.
    expect(res.body.relatedParty[1]).toMatchObject({ '@type': 'RelatedPartyRefOrPartyRoleRef', partyOrPartyRole: { '@type': 'PartyRef' } });
    id = res.body.id;
  });

  it('priority words: Critical/High/Medium/Low map onto ITIL 1-4 (any case); an unknown word is a 400 naming the accepted ones', async () => {
    for (const [word, itil] of [
      ['Critical', '1'],
      ['high', '2'],
      ['MEDIUM', '3'],
      ['Low', '4'],
      ['5', '5'],
    ]) {
      const res = await std('POST', TT, dso.keys.operator, {
        description: 'p',
        severity: 'minor',
        ticketType: 'down',
        priority: word,
        relatedParty: [responsible()],
      });
      expect(res.status).toBe(201);
      expect(res.body.priority).toBe(itil);
    }
    const bad = await std('POST', TT, dso.keys.operator, {
      description: 'p',
      severity: 'minor',
      ticketType: 'down',
      priority: 'whenever',
      relatedParty: [responsible()],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/priority: 'whenever' is not understood; accepted \(any case\): .*critical.*high.*medium.*low/);
  });

  it('get by id; fields= returns exactly the listed keys plus id, href and @type', async () => {
    const full = await std('GET', `${TT}/${id}`, dso.keys.viewer);
    expect(full.status).toBe(200);
    const url = `${TT}/${id}?fields=status,severity`;
    const res = await h.call('GET', url, { key: dso.keys.viewer, skipValidation: true });
    official.expectConforms('GET', url, res);
    expect(Object.keys(res.body).sort()).toEqual(['@type', 'href', 'id', 'severity', 'status']);
  });

  it('fields= on POST and PATCH responses', async () => {
    const url = `${TT}?fields=status`;
    const res = await h.call('POST', url, {
      key: dso.keys.operator,
      body: { description: 'f', severity: 'minor', ticketType: 'down', relatedParty: [responsible()] },
      skipValidation: true,
    });
    official.expectConforms('POST', url, res);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['@type', 'href', 'id', 'status']);
    const patchUrl = `${TT}/${res.body.id}?fields=name`;
    const patched = await h.call('PATCH', patchUrl, {
      key: dso.keys.operator,
      body: { name: 'renamed' },
      contentType: 'application/json',
      skipValidation: true,
    });
    official.expectConforms('PATCH', patchUrl, patched);
    expect(patched.body).toEqual({ id: res.body.id, href: res.body.href, '@type': 'TroubleTicket', name: 'renamed' });
    // A bad fields= on POST is refused before anything is written.
    const before = await h.db.prisma.troubleTicket.count();
    const bad = await h.call('POST', `${TT}?fields=nope`, {
      key: dso.keys.operator,
      body: { description: 'f', severity: 'minor', ticketType: 'down', relatedParty: [responsible()] },
    });
    expect(bad.status).toBe(400);
    expect(await h.db.prisma.troubleTicket.count()).toBe(before);
  });

  it('attribute filters: status=acknowledged finds submitted tickets (shown as acknowledged); gridlinkStatus= the exact state', async () => {
    const list = await std('GET', `${TT}?status=acknowledged`, dso.keys.viewer);
    expect(list.status).toBe(200);
    expect(list.body.map((t: { id: string }) => t.id)).toContain(id);
    expect(list.body.every((t: { status: string }) => t.status === 'acknowledged')).toBe(true);
    const exact = await std('GET', `${TT}?gridlinkStatus=submitted`, dso.keys.viewer);
    expect(exact.body.map((t: { id: string }) => t.id)).toContain(id);
    expect(exact.body.every((t: { gridlinkStatus?: string }) => t.gridlinkStatus === 'submitted')).toBe(true);
    const onlyAck = await std('GET', `${TT}?gridlinkStatus=acknowledged`, dso.keys.viewer);
    expect(onlyAck.body.map((t: { id: string }) => t.id)).not.toContain(id);
    const legacy = await std('GET', `${TT}?status=submitted`, dso.keys.viewer);
    expect(legacy.body.map((t: { id: string }) => t.id)).toContain(id);
    const bySeverity = await std('GET', `${TT}?severity=minor&ticketType=failure&priority=2`, dso.keys.viewer);
    expect(bySeverity.body.map((t: { id: string }) => t.id)).toEqual([id]);
  });

  it('trailing-slash collection URL lists like the collection', async () => {
    const res = await std('GET', `${TT}/`, dso.keys.viewer);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.headers['x-total-count']).toBeDefined();
  });

  it('unknown id -> 404 Error; missing mandatory -> 400 naming it', async () => {
    const missing = await std('GET', `${TT}/00000000-0000-4000-8000-000000000000`, dso.keys.viewer);
    expect(missing.status).toBe(404);
    const noSeverity = await std('POST', TT, dso.keys.operator, { description: 'x', ticketType: 'down', relatedParty: [responsible()] });
    expect(noSeverity.status).toBe(400);
    expect(noSeverity.body.message).toMatch(/missing required property 'severity'/);
  });

  it('a property outside the standard is still refused with 400 naming it', async () => {
    const res = await std('POST', TT, dso.keys.operator, {
      description: 'x',
      severity: 'minor',
      ticketType: 'down',
      colour: 'red',
      relatedParty: [responsible()],
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/colour/);
  });
});

describe('TMF630 filter (JSONPath) and cursor paging on every list (issue 11)', () => {
  it('filter=[?(...)] selects like the attribute filters; the status rule applies; anything else is a 400 naming the syntax', async () => {
    const attr = await std('GET', `${TT}?severity=minor&priority=2`, dso.keys.viewer);
    const expr = encodeURIComponent("[?(@.severity=='minor' && @.priority=='2')]");
    const viaFilter = await std('GET', `${TT}?filter=${expr}`, dso.keys.viewer);
    expect(viaFilter.status).toBe(200);
    expect(viaFilter.body.map((t: { id: string }) => t.id)).toEqual(attr.body.map((t: { id: string }) => t.id));
    expect(viaFilter.body.length).toBeGreaterThan(0);
    // $ prefix, standard status (finds the submitted ones), != and a path prefix as in the official example.
    const ack = await std('GET', `${TT}?filter=${encodeURIComponent("$[?(@.status=='acknowledged')]")}`, dso.keys.viewer);
    expect(ack.body.some((t: { gridlinkStatus?: string }) => t.gridlinkStatus === 'submitted')).toBe(true);
    const notMinor = await std('GET', `${TT}?filter=${encodeURIComponent("[?(@.severity!='minor')]")}`, dso.keys.viewer);
    expect(notMinor.body.every((t: { severity: string }) => t.severity !== 'minor')).toBe(true);
    const byNote = await std('GET', `${TT}?filter=${encodeURIComponent("note[?(@.partnerNoteId=='77456')]")}`, dso.keys.viewer);
    expect(byNote.body.length).toBeGreaterThan(0);
    for (const bad of [
      'status=acknowledged',
      "[?(@.severity=~'m.*')]",
      "[?(@.severity=='a' || @.severity=='b')]",
      "[?(@.colour=='red')]",
    ]) {
      const res = await std('GET', `${TT}?filter=${encodeURIComponent(bad)}`, dso.keys.viewer);
      expect(res.status, bad).toBe(400);
      expect(res.body.code).toBe('INVALID_FILTER');
    }
    const syntax = await std('GET', `${TT}?filter=${encodeURIComponent('status=acknowledged')}`, dso.keys.viewer);
    expect(syntax.body.message).toContain('supported: a JSONPath filter [?(@.attr op value');
  });

  it('after/before take the X-Next-Cursor / X-Previous-Cursor of a page and return the neighbouring pages', async () => {
    const all = await std('GET', `${TT}?sort=creationDate&limit=1000`, dso.keys.viewer);
    const ids = all.body.map((t: { id: string }) => t.id);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    const first = await std('GET', `${TT}?sort=creationDate&limit=2`, dso.keys.viewer);
    expect(first.headers['x-previous-cursor']).toBeUndefined();
    const next = first.headers['x-next-cursor'] as string;
    expect(next).toBeTruthy();
    const second = await std('GET', `${TT}?sort=creationDate&limit=2&after=${next}`, dso.keys.viewer);
    expect(second.body.map((t: { id: string }) => t.id)).toEqual(ids.slice(2, 4));
    const back = await std(
      'GET',
      `${TT}?sort=creationDate&limit=2&before=${second.headers['x-previous-cursor'] as string}`,
      dso.keys.viewer,
    );
    expect(back.body.map((t: { id: string }) => t.id)).toEqual(ids.slice(0, 2));
    const bad = await std('GET', `${TT}?after=not-a-cursor`, dso.keys.viewer);
    expect(bad.status).toBe(400);
    expect((await std('GET', `${TT}?after=${next}&offset=1`, dso.keys.viewer)).status).toBe(400);
    // Cursors combine with filters (the pipeline adds them to every list response, src/http/openapi.ts).
    const filtered = await std('GET', `${TT}?severity=minor&sort=creationDate&limit=1`, dso.keys.viewer);
    const after = await std(
      'GET',
      `${TT}?severity=minor&sort=creationDate&limit=1&after=${filtered.headers['x-next-cursor'] as string}`,
      dso.keys.viewer,
    );
    expect(after.status).toBe(200);
    expect(after.body[0].severity).toBe('minor');
    expect(after.body[0].id).not.toBe(filtered.body[0].id);
  });
});

describe('A ticket without a responsible party is the reporter own until it names one (issue 11 point 2, PI-2)', () => {
  it('create with only description, severity and ticketType -> 201; only the reporter sees it and gets its events', async () => {
    const since = await lastEventSequence(h);
    const res = await std('POST', TT, dso.keys.operator, {
      description: 'Draft: flapping link at RTU 9',
      severity: 'Minor',
      ticketType: 'Fault',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const t = res.body;
    expect(t.relatedParty).toEqual([
      expect.objectContaining({ role: 'reporter', partyOrPartyRole: expect.objectContaining({ id: dso.id, '@type': 'PartyRef' }) }),
    ]);
    expect((await std('GET', `${TT}/${t.id}`, dso.keys.viewer)).status).toBe(200);
    expect((await std('GET', `${TT}/${t.id}`, mno.keys.viewer)).status).toBe(404);
    expect((await std('GET', TT, mno.keys.viewer)).body.map((x: { id: string }) => x.id)).not.toContain(t.id);
    const events = await eventsSince(h, since, t.id);
    expect(events.map((e) => [e.type, e.audience])).toEqual([['TroubleTicketCreateEvent', [dso.id]]]);
    const row = await h.db.prisma.troubleTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.responsibleOrgId).toBeNull();
    // The reporter may still work on it (notes, its own attributes) without a partner.
    const noted = await std('PATCH', `${TT}/${t.id}`, dso.keys.operator, { name: 'RTU 9 link' }, 'application/json');
    expect(noted.status).toBe(200);
  });

  it('a PATCH naming the responsible partner hands it over: the partner sees it and gets the create event', async () => {
    const t = (await std('POST', TT, dso.keys.operator, { description: 'To hand over', severity: 'major', ticketType: 'down' })).body;
    const url = `${TT}/${t.id}`;
    // Not a partner, or the caller itself: refused, nothing changes.
    const stranger = await h.createOrg('MNO', 'Stranger Mobil');
    for (const [id, code] of [
      [stranger.id, 'NOT_A_PARTNER'],
      [dso.id, 'INVALID_RESPONSIBLE'],
    ]) {
      const res = await std(
        'PATCH',
        url,
        dso.keys.operator,
        { relatedParty: [...t.relatedParty, { role: 'responsible', partyOrPartyRole: { id } }] },
        'application/json',
      );
      expect(res.status, id).toBe(422);
      expect(res.body.code).toBe(code);
    }
    const since = await lastEventSequence(h);
    const res = await std(
      'PATCH',
      url,
      dso.keys.operator,
      { relatedParty: [...t.relatedParty, responsible()] },
      'application/merge-patch+json',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.relatedParty.map((p: { role: string; partyOrPartyRole: { id: string } }) => [p.role, p.partyOrPartyRole.id])).toEqual([
      ['reporter', dso.id],
      ['responsible', mno.id],
    ]);
    const events = await eventsSince(h, since, t.id);
    expect(events.map((e) => [e.type, e.audience])).toEqual([
      ['TroubleTicketCreateEvent', [mno.id]],
      ['TroubleTicketAttributeValueChangeEvent', [dso.id]],
    ]);
    const seen = await std('GET', url, mno.keys.viewer);
    expect(seen.status).toBe(200);
    expect(seen.body.relatedParty[1].partyOrPartyRole).toMatchObject({ id: mno.id, name: 'Funkwerk Mobil' });
    const row = await h.db.prisma.troubleTicket.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.responsibleOrgId).toBe(mno.id);
    // Now the normal two-party rules hold: the partner acknowledges; the parties are fixed.
    expect((await std('PATCH', url, mno.keys.operator, { status: 'acknowledged' }, 'application/json')).status).toBe(200);
    const again = await std('PATCH', url, dso.keys.operator, { relatedParty: [seen.body.relatedParty[0]] }, 'application/json');
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('READ_ONLY_ATTRIBUTE');
  });
});
