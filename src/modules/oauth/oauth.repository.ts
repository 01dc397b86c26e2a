import type { JWK } from 'jose';
import type { Reader, SqlTx } from '../../db/client.js';
import type { Role } from '../../http/context.js';

/**
 * OAuth's data access (issue 15, one data-access style): signing keys and the API keys behind
 * client credentials, raw SQL on node-postgres (the token endpoint and every bearer request
 * are hot). Reads take a `Reader` (`db.reader` outside a transaction), writes a transaction.
 */

export const currentSigningKey = async (q: Reader) =>
  (
    await q.$queryRawUnsafe<{ kid: string; private_jwk: JWK }[]>(
      'SELECT kid, private_jwk FROM signing_key WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1',
    )
  )[0];

/** Retires every current key and stores the new one (call inside a transaction). */
export const replaceSigningKey = async (q: SqlTx, key: { kid: string; alg: string; privateJwk: JWK; publicJwk: JWK; at: Date }) => {
  await q.$executeRawUnsafe('UPDATE signing_key SET retired_at = $1 WHERE retired_at IS NULL', key.at);
  await q.$executeRawUnsafe(
    'INSERT INTO signing_key (kid, alg, private_jwk, public_jwk, created_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)',
    key.kid,
    key.alg,
    JSON.stringify(key.privateJwk),
    JSON.stringify(key.publicJwk),
    key.at,
  );
};

/** Public keys that may verify: current ones and those retired after `retiredAfter`, newest first. */
export const verificationKeys = (q: Reader, retiredAfter: Date) =>
  q.$queryRawUnsafe<{ kid: string; public_jwk: JWK }[]>(
    'SELECT kid, public_jwk FROM signing_key WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at DESC',
    retiredAfter,
  );

/** The API key with this prefix (client credentials). */
export const apiKeyByPrefix = async (q: Reader, prefix: string) =>
  (
    await q.$queryRawUnsafe<{ id: string; organization_id: string; role: Role; digest: Buffer; revoked_at: Date | null }[]>(
      'SELECT id::text, organization_id::text, role, digest, revoked_at FROM api_key WHERE prefix = $1',
      prefix,
    )
  )[0];

/** The API key a token was issued to, with its organisation's kind. */
export const tokenSubject = async (q: Reader, keyId: string) =>
  (
    await q.$queryRawUnsafe<{ organization_id: string; role: Role; revoked_at: Date | null; kind: 'DSO' | 'MNO' }[]>(
      'SELECT k.organization_id::text, k.role, k.revoked_at, o.kind FROM api_key k JOIN organization o ON o.id = k.organization_id WHERE k.id::text = $1',
      keyId,
    )
  )[0];
