import crypto from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { AppError } from './errors.js';

/**
 * Optimistic concurrency: a resource's ETag is a digest of its stored document (key
 * order normalised). A PATCH or DELETE with `If-Match` is checked inside the command's
 * transaction, after the row is locked, so a stale write is a 412 and never lands.
 */

export function etagOf(doc: unknown): string {
  return `"${crypto.createHash('sha256').update(canonicalJson(doc)).digest('base64url').slice(0, 27)}"`;
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
