import crypto from 'node:crypto';
import type { Database } from '../db/client.js';
import type { HttpResult, OrganizationActor } from '../http/context.js';
import { AppError, badRequest, conflict, unprocessable } from '../http/errors.js';

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its response is
 * stored; a retry with the same key and the same request gets the stored response
 * (`Idempotent-Replayed: true`), never a duplicate; the same key with a different request
 * is a 422; while the first is still running, a 409. A placeholder older than a minute
 * (its process died) no longer blocks a retry. Records expire after
 * GRIDLINK_IDEMPOTENCY_HOURS (purged by the `security-retention` job).
 */
const KEY_RE = /^[\x21-\x7e]{1,255}$/;
const STALE_MS = 60_000;

export type Idempotency = ReturnType<typeof createIdempotency>;

export function createIdempotency(deps: { db: Database; now: () => Date }) {
  const { db, now } = deps;
  return {
    async run(
      actor: OrganizationActor,
      key: string,
      operationId: string,
      path: string,
      body: unknown,
      exec: () => Promise<HttpResult>,
    ): Promise<HttpResult> {
      if (!KEY_RE.test(key)) throw badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters', 'INVALID_IDEMPOTENCY_KEY');
      const hash = crypto
        .createHash('sha256')
        .update(`${operationId} ${path} ${JSON.stringify(body ?? null)}`)
        .digest('hex');
      const t = now();
      const claim = await db.pool.query(
        `INSERT INTO idempotency_record (organization_id, key, operation, request_hash, status, headers, created_at)
         VALUES ($1::uuid, $2, $3, $4, 0, '{}'::jsonb, $5)
         ON CONFLICT (organization_id, key) DO UPDATE SET created_at = EXCLUDED.created_at, request_hash = EXCLUDED.request_hash, operation = EXCLUDED.operation
           WHERE idempotency_record.status = 0 AND idempotency_record.created_at < $6
         RETURNING key`,
        [actor.organizationId, key, operationId, hash, t, new Date(t.getTime() - STALE_MS)],
      );
      if (claim.rowCount === 0) {
        const { rows } = await db.pool.query<{ request_hash: string; status: number; headers: Record<string, string>; body: unknown }>(
          'SELECT request_hash, status, headers, body FROM idempotency_record WHERE organization_id = $1::uuid AND key = $2',
          [actor.organizationId, key],
        );
        const prev = rows[0];
        if (!prev) throw conflict('The request with this Idempotency-Key is being processed; retry shortly', 'IDEMPOTENCY_IN_PROGRESS');
        if (prev.request_hash !== hash)
          throw unprocessable('This Idempotency-Key was already used for a different request', 'IDEMPOTENCY_KEY_REUSED');
        if (prev.status === 0)
          throw conflict('The request with this Idempotency-Key is being processed; retry shortly', 'IDEMPOTENCY_IN_PROGRESS');
        return { status: prev.status, body: prev.body ?? undefined, headers: { ...prev.headers, 'Idempotent-Replayed': 'true' } };
      }
      try {
        const result = await exec();
        await db.pool.query(
          'UPDATE idempotency_record SET status = $3, headers = $4::jsonb, body = $5::jsonb WHERE organization_id = $1::uuid AND key = $2',
          [
            actor.organizationId,
            key,
            result.status,
            JSON.stringify(result.headers ?? {}),
            result.body === undefined ? null : JSON.stringify(result.body),
          ],
        );
        return result;
      } catch (e) {
        // A refused request stores its error, so a retry gets the same answer; an
        // unexpected failure frees the key for a retry.
        if (e instanceof AppError && e.status < 500) {
          await db.pool.query(
            'UPDATE idempotency_record SET status = $3, headers = $4::jsonb, body = $5::jsonb WHERE organization_id = $1::uuid AND key = $2',
            [actor.organizationId, key, e.status, JSON.stringify(e.headers), JSON.stringify(e.toBody())],
          );
        } else {
          await db.pool.query('DELETE FROM idempotency_record WHERE organization_id = $1::uuid AND key = $2', [actor.organizationId, key]);
        }
        throw e;
      }
    },

    /** Retention (the `security-retention` job): records created before `before` are forgotten. */
    async purge(before: Date): Promise<number> {
      return (await db.pool.query('DELETE FROM idempotency_record WHERE created_at < $1', [before])).rowCount ?? 0;
    },
  };
}
