import crypto from 'node:crypto';
import { AppError } from './errors.js';

/**
 * Optimistic concurrency: a resource's ETag is a digest of its stored document (key
 * order normalised). A PATCH or DELETE with `If-Match` is checked inside the command's
 * transaction, after the row is locked, so a stale write is a 412 and never lands.
 */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

export function etagOf(doc: unknown): string {
  return `"${crypto
    .createHash('sha256')
    .update(JSON.stringify(canonical(doc)))
    .digest('base64url')
    .slice(0, 27)}"`;
}

export function checkIfMatch(ifMatch: string | undefined, current: unknown): void {
  if (!ifMatch) return;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags.includes('*')) return;
  const tag = etagOf(current);
  if (!tags.includes(tag)) {
    throw new AppError(
      412,
      'PRECONDITION_FAILED',
      'Precondition Failed',
      `The resource has changed since you read it (current ETag ${tag}); GET it again and retry`,
      { ETag: tag },
    );
  }
}
