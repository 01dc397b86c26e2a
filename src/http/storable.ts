import { badRequest } from './errors.js';

/**
 * Strings PostgreSQL cannot store: `text` and `jsonb` refuse U+0000 (NUL), and `jsonb`
 * refuses an unpaired UTF-16 surrogate (`\ud800` alone), which node-postgres would
 * otherwise send as an escape that the server rejects. Either one reached the database
 * as a 500 (issue 12). They are refused once, in the request pipeline, as a TMF 400
 * naming the field; the offending value is never echoed (it could not be logged or
 * audited either).
 */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isStorable(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/** Removes what `isStorable` refuses (NUL, unpaired surrogates) — for logs and audit rows only. */
export function toStorable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const MAX_DEPTH = 64;

/** The path of the first string (value or property name) PostgreSQL cannot store, if any. */
export function findUnstorable(value: unknown, where: string, depth = 0): string | undefined {
  if (typeof value === 'string') return isStorable(value) ? undefined : where;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findUnstorable(value[i], `${where}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const name = isStorable(k) ? k : toStorable(k);
    if (name !== k) return `${where}.${name} (property name)`;
    const bad = findUnstorable(v, `${where}.${k}`, depth + 1);
    if (bad) return bad;
  }
  return undefined;
}

/** Refuses a request whose path parameters, query or body hold an unstorable string. */
export function refuseUnstorable(parts: { params?: unknown; query?: unknown; body?: unknown }): void {
  const checks: [unknown, string, string][] = [
    [parts.params, 'path', 'INVALID_PARAMETER'],
    [parts.query, 'query', 'INVALID_PARAMETER'],
    [parts.body, 'body', 'INVALID_BODY'],
  ];
  for (const [value, root, code] of checks) {
    const bad = findUnstorable(value, root);
    if (bad)
      throw badRequest(
        `${bad} contains a character that cannot be stored (U+0000 NUL or an unpaired UTF-16 surrogate); remove it and retry`,
        code,
      );
  }
}
