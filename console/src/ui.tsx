import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError, party } from './api';

/** A TMF error body shown as the API gave it: message first, then code and status. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiError)
    return (
      <div className="error" role="alert">
        <strong>{error.body.reason ?? 'Refused'}</strong>: {error.body.message ?? error.message}
        <span className="muted">
          {' '}
          ({error.body.code ?? 'ERROR'}, HTTP {error.status})
        </span>
      </div>
    );
  return (
    <div className="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Badge({ value, kind }: { value: string | undefined; kind?: string }) {
  if (!value) return null;
  return <span className={`badge badge-${kind ?? 'status'} v-${value}`}>{value}</span>;
}

export function When({ at }: { at: string | undefined | null }) {
  if (!at) return <span className="muted">—</span>;
  const d = new Date(at);
  return (
    <time dateTime={at} title={d.toISOString()}>
      {d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}
    </time>
  );
}

/** Loads data with `load` whenever `deps` change; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [n, setN] = useState(0);
  const reload = useCallback(() => setN((x) => x + 1), []);
  useEffect(() => {
    let alive = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => alive && setState({ data, loading: false }),
      (error: unknown) => alive && setState((s) => ({ ...s, error, loading: false })),
    );
    return () => {
      alive = false;
    };
    // The caller lists what the load depends on.
  }, [...deps, n]);
  return { ...state, reload };
}

export function Pager({ offset, limit, total, onChange }: { offset: number; limit: number; total: number; onChange: (o: number) => void }) {
  if (total <= limit && offset === 0) return <p className="muted pager">{total} in total</p>;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        ← Previous
      </button>
      <span>
        {total === 0 ? 0 : offset + 1}–{Math.min(offset + limit, total)} of {total}
      </span>
      <button type="button" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>
        Next →
      </button>
    </nav>
  );
}

export function Field({ label, children, hint, id }: { label: string; children: ReactNode; hint?: string; id: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

/** Organisation names by id (the caller's own and its partners', from the Party API). */
export function useOrgNames(): (id: string | undefined, fallback?: string) => string {
  const orgs = useLoad(async () => {
    const r = await party.GET('/organization', {});
    return new Map((r.data ?? []).map((o) => [o.id, o.name]));
  }, []);
  return (id, fallback) => (id ? (orgs.data?.get(id) ?? fallback ?? id) : (fallback ?? '—'));
}
