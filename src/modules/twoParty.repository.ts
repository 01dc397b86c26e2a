import type { Reader, SqlTx } from '../db/client.js';
import type { JsonObject } from '../http/patch.js';
import type { ResourceEntry } from './registry.js';

/**
 * The two-party records' data access (issue 15, one data-access style): trouble tickets,
 * service problems and incidents are alike — a JSONB `doc`, the two organisation columns of
 * the registry entry's tenancy (reporter first, responsible second) and the promoted
 * columns the registry declares — so one repository, built from the registry entry, holds
 * their SQL. Everything runs on node-postgres (the ticket paths are hot, see
 * docs/notes/performance.md) in the transaction each function is given.
 */

/** A promoted column's value from the document: dates as `Date` (or null), the rest as stored. */
const dateOrNull = (v: unknown) => (typeof v === 'string' && v !== '' ? new Date(v) : null);

export interface RecordRow {
  reporterId: string;
  /** Undefined while the reporter has not named a responsible partner (issue 11). */
  responsibleId: string | undefined;
  t: Date;
}

/** A task row (TMF656 / TMF724 task resources): the task's document between the record's two organisations. */
export interface TaskRow {
  id: string;
  taskType: string;
  reporterId: string;
  responsibleId: string | undefined;
  t: Date;
  doc: object;
  /** Further columns of the task table (e.g. `incident_id`). */
  columns?: Record<string, string>;
}

export function createRecordRepository<D extends JsonObject & { id: string }>(
  entry: ResourceEntry<D>,
  opts: {
    /** The attribute whose column records the record's last change (`lastUpdate`, `updateTime`). */
    updated: string;
    /** The attribute whose column holds the record's state (`status`, `state`). */
    state: string;
  },
) {
  const { table, tenancy, columns } = entry.store.def;
  const [reporterCol, responsibleCol] = tenancy;
  const promoted = Object.entries(columns).map(([attribute, c]) => ({ attribute, column: c.column, date: c.type === 'date' }));
  /** `creation_date` is written once, on insert. */
  const changeable = promoted.filter((c) => c.attribute !== 'creationDate');
  const cast = (c: { date: boolean }) => (c.date ? '::timestamptz' : '');
  const values = (cols: typeof promoted, doc: D) => {
    const d: JsonObject = doc;
    return cols.map((c) => (c.date ? dateOrNull(d[c.attribute]) : (d[c.attribute] ?? null)));
  };
  const col = (attribute: string) => {
    const c = columns[attribute];
    if (!c) throw new Error(`${table} has no promoted column for ${attribute}`);
    return c.column;
  };
  const stateCol = col(opts.state);
  const updatedCol = col(opts.updated);

  const INSERT = `INSERT INTO ${table} (id, ${reporterCol}, ${responsibleCol}, ${promoted.map((c) => c.column).join(', ')}, doc)
    VALUES ($1::uuid, $2::uuid, $3::uuid, ${promoted.map((c, i) => `$${i + 4}${cast(c)}`).join(', ')}, $${promoted.length + 4}::jsonb)`;
  const update = (extra: string[]) =>
    `UPDATE ${table} SET ${changeable.map((c, i) => `${c.column} = $${i + 2}${cast(c)}`).join(', ')},
      ${extra.map((e, i) => `${e} = $${changeable.length + 3 + i}::timestamptz, `).join('')}doc = $${changeable.length + 2}::jsonb, version = version + 1
      WHERE id = $1::uuid`;
  const UPDATE = update([]);

  return {
    /** Inserts a new record with its promoted columns (version 1). */
    async insert(tx: SqlTx, doc: D, row: RecordRow): Promise<void> {
      await tx.$executeRawUnsafe(INSERT, doc.id, row.reporterId, row.responsibleId ?? null, ...values(promoted, doc), JSON.stringify(doc));
    },

    /**
     * Writes the changed document and its promoted columns (version + 1); `stamps` sets further
     * timestamp columns (an incident's `cleared_at`).
     */
    async save(tx: SqlTx, doc: D, stamps?: Record<string, Date>): Promise<void> {
      const extra = Object.keys(stamps ?? {});
      await tx.$executeRawUnsafe(
        extra.length ? update(extra) : UPDATE,
        doc.id,
        ...values(changeable, doc),
        JSON.stringify(doc),
        ...extra.map((k) => stamps![k]),
      );
    },

    async remove(tx: SqlTx, id: string): Promise<void> {
      await tx.$executeRawUnsafe(`DELETE FROM ${table} WHERE id = $1::uuid`, id);
    },

    /** Issue 11, the hand-over: the responsible organisation's column of the reporter's own record. */
    async setResponsible(tx: SqlTx, id: string, responsibleId: string): Promise<void> {
      await tx.$executeRawUnsafe(`UPDATE ${table} SET ${responsibleCol} = $2::uuid WHERE id = $1::uuid`, id, responsibleId);
    },

    /** Appends SLA breaches to the document's `slaViolation` (version + 1); the updated document, if the record exists. */
    async appendSlaViolations(tx: SqlTx, id: string, violations: unknown[]): Promise<D | undefined> {
      const rows = await tx.$queryRawUnsafe<{ doc: D }[]>(
        `UPDATE ${table}
            SET doc = jsonb_set(doc, '{slaViolation}', COALESCE(doc->'slaViolation', '[]'::jsonb) || $2::jsonb), version = version + 1
          WHERE id = $1::uuid RETURNING doc`,
        id,
        JSON.stringify(violations),
      );
      return rows[0]?.doc;
    },

    /**
     * Locks a record still in `state` and, with `unchangedSince`, unchanged since then; a record
     * another transaction holds is skipped (undefined), as is one that moved on.
     */
    async lockIfStill(tx: SqlTx, id: string, state: string, unchangedSince: Date | undefined): Promise<D | undefined> {
      const rows = await tx.$queryRawUnsafe<{ doc: D }[]>(
        `SELECT doc FROM ${table} WHERE id = $1::uuid AND ${stateCol} = $2 AND ($3::timestamptz IS NULL OR ${updatedCol} <= $3)
            FOR UPDATE SKIP LOCKED`,
        id,
        state,
        unchangedSince ?? null,
      );
      return rows[0]?.doc;
    },

    /** A record's document by id, whoever may see it (for walks the caller has already scoped, e.g. a problem's parents). */
    async docById(q: Reader, id: string): Promise<D | undefined> {
      const rows = await q.$queryRawUnsafe<{ doc: D }[]>(`SELECT doc FROM ${table} WHERE id = $1::uuid`, id);
      return rows[0]?.doc;
    },
  };
}

export type RecordRepository<D extends JsonObject & { id: string }> = ReturnType<typeof createRecordRepository<D>>;

/** Inserts a task row into a task table of the registry (its tenancy: the record's two organisations). */
export async function insertTask<D>(tx: SqlTx, entry: ResourceEntry<D>, task: TaskRow): Promise<void> {
  const { table, tenancy } = entry.store.def;
  const extra = Object.entries(task.columns ?? {});
  await tx.$executeRawUnsafe(
    `INSERT INTO ${table} (id, task_type, ${tenancy[0]}, ${tenancy[1]}, creation_date, ${extra.map(([c]) => `${c}, `).join('')}doc)
      VALUES ($1::uuid, $2, $3::uuid, $4::uuid, $5::timestamptz, ${extra.map((_, i) => `$${i + 6}::uuid, `).join('')}$${extra.length + 6}::jsonb)`,
    task.id,
    task.taskType,
    task.reporterId,
    task.responsibleId ?? null,
    task.t,
    ...extra.map(([, v]) => v),
    JSON.stringify(task.doc),
  );
}
