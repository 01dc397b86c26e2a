import { useState } from 'react';
import { ApiError, apiKeyInUse, audit, page, type AuditRecord, type TmfError } from '../api';
import { navigate, useLocation } from '../router';
import { Badge, Empty, ErrorBox, Pager, When, useLoad } from '../ui';

const LIMIT = 50;

function filters(q: URLSearchParams): Record<string, string> {
  const f: Record<string, string> = {};
  if (q.get('outcome')) f.outcome = q.get('outcome')!;
  if (q.get('method')) f.method = q.get('method')!;
  if (q.get('resourceType')) f.resourceType = q.get('resourceType')!;
  if (q.get('from')) f['time.gte'] = new Date(q.get('from')!).toISOString();
  if (q.get('to')) f['time.lt'] = new Date(q.get('to')!).toISOString();
  return f;
}

export function Audit() {
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const f = filters(query);
  const key = JSON.stringify(f);
  const list = useLoad(
    () =>
      page<AuditRecord>(audit.GET('/auditRecord', { params: { query: { offset, limit: LIMIT, sort: '-time', ...f } as never } }) as never),
    [offset, key],
  );
  const [error, setError] = useState<unknown>();
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(query);
    next.delete('offset');
    if (v) next.set(k, v);
    else next.delete(k);
    navigate(`/audit?${next}`, true);
  };
  const exportNdjson = async () => {
    setError(undefined);
    const qs = new URLSearchParams({ sort: '-time', ...f });
    const key = apiKeyInUse();
    const r = await fetch(`/tmf-api/audit/v1/auditRecord?${qs}`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/x-ndjson', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
    });
    if (!r.ok) return setError(new ApiError(r.status, (await r.json().catch(() => ({}))) as TmfError));
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `gridlink-audit-${new Date().toISOString().slice(0, 19)}.ndjson`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <section>
      <div className="titlebar">
        <h1>Audit trail</h1>
        <button type="button" onClick={() => void exportNdjson()}>
          Export (NDJSON)
        </button>
      </div>
      <form className="filters" aria-label="Filter audit records" onSubmit={(e) => e.preventDefault()}>
        <label>
          Outcome
          <select value={query.get('outcome') ?? ''} onChange={(e) => set('outcome', e.target.value)}>
            <option value="">Any</option>
            <option>success</option>
            <option>refused</option>
            <option>error</option>
          </select>
        </label>
        <label>
          Method
          <select value={query.get('method') ?? ''} onChange={(e) => set('method', e.target.value)}>
            <option value="">Any</option>
            <option>GET</option>
            <option>POST</option>
            <option>PATCH</option>
            <option>DELETE</option>
          </select>
        </label>
        <label>
          Resource type
          <input value={query.get('resourceType') ?? ''} onChange={(e) => set('resourceType', e.target.value)} />
        </label>
        <label>
          From
          <input type="datetime-local" value={query.get('from') ?? ''} onChange={(e) => set('from', e.target.value)} />
        </label>
        <label>
          To
          <input type="datetime-local" value={query.get('to') ?? ''} onChange={(e) => set('to', e.target.value)} />
        </label>
      </form>
      <ErrorBox error={list.error ?? error} />
      {list.data && list.data.rows.length === 0 ? <Empty>No audit records match.</Empty> : null}
      {list.data?.rows.length ? (
        <div className="tablewrap">
          <table className="list dense">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Who</th>
                <th scope="col">Request</th>
                <th scope="col">Operation</th>
                <th scope="col">Status</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {list.data.rows.map((r) => (
                <tr key={r.id}>
                  <td>
                    <When at={r.time} />
                  </td>
                  <td className="small">
                    {(r as AuditRecord & { userName?: string; userEmail?: string }).userName ??
                      (r as AuditRecord & { userEmail?: string }).userEmail ??
                      r.credentialKind ??
                      '—'}
                  </td>
                  <td className="mono small">
                    {r.method} {r.path}
                  </td>
                  <td>{r.operation ?? '—'}</td>
                  <td>{r.status}</td>
                  <td>
                    <Badge value={r.outcome} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {list.data ? <Pager offset={offset} limit={LIMIT} total={list.data.total} onChange={(o) => set('offset', String(o))} /> : null}
    </section>
  );
}
