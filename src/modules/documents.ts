import crypto from 'node:crypto';
import { unprocessable } from '../http/errors.js';

/** Small document helpers shared by the ticket, problem and incident services. */

export { canonicalJson } from '../http/canonical.js';
import { canonicalJson } from '../http/canonical.js';

/** A resource as stored: `href` is added on presentation (each member of a union on its own). */
export type WithoutHref<T> = T extends unknown ? Omit<T, 'href'> : never;

export interface Note {
  id?: string;
  author?: string;
  date?: string;
  text?: string;
  '@type'?: string;
  '@baseType'?: string;
  '@schemaLocation'?: string;
  partnerNoteId?: string;
  partnerAuthor?: string;
  partnerDate?: string;
}

/**
 * New notes get the server's `id`, `author` (the organisation) and `date` (receipt). A
 * client's own `id`, `author`, `date` (TMF allows them) are kept as the partner's values
 * in `partnerNoteId`, `partnerAuthor`, `partnerDate` (issue 11).
 */
export function stampNotes(notes: Note[], author: string, t: Date): Note[] {
  return notes.map((n) => {
    const { id, author: theirAuthor, date, '@baseType': _b, '@schemaLocation': _s, ...rest } = n;
    return {
      ...rest,
      id: crypto.randomUUID(),
      author,
      date: t.toISOString(),
      '@type': n['@type'] ?? 'Note',
      ...(id ? { partnerNoteId: id } : {}),
      ...(theirAuthor ? { partnerAuthor: theirAuthor } : {}),
      ...(date ? { partnerDate: new Date(date).toISOString() } : {}),
    };
  });
}

/** Notes are append-only: the existing ones unchanged, then the new ones. */
export function appendedNotes(before: Note[], after: Note[]): Note[] {
  const kept = after.slice(0, before.length);
  if (after.length < before.length || canonicalJson(kept) !== canonicalJson(before)) {
    throw unprocessable('note is append-only: send the existing notes unchanged, followed by the new ones', 'NOTES_APPEND_ONLY');
  }
  return after.slice(before.length);
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
