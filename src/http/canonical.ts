/**
 * JSON text with object keys sorted at every level, so equal documents compare (and hash)
 * equal whatever their key order (JSONB does not keep it). The one canonical form: patch
 * comparisons, lenient merge patches, ETags and note checks all use it.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
