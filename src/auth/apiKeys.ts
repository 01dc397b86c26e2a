import crypto from 'node:crypto';

/**
 * API keys are 256-bit random secrets: `glk_<prefix>_<secret>`. The prefix (public,
 * unique) finds the row; the SHA-256 digest of the whole key is stored and compared in
 * constant time. A slow password hash would add ~100 ms of CPU to every request and buys
 * nothing for a secret with 256 bits of entropy.
 */
export interface GeneratedKey {
  key: string;
  prefix: string;
  digest: Uint8Array<ArrayBuffer>;
}

const KEY_RE = /^glk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function generateApiKey(): GeneratedKey {
  const prefix = crypto.randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const secret = crypto.randomBytes(32).toString('base64url');
  const key = `glk_${prefix}_${secret}`;
  return { key, prefix, digest: digestOf(key) };
}

export function digestOf(secret: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(crypto.createHash('sha256').update(secret, 'utf8').digest());
}

export function parseApiKey(key: string): { prefix: string } | undefined {
  const m = KEY_RE.exec(key);
  return m ? { prefix: m[1]! } : undefined;
}

export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
