import crypto from 'node:crypto';
import { unprocessable } from '../../http/errors.js';

/** Small document helpers shared by the problem and incident services. */

/** JSON text with object keys sorted, so equal documents compare equal whatever their key order (JSONB does not keep it). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export interface Note {
  id?: string;
  author?: string;
  date?: string;
  text: string;
  '@type'?: string;
}

export function stampNotes(notes: Note[], author: string, t: Date): Note[] {
  return notes.map((n) => ({ ...n, id: crypto.randomUUID(), author, date: t.toISOString(), '@type': n['@type'] ?? 'Note' }));
}

/** Notes are append-only: the existing ones unchanged, then new ones without server fields. */
export function appendedNotes(before: Note[], after: Note[]): Note[] {
  const kept = after.slice(0, before.length);
  if (after.length < before.length || canonicalJson(kept) !== canonicalJson(before)) {
    throw unprocessable('note is append-only: send the existing notes unchanged, followed by the new ones', 'NOTES_APPEND_ONLY');
  }
  const added = after.slice(before.length);
  if (added.some((n) => n.id || n.author || n.date)) {
    throw unprocessable('new notes must not carry id, author or date; the server sets them', 'NOTE_SERVER_FIELDS');
  }
  return added;
}

export interface OrgRef {
  id: string;
  name?: string | undefined;
  '@referredType': 'Organization';
  '@type': 'PartyRef';
}

export function orgRef(id: string, name: string | undefined): OrgRef {
  return { id, ...(name ? { name } : {}), '@referredType': 'Organization', '@type': 'PartyRef' };
}
