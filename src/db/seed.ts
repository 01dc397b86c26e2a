import crypto from 'node:crypto';
import { generateApiKey } from '../auth/apiKeys.js';
import { hashPassword } from '../auth/passwords.js';
import type { Database } from './client.js';

export interface DemoOrganization {
  id: string;
  name: string;
  kind: 'DSO' | 'MNO';
  country: string;
  apiKey: string;
  adminApiKey: string;
  /** Console sign-in (issue 13): one operator and one admin person per organisation. */
  users: DemoUser[];
}

export interface DemoUser {
  name: string;
  email: string;
  role: 'operator' | 'admin';
  password: string;
}

const DOMAINS: Record<string, string> = {
  'Nordgrid Distribution': 'nordgrid.example',
  'Alpenstrom Netz': 'alpenstrom.example',
  'Telco North': 'telconorth.example',
  'Mobilnet Alpha': 'mobilnet.example',
};

const DEMO: { name: string; kind: 'DSO' | 'MNO'; country: string }[] = [
  { name: 'Nordgrid Distribution', kind: 'DSO', country: 'DE' },
  { name: 'Alpenstrom Netz', kind: 'DSO', country: 'AT' },
  { name: 'Telco North', kind: 'MNO', country: 'DE' },
  { name: 'Mobilnet Alpha', kind: 'MNO', country: 'AT' },
];

/**
 * Demo data for an empty database: two DSOs, two MNOs, every DSO-MNO pair in an active
 * partnership, and per organisation one operator key, one admin key, one operator user and
 * one admin user (random passwords) for the console. Returns the
 * secrets (they exist nowhere else), or undefined if the database already has data.
 */
export async function seedDemo(db: Database, now: Date = new Date()): Promise<DemoOrganization[] | undefined> {
  return db.transaction(async (tx) => {
    await tx.$executeRawUnsafe('LOCK TABLE organization IN EXCLUSIVE MODE');
    if ((await tx.organization.count()) > 0) return undefined;
    const out: DemoOrganization[] = [];
    // Hashed before any row is written (argon2id, ~15 ms each).
    const people = await Promise.all(
      DEMO.flatMap((o) =>
        (['operator', 'admin'] as const).map(async (role) => {
          const password = crypto.randomBytes(12).toString('base64url');
          return { org: o.name, role, password, hash: await hashPassword(password) };
        }),
      ),
    );
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
      const users: DemoUser[] = [];
      for (const p of people.filter((x) => x.org === o.name)) {
        const user: DemoUser = {
          name: `${o.name} ${p.role}`,
          email: `${p.role}@${DOMAINS[o.name] ?? 'demo.example'}`,
          role: p.role,
          password: p.password,
        };
        await tx.user.create({
          data: {
            id: crypto.randomUUID(),
            organizationId: id,
            name: user.name,
            email: user.email,
            role: p.role,
            passwordHash: p.hash,
            createdAt: now,
            lastUpdate: now,
          },
        });
        users.push(user);
      }
      out.push({ id, ...o, apiKey: keys.operator, adminApiKey: keys.admin, users });
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
