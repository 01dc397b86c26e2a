import crypto from 'node:crypto';
import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * Passwords of console users (issue 13): argon2id (RFC 9106) through @node-rs/argon2,
 * whose prebuilt binaries ship inside the npm package (no install script). Parameters are
 * OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): ~15 ms here. Only sign-in pays it;
 * every later request is authenticated by the session cookie's SHA-256 digest.
 */
const PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

/** A hash of a random string: unknown e-mail addresses cost the same verify as known ones. */
let decoy: Promise<string> | undefined;

export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    decoy ??= hashPassword(crypto.randomUUID());
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
