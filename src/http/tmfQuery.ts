import { badRequest } from './errors.js';

/**
 * TMF630 query handling, written once for every resource: `fields`, `offset`/`limit`,
 * `sort`, and attribute filters (`a=v`, `a=v1,v2` for OR, `a.gt|gte|lt|lte|eq|ne=v`,
 * dot notation for nested attributes). Attribute names and value types are checked
 * against the resource's JSON schema, so an unknown attribute or a bad date is a 400.
 */
export type ValueType = 'string' | 'date' | 'number' | 'boolean';
export type Operator = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';

export interface Filter {
  path: string[];
  op: Operator;
  values: (string | number | boolean)[];
  type: ValueType;
}

export interface SortKey {
  attribute: string;
  descending: boolean;
}

export interface ListQuery {
  fields: string[] | undefined;
  offset: number;
  limit: number;
  sort: SortKey[];
  filters: Filter[];
}

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
}

export const RESERVED = new Set(['fields', 'offset', 'limit', 'sort', 'depth', 'expand', 'filter', 'before', 'after']);
const OPERATORS: ReadonlySet<string> = new Set<Operator>(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']);
const isOperator = (s: string | undefined): s is Operator => s !== undefined && OPERATORS.has(s);
const SEGMENT = /^[A-Za-z@][A-Za-z0-9_@]*$/;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

function one(query: Record<string, string | string[] | undefined>, key: string): string | undefined {
  // Own properties only: `?__proto__=a&__proto__=b` gives the query object an array as its
  // prototype, and `query.sort` would then be Array.prototype.sort (a 500 found by the fuzz test).
  const v = Object.prototype.hasOwnProperty.call(query, key) ? query[key] : undefined;
  if (Array.isArray(v)) {
    if (v.length > 1) throw badRequest(`Query parameter '${key}' may be given only once`, 'INVALID_PARAMETER');
    return typeof v[0] === 'string' ? v[0] : undefined;
  }
  return typeof v === 'string' ? v : undefined;
}

function int(raw: string | undefined, name: string, def: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw)) throw badRequest(`'${name}' must be a non-negative integer`, 'INVALID_PARAMETER');
  const n = Number(raw);
  if (n < min || n > max) throw badRequest(`'${name}' must be between ${min} and ${max}`, 'INVALID_PARAMETER');
  return n;
}

/** Resolves a dotted path in the schema, stepping through arrays. */
export function schemaAt(schema: JsonSchema, path: string[]): JsonSchema | undefined {
  let s: JsonSchema | undefined = schema;
  for (const seg of path) {
    while (s && (s.type === 'array' || s.items) && !s.properties) s = s.items;
    s = s?.properties?.[seg];
    if (!s) return undefined;
  }
  while (s && (s.type === 'array' || (s.items && !s.properties))) s = s.items;
  return s;
}

function valueTypeOf(s: JsonSchema): ValueType | undefined {
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  if (t === 'string') return s.format === 'date-time' || s.format === 'date' ? 'date' : 'string';
  if (t === 'number' || t === 'integer') return 'number';
  if (t === 'boolean') return 'boolean';
  if (!t && !s.properties) return 'string'; // untyped values (e.g. characteristic value): compare as text
  return undefined;
}

function coerce(raw: string, type: ValueType, attr: string): string | number | boolean {
  switch (type) {
    case 'date': {
      const d = new Date(raw);
      if (Number.isNaN(d.getTime())) throw badRequest(`Filter on '${attr}': '${raw}' is not a date-time`, 'INVALID_FILTER');
      return d.toISOString();
    }
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw badRequest(`Filter on '${attr}': '${raw}' is not a number`, 'INVALID_FILTER');
      return n;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw badRequest(`Filter on '${attr}': '${raw}' is not true or false`, 'INVALID_FILTER');
      return raw === 'true';
    default:
      return raw;
  }
}

export function parseListQuery(
  query: Record<string, string | string[] | undefined>,
  schema: JsonSchema,
  sortable: readonly string[],
  defaultSort: SortKey[],
): ListQuery {
  const known = schema.properties ?? {};
  const fieldsRaw = one(query, 'fields');
  let fields: string[] | undefined;
  if (fieldsRaw !== undefined && fieldsRaw !== '') {
    fields = fieldsRaw
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    for (const f of fields) {
      if (!(f in known)) throw badRequest(`fields: unknown attribute '${f}'`, 'INVALID_PARAMETER');
    }
  }
  const { offset, limit } = pageOf(query);

  const sortRaw = one(query, 'sort');
  let sort = defaultSort;
  if (sortRaw) {
    sort = sortRaw.split(',').map((s) => {
      const t = s.trim();
      const descending = t.startsWith('-');
      const attribute = t.replace(/^[-+]/, '');
      if (!sortable.includes(attribute)) {
        throw badRequest(`sort: '${attribute}' cannot be sorted on; sortable attributes: ${sortable.join(', ')}`, 'INVALID_PARAMETER');
      }
      return { attribute, descending };
    });
  }

  const filters: Filter[] = [];
  const filterExpr = one(query, 'filter');
  const entries: [string, string | string[] | undefined][] = [
    ...Object.entries(query),
    ...(filterExpr !== undefined ? jsonPathFilter(filterExpr) : []),
  ];
  for (const [rawKey, rawValue] of entries) {
    if (RESERVED.has(rawKey) || rawValue === undefined) continue;
    const [key, raw] = dottedOperator(rawKey, rawValue);
    const parts = key.split('.');
    let op: Operator = 'eq';
    const last = parts[parts.length - 1];
    if (parts.length > 1 && isOperator(last)) {
      op = last;
      parts.pop();
    }
    if (!parts.every((p) => SEGMENT.test(p))) throw badRequest(`Filter: '${key}' is not a valid attribute path`, 'INVALID_FILTER');
    const attrSchema = schemaAt(schema, parts);
    if (!attrSchema) throw badRequest(`Filter: unknown attribute '${parts.join('.')}'`, 'INVALID_FILTER');
    const type = valueTypeOf(attrSchema);
    if (!type) throw badRequest(`Filter: '${parts.join('.')}' is not a simple value; filter on one of its attributes`, 'INVALID_FILTER');
    if ((op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') && type !== 'date' && type !== 'number' && type !== 'string') {
      throw badRequest(`Filter: '${parts.join('.')}' cannot be compared with .${op}`, 'INVALID_FILTER');
    }
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      const values = op === 'eq' || op === 'ne' ? value.split(',') : [value];
      filters.push({ path: parts, op, type, values: values.map((v) => coerce(v, type, parts.join('.'))) });
    }
  }
  return { fields, offset, limit, sort, filters };
}

/**
 * TMF630's symbol form of the operators, rewritten to the dotted form (`attr.gte`), as a URL
 * parser splits it: `creationDate>=2026-01-01` arrives as key `creationDate>` with the value
 * (also `<=`, `!=`), and `creationDate>2026-01-01` as a key holding the whole condition with
 * an empty value (also `<`). Any other entry is returned as it came.
 */
function dottedOperator(key: string, raw: string | string[]): [string, string | string[]] {
  const symbol = key.slice(-1);
  if (key.length > 1 && (symbol === '>' || symbol === '<' || symbol === '!')) return [`${key.slice(0, -1)}${SYMBOL_OP[`${symbol}=`]}`, raw];
  const m = /^([^<>]+)([<>])(.+)$/s.exec(key);
  if (m && (raw === '' || (Array.isArray(raw) && raw.every((v) => v === '')))) return [`${m[1]}${SYMBOL_OP[m[2]!]}`, m[3]!];
  return [key, raw];
}

const FILTER_SYNTAX =
  "supported: a JSONPath filter [?(@.attr op value && ...)], optionally after a path (e.g. attachment[?(@.size==300)]), with op ==, !=, <, <=, >, >= and values 'text', numbers, true/false; or attribute filters attr=value, attr.gt=value or attr>value (TMF630)";

/** Comparison symbols (JSONPath filters and TMF630 attribute filters) -> the dotted operator suffix. */
const SYMBOL_OP: Record<string, string> = { '==': '', '!=': '.ne', '<': '.lt', '<=': '.lte', '>': '.gt', '>=': '.gte' };

/**
 * Issue 11: the TMF630 `filter` parameter (JSONPath style), the subset that maps onto the
 * attribute filters: `[?(@.a==1 && @.b.c!='x')]`, `$[?(...)]`, `attachment[?(@.size==300)]`
 * (resources with an attachment of size 300). Returns the equivalent `attr.op=value`
 * entries; anything else is a 400 naming the supported syntax.
 */
export function jsonPathFilter(expr: string): [string, string][] {
  const m = /^\s*(?:\$\.?)?([A-Za-z@][\w@]*(?:\.[A-Za-z@][\w@]*)*)?\s*\[\s*\?\s*\((.*)\)\s*\]\s*$/s.exec(expr);
  if (!m) throw badRequest(`filter: '${expr}' is not understood; ${FILTER_SYNTAX}`, 'INVALID_FILTER');
  const prefix = m[1] ? `${m[1]}.` : '';
  const out: [string, string][] = [];
  for (const part of m[2]!.split('&&')) {
    const c =
      /^\s*@\.?([A-Za-z@][\w@]*(?:\.[A-Za-z@][\w@]*)*)\s*(==|!=|<=|>=|<|>)\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false)\s*$/.exec(
        part,
      );
    if (!c) throw badRequest(`filter: '${part.trim()}' is not understood; ${FILTER_SYNTAX}`, 'INVALID_FILTER');
    const literal = c[3]!;
    const value = /^['"]/.test(literal) ? literal.slice(1, -1).replace(/\\(.)/g, '$1') : literal;
    if (c[2] === '==' && value.includes(',')) {
      throw badRequest(`filter: a value with a comma cannot be compared with ==; ${FILTER_SYNTAX}`, 'INVALID_FILTER');
    }
    out.push([`${prefix}${c[1]}${SYMBOL_OP[c[2]!]}`, value]);
  }
  return out;
}

const CURSOR_PREFIX = 'gl1:';

/** An opaque cursor for the item at `offset` of a list (issue 11, TMF630 before/after). */
export function encodeCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`).toString('base64url');
}

function decodeCursor(cursor: string, name: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const n = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000_000) {
    throw badRequest(
      `'${name}' must be a cursor from an X-Next-Cursor or X-Previous-Cursor header of a list response`,
      'INVALID_PARAMETER',
    );
  }
  return n;
}

/**
 * Issue 11: the page a list query asks for: `offset`/`limit`, or TMF630 cursor paging
 * with `after`/`before`, whose values are the opaque cursors of the X-Next-Cursor /
 * X-Previous-Cursor headers of a list response (see cursorHeaders).
 */
export function pageOf(query: Record<string, string | string[] | undefined>): { offset: number; limit: number } {
  let offset = int(one(query, 'offset'), 'offset', 0, 0, 1_000_000_000);
  const limit = int(one(query, 'limit'), 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT);
  const after = one(query, 'after');
  const before = one(query, 'before');
  if ((after !== undefined ? 1 : 0) + (before !== undefined ? 1 : 0) + (query.offset !== undefined ? 1 : 0) > 1) {
    throw badRequest("Give only one of 'offset', 'after' and 'before'", 'INVALID_PARAMETER');
  }
  if (after !== undefined) offset = decodeCursor(after, 'after');
  if (before !== undefined) offset = Math.max(0, decodeCursor(before, 'before') - limit);
  return { offset, limit };
}

/**
 * The cursor headers of a list page, added to every list response by the pipeline:
 * `X-Next-Cursor` when more items follow, `X-Previous-Cursor` when the page does not
 * start at the beginning.
 */
export function cursorHeaders(
  query: Record<string, string | string[] | undefined>,
  resultCount: number,
  total: number,
): Record<string, string> {
  const { offset } = pageOf(query);
  return {
    ...(offset + resultCount < total && resultCount > 0 ? { 'X-Next-Cursor': encodeCursor(offset + resultCount) } : {}),
    ...(offset > 0 ? { 'X-Previous-Cursor': encodeCursor(offset) } : {}),
  };
}

/** Keeps `id`, `href`, `@type` and the requested first-level attributes. */
export function selectFields<T extends Record<string, unknown>>(resource: T, fields: string[] | undefined): Partial<T> {
  if (!fields) return resource;
  const keep = new Set(['id', 'href', '@type', ...fields]);
  return Object.fromEntries(Object.entries(resource).filter(([k]) => keep.has(k))) as Partial<T>;
}

/** Values found at a dotted path, stepping through arrays (like JSONPath lax mode). */
function valuesAt(value: unknown, path: string[]): unknown[] {
  let current: unknown[] = [value];
  for (const seg of path) {
    const next: unknown[] = [];
    for (const v of current.flatMap((c) => (Array.isArray(c) ? c : [c]))) {
      if (v && typeof v === 'object' && seg in v) next.push((v as Record<string, unknown>)[seg]);
    }
    current = next;
  }
  return current.flatMap((c) => (Array.isArray(c) ? c : [c]));
}

function compare(a: unknown, f: Filter, b: string | number | boolean): boolean {
  let x: unknown = a;
  if (f.type === 'date' && typeof a === 'string') x = new Date(a).toISOString();
  switch (f.op) {
    case 'eq':
    case 'ne':
      return x === b;
    case 'gt':
      return (x as never) > (b as never);
    case 'gte':
      return (x as never) >= (b as never);
    case 'lt':
      return (x as never) < (b as never);
    case 'lte':
      return (x as never) <= (b as never);
  }
}

/** The same filter semantics as the SQL path, for in-memory data (party lists, hub queries). */
export function matchesFilters(resource: unknown, filters: Filter[]): boolean {
  return filters.every((f) => {
    const found = valuesAt(resource, f.path);
    const hit = found.some((v) => f.values.some((b) => compare(v, f, b)));
    return f.op === 'ne' ? !hit : hit;
  });
}

/** Filter, sort and page an in-memory list (small collections only). */
export function applyListQuery<T extends Record<string, unknown>>(items: T[], q: ListQuery): { page: T[]; total: number } {
  const filtered = items.filter((i) => matchesFilters(i, q.filters));
  const sorted = [...filtered].sort((a, b) => {
    for (const s of q.sort) {
      const x = a[s.attribute] as never;
      const y = b[s.attribute] as never;
      if (x === y) continue;
      if (x === undefined || x === null) return 1;
      if (y === undefined || y === null) return -1;
      return (x < y ? -1 : 1) * (s.descending ? -1 : 1);
    }
    return 0;
  });
  return { page: sorted.slice(q.offset, q.offset + q.limit), total: filtered.length };
}

/** The `200` list result with TMF630 count headers. */
export function listResult(items: unknown[], total: number): { status: number; body: unknown[]; headers: Record<string, string> } {
  return { status: 200, body: items, headers: { 'X-Total-Count': String(total), 'X-Result-Count': String(items.length) } };
}
