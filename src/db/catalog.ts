import type { Reader } from './client.js';

/**
 * Whether a table exists (a module whose table another module reads may not be installed:
 * outage notices are linked and exported only when their table is there).
 */
export async function tableExists(q: Reader, table: string): Promise<boolean> {
  const rows = await q.$queryRawUnsafe<{ ok: boolean }[]>(`SELECT to_regclass($1) IS NOT NULL AS ok`, table);
  return rows[0]?.ok === true;
}
