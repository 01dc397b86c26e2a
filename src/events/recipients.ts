import type pg from 'pg';
import type { RelayedEvent } from './types.js';

/**
 * Who may receive each event now (GW-9 consent): the originator itself, and audience
 * organisations in an active partnership with the originator. Partnership changes and
 * platform notices reach their audience regardless, so a suspension is itself delivered.
 */
const ALWAYS_DELIVERED = new Set(['partnership', 'notification']);

export async function recipientsOf(events: RelayedEvent[], client: pg.PoolClient): Promise<Map<number, string[]>> {
  const pairs = new Set<string>();
  for (const e of events) {
    if (!e.originatorOrgId || ALWAYS_DELIVERED.has(e.resourceType)) continue;
    for (const a of e.audience) if (a !== e.originatorOrgId) pairs.add(`${e.originatorOrgId}|${a}`);
  }
  const active = new Set<string>();
  if (pairs.size) {
    const orgs = [...new Set([...pairs].flatMap((p) => p.split('|')))];
    const { rows } = await client.query<{ dso_id: string; mno_id: string }>(
      `SELECT dso_id, mno_id FROM partnership WHERE status = 'active' AND dso_id = ANY($1::uuid[]) AND mno_id = ANY($1::uuid[])`,
      [orgs],
    );
    for (const r of rows) {
      active.add(`${r.dso_id}|${r.mno_id}`);
      active.add(`${r.mno_id}|${r.dso_id}`);
    }
  }
  const out = new Map<number, string[]>();
  for (const e of events) {
    if (!e.originatorOrgId || ALWAYS_DELIVERED.has(e.resourceType)) out.set(e.sequence, e.audience);
    else
      out.set(
        e.sequence,
        e.audience.filter((a) => a === e.originatorOrgId || active.has(`${e.originatorOrgId}|${a}`)),
      );
  }
  return out;
}
