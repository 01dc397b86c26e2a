import crypto from 'node:crypto';
import { generateApiKey } from '../auth/apiKeys.js';
import type { Database } from './client.js';

export interface DemoOrganization {
  id: string;
  name: string;
  kind: 'DSO' | 'MNO';
  country: string;
  apiKey: string;
  adminApiKey: string;
}

const DEMO: { name: string; kind: 'DSO' | 'MNO'; country: string }[] = [
  { name: 'Nordgrid Distribution', kind: 'DSO', country: 'DE' },
  { name: 'Alpenstrom Netz', kind: 'DSO', country: 'AT' },
  { name: 'Telco North', kind: 'MNO', country: 'DE' },
  { name: 'Mobilnet Alpha', kind: 'MNO', country: 'AT' },
];

/**
 * Demo data for an empty database: two DSOs, two MNOs, every DSO-MNO pair in an active
 * partnership, and per organisation one operator key and one admin key. Returns the
 * secrets (they exist nowhere else), or undefined if the database already has data.
 */
export async function seedDemo(db: Database, now: Date = new Date()): Promise<DemoOrganization[] | undefined> {
  return db.transaction(async (tx) => {
    await tx.$executeRawUnsafe('LOCK TABLE organization IN EXCLUSIVE MODE');
    if ((await tx.organization.count()) > 0) return undefined;
    const out: DemoOrganization[] = [];
    for (const o of DEMO) {
      const id = crypto.randomUUID();
      await tx.organization.create({ data: { id, ...o, createdAt: now } });
      const keys: Record<'operator' | 'admin', string> = { operator: '', admin: '' };
      for (const role of ['operator', 'admin'] as const) {
        const k = generateApiKey();
        await tx.apiKey.create({
          data: {
            id: crypto.randomUUID(),
            organizationId: id,
            name: `demo ${role} key`,
            role,
            prefix: k.prefix,
            digest: k.digest,
            createdAt: now,
          },
        });
        keys[role] = k.key;
      }
      out.push({ id, ...o, apiKey: keys.operator, adminApiKey: keys.admin });
    }
    const dsos = out.filter((o) => o.kind === 'DSO');
    const mnos = out.filter((o) => o.kind === 'MNO');
    for (const d of dsos) {
      for (const m of mnos) {
        const ts = now.toISOString();
        await tx.partnership.create({
          data: {
            id: crypto.randomUUID(),
            dsoId: d.id,
            mnoId: m.id,
            proposedById: d.id,
            status: 'active',
            createdAt: now,
            lastUpdate: now,
            statusChangeHistory: [
              { status: 'proposed', statusChangeDate: ts, actor: { organizationId: d.id } },
              { status: 'active', statusChangeDate: ts, actor: { organizationId: m.id } },
            ],
          },
        });
      }
    }
    return out;
  });
}
