import type { Reader } from './client.js';
import type { OrganizationActor } from '../http/context.js';
import type { Filter, ListQuery, ValueType } from '../http/tmfQuery.js';

/**
 * Generic, tenant-scoped access to a TMF resource table (a JSONB `doc` plus promoted
 * columns). This is the only way modules read resources: every query carries the
 * tenancy clause, so a handler cannot forget it. Another organisation's resource is
 * simply not found.
 */
export interface ColumnDef {
  column: string;
  type: ValueType;
  /**
   * NOT NULL in the table: sorting then omits `NULLS LAST`, so a descending sort can walk
   * a plain b-tree index backwards instead of sorting every matching row.
   */
  notNull?: boolean;
}

export interface ResourceTableDef {
  table: string;
  /** Promoted TMF attributes: used directly (and indexed) for filters and sorting. */
  columns: Record<string, ColumnDef>;
  /**
   * Organisation-id columns; a row is visible to an organisation named in any of them.
   * A name ending in `[]` is a uuid[] column (e.g. a notice's audience).
   */
  tenancy: readonly string[];
  /**
   * No organisation appears in two tenancy columns of one row (a ticket's reporter is never
   * its responsible party): lists then skip the de-duplicating condition between branches,
   * and counts stay index-only.
   */
  disjointTenancy?: boolean;
  /** Whether the table has a `version` column (optimistic concurrency). */
  versioned?: boolean;
  /** SQL producing the TMF document (default: the `doc` column). */
  docSql?: string;
  /** Identifier format and cast (default: uuid). */
  id?: { pattern: RegExp; cast: string };
}

/** A stored document as the table holds it; `D` is the module's stored-document type. */
export type StoredDoc = Record<string, unknown>;

export interface StoredRow<D = StoredDoc> {
  id: string;
  /** Row version where the table has one (else 0). */
  version: number;
  doc: D;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (id: string) => UUID.test(id);

class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

const SQL_OP = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
const JSONPATH_OP = { eq: '==', ne: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
const CAST: Record<ValueType, string> = { string: 'text', date: 'timestamptz', number: 'numeric', boolean: 'boolean' };

function columnFilter(col: ColumnDef, f: Filter, p: Params): string {
  const cast = CAST[col.type];
  if (f.op === 'eq')
    return f.values.length === 1 ? `${col.column} = ${p.add(f.values[0])}::${cast}` : `${col.column} = ANY(${p.add(f.values)}::${cast}[])`;
  if (f.op === 'ne') return `(${col.column} IS NULL OR ${col.column} <> ALL(${p.add(f.values)}::${cast}[]))`;
  return `${col.column} ${SQL_OP[f.op]} ${p.add(f.values[0])}::${cast}`;
}

/** A JSONPath over the document; lax mode steps through arrays, so `relatedParty.role` works. */
function docFilter(f: Filter, p: Params, doc: string): string {
  const path = '$' + f.path.map((s) => `.${JSON.stringify(s)}`).join('');
  if (f.op === 'ne') {
    const any = f.values.map((v) => `@ == ${JSON.stringify(v)}`).join(' || ');
    return `NOT (${doc} @? ${p.add(`${path} ? (${any})`)}::jsonpath)`;
  }
  const cond = f.values.map((v) => `@ ${JSONPATH_OP[f.op]} ${JSON.stringify(v)}`).join(' || ');
  return `${doc} @? ${p.add(`${path} ? (${cond})`)}::jsonpath`;
}

export interface ResourceStore<D = StoredDoc> {
  readonly def: ResourceTableDef;
  /** `extra` adds module-specific conditions (e.g. geometry) with their parameters. */
  list(
    tx: Reader,
    actor: OrganizationActor,
    q: ListQuery,
    extra?: (params: unknown[]) => string,
  ): Promise<{ rows: StoredRow<D>[]; total: number }>;
  /**
   * The tenancy condition on its own, for readers that write their own SQL over this table
   * (links, exports): rows visible to the organisation whose id is the parameter `orgParam`.
   */
  visibleTo(orgParam: string): string;
  /** Finds a visible row; `forUpdate` locks it for the rest of the transaction. */
  find(tx: Reader, actor: OrganizationActor, id: string, opts?: { forUpdate?: boolean }): Promise<StoredRow<D> | undefined>;
}

export function createResourceStore<D = StoredDoc>(def: ResourceTableDef): ResourceStore<D> {
  const versionCol = def.versioned === false ? '0 AS version' : 'version';
  const docSql = def.docSql ?? 'doc';
  const idSpec = def.id ?? { pattern: UUID, cast: 'uuid' };
  const scopeSql = (org: string) =>
    `(${def.tenancy.map((c) => (c.endsWith('[]') ? `${org}::uuid = ANY(${c.slice(0, -2)})` : `${c} = ${org}::uuid`)).join(' OR ')})`;
  const scope = (actor: OrganizationActor, p: Params) => (def.tenancy.length === 0 ? 'true' : scopeSql(p.add(actor.organizationId)));
  /** One condition per organisation column; each excludes the rows of the ones before it. */
  const tenancyBranches = (org: string): string[] => {
    if (def.tenancy.length === 0) return [];
    if (def.tenancy.some((c) => c.endsWith('[]'))) return [scopeSql(org)];
    return def.tenancy.map((c, i) =>
      [
        `${c} = ${org}::uuid`,
        ...(def.disjointTenancy ? [] : def.tenancy.slice(0, i).map((prev) => `${prev} IS DISTINCT FROM ${org}::uuid`)),
      ].join(' AND '),
    );
  };
  return {
    def,
    visibleTo: (orgParam) => (def.tenancy.length === 0 ? 'true' : scopeSql(orgParam)),
    async list(tx, actor, q, extra) {
      const p = new Params();
      const org = def.tenancy.length ? p.add(actor.organizationId) : '';
      const conditions: string[] = [];
      if (extra) conditions.push(extra(p.values));
      for (const f of q.filters) {
        const col = f.path.length === 1 ? def.columns[f.path[0]!] : undefined;
        conditions.push(col ? columnFilter(col, f, p) : docFilter(f, p, docSql));
      }
      const sortCols = q.sort.map((s) => ({ col: def.columns[s.attribute]!, desc: s.descending }));
      // ORDER BY over the sort columns under the given names (columns, or a union's aliases).
      const orderBy = (names: string[]) =>
        sortCols
          .map((s, i) => `${names[i]} ${s.desc ? 'DESC' : 'ASC'}${s.col.notNull ? '' : ' NULLS LAST'}`)
          .concat('id ASC')
          .join(', ');
      const sortColumns = sortCols.map((s) => s.col.column);
      const countParams = [...p.values];
      const limit = p.add(q.limit);
      const offset = p.add(q.offset);
      const branches = tenancyBranches(org);
      let pageSql: string;
      let countSql: string;
      if (branches.length <= 1) {
        const whereSql = [...branches, ...conditions].join(' AND ') || 'true';
        pageSql = `SELECT id::text AS id, ${versionCol}, ${docSql} AS doc FROM ${def.table} WHERE ${whereSql} ORDER BY ${orderBy(sortColumns)} LIMIT ${limit} OFFSET ${offset}`;
        countSql = `SELECT count(*) AS n FROM ${def.table} WHERE ${whereSql}`;
      } else {
        // Visible through one of several organisation columns: one branch per column (a
        // row appears in the first branch that matches), each ordered and cut at
        // offset + limit so it can walk its own index; the union is merged and cut again.
        // The OR form had to fetch and sort every matching row (docs/notes/performance.md).
        const aliases = sortCols.map((_, i) => `s${i}`);
        const select = [`id`, versionCol, `${docSql} AS doc`, ...sortColumns.map((c, i) => `${c} AS ${aliases[i]}`)].join(', ');
        const branchSql = branches.map(
          (b) =>
            `(SELECT ${select} FROM ${def.table} WHERE ${[b, ...conditions].join(' AND ')} ORDER BY ${orderBy(sortColumns)} LIMIT ${limit}::bigint + ${offset}::bigint)`,
        );
        pageSql = `SELECT id::text AS id, version, doc FROM (${branchSql.join(' UNION ALL ')}) AS visible
          ORDER BY ${orderBy(aliases)} LIMIT ${limit} OFFSET ${offset}`;
        countSql = `SELECT ${branches.map((b) => `(SELECT count(*) FROM ${def.table} WHERE ${[b, ...conditions].join(' AND ')})`).join(' + ')} AS n`;
      }
      const [rows, count] = await Promise.all([
        tx.$queryRawUnsafe<StoredRow<D>[]>(pageSql, ...p.values),
        tx.$queryRawUnsafe<{ n: bigint | string | number }[]>(countSql, ...countParams),
      ]);
      return { rows, total: Number(count[0]?.n ?? 0) };
    },
    async find(tx, actor, id, opts) {
      if (!idSpec.pattern.test(id)) return undefined;
      const p = new Params();
      const idParam = p.add(id);
      const rows = await tx.$queryRawUnsafe<StoredRow<D>[]>(
        `SELECT id::text AS id, ${versionCol}, ${docSql} AS doc FROM ${def.table} WHERE id = ${idParam}::${idSpec.cast} AND ${scope(actor, p)}${opts?.forUpdate ? ' FOR UPDATE' : ''}`,
        ...p.values,
      );
      return rows[0];
    },
  };
}
