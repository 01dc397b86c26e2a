import { useState } from 'react';
import { MERGE_PATCH, must, network, page, type NetworkNotice } from '../api';
import { useLiveTick } from '../live';
import { useMe } from '../me';
import { OutageMap } from '../OutageMap';
import { Link, navigate, useLocation } from '../router';
import { Badge, Empty, ErrorBox, Pager, When, useLoad } from '../ui';

const LIMIT = 20;
const MOVES: Record<string, string[]> = {
  planned: ['active', 'cancelled'],
  active: ['resolved', 'cancelled'],
  resolved: ['closed', 'active'],
};

export function NetworkList() {
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const status = query.get('status') ?? 'planned,active';
  const tick = useLiveTick(['NetworkStatus']);
  const list = useLoad(
    () =>
      page<NetworkNotice>(
        network.GET('/networkStatusNotice', {
          params: { query: { offset, limit: LIMIT, sort: '-creationDate', ...(status ? { status } : {}) } as never },
        }),
      ),
    [offset, status, tick],
  );
  return (
    <section>
      <h1>Network status notices</h1>
      <form className="filters" aria-label="Filter notices" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => navigate(`/network?status=${encodeURIComponent(e.target.value)}`, true)}>
            <option value="planned,active">Current</option>
            <option value="">Any</option>
            {['planned', 'active', 'resolved', 'closed', 'cancelled'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorBox error={list.error} />
      {list.data && list.data.rows.length === 0 ? (
        <Empty>No network status notices. MNOs publish where their network is down or degraded.</Empty>
      ) : null}
      {list.data && list.data.rows.length ? (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Notice</th>
              <th scope="col">Impact</th>
              <th scope="col">Status</th>
              <th scope="col">Publisher</th>
              <th scope="col">Expected restoration</th>
            </tr>
          </thead>
          <tbody>
            {list.data.rows.map((n) => (
              <tr key={n.id}>
                <td>
                  <Link to={`/network/${n.id}`}>{n.name ?? n.cause ?? n.id.slice(0, 8)}</Link>
                </td>
                <td>
                  <Badge value={n.impact} kind="severity" />
                </td>
                <td>
                  <Badge value={n.status} />
                </td>
                <td>{n.publisher.name ?? n.publisher.id}</td>
                <td>
                  <When at={n.expectedRestorationTime} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.data ? (
        <Pager
          offset={offset}
          limit={LIMIT}
          total={list.data.total}
          onChange={(o) => navigate(`/network?status=${encodeURIComponent(status)}&offset=${o}`, true)}
        />
      ) : null}
    </section>
  );
}

export function NetworkPage({ id }: { id: string }) {
  const me = useMe();
  const tick = useLiveTick(['NetworkStatus'], (e) => {
    const r = Object.values(e.event ?? {})[0] as { id?: string; notice?: { id?: string } } | undefined;
    return r?.id === id || r?.notice?.id === id;
  });
  const n = useLoad(() => must(network.GET('/networkStatusNotice/{id}', { params: { path: { id } } })), [id, tick]);
  const impact = useLoad(() => must(network.GET('/networkStatusNotice/{id}/impact', { params: { path: { id } } })), [id, tick]);
  const [error, setError] = useState<unknown>();
  if (n.error && !n.data) return <ErrorBox error={n.error} />;
  if (!n.data) return <p className="loading">Loading…</p>;
  const x = n.data;
  const mine = x.publisher.id === me.organizationId && me.role !== 'viewer';
  const move = async (to: string) => {
    setError(undefined);
    try {
      await must(
        network.PATCH('/networkStatusNotice/{id}', { params: { path: { id } }, body: { status: to } as never, headers: MERGE_PATCH }),
      );
      n.reload();
    } catch (e) {
      setError(e);
    }
  };
  const area = (x.affectedArea as { geoArea?: { type: string; coordinates: unknown[]; radius?: number } }).geoArea;
  return (
    <section className="detail">
      <p>
        <Link to="/network">← Network status</Link>
      </p>
      <div className="titlebar">
        <h1>{x.name ?? 'Network status notice'}</h1>
        <Badge value={x.status} /> <Badge value={x.impact} kind="severity" />
      </div>
      <div className="cols map-cols">
        <div>
          <section className="panel">
            <h2>Notice</h2>
            <dl className="facts">
              <dt>Publisher</dt>
              <dd>{x.publisher.name ?? x.publisher.id}</dd>
              <dt>Kind</dt>
              <dd>{x.noticeKind}</dd>
              <dt>Cause</dt>
              <dd>{x.cause ?? '—'}</dd>
              <dt>Start</dt>
              <dd>
                <When at={x.startTime} />
              </dd>
              <dt>Expected restoration</dt>
              <dd>
                <When at={x.expectedRestorationTime} />
              </dd>
              <dt>Services</dt>
              <dd>
                {(x.services ?? [])
                  .map((s) => (s as { name?: string; technology?: string }).name ?? (s as { technology?: string }).technology)
                  .join(', ') || '—'}
              </dd>
            </dl>
            {x.description ? <p className="description">{x.description}</p> : null}
          </section>
          {mine && MOVES[x.status] ? (
            <section className="panel">
              <h2>Actions</h2>
              <div className="buttons">
                {MOVES[x.status]!.map((to) => (
                  <button key={to} type="button" onClick={() => void move(to)}>
                    Mark {to}
                  </button>
                ))}
              </div>
            </section>
          ) : null}
          <ErrorBox error={error} />
          <section className="panel">
            <h2>{me.organizationKind === 'DSO' ? 'Your affected sites' : 'DSO impact'}</h2>
            <ErrorBox error={impact.error} />
            {(impact.data?.sites ?? []).length === 0 && (impact.data?.summary ?? []).length === 0 ? (
              <Empty>No affected sites.</Empty>
            ) : null}
            <ul>
              {(impact.data?.sites ?? []).map((s) => (
                <li key={s.id}>
                  {s.siteId} {s.name ?? ''} — recommendation: <strong>{s.recommendation}</strong>
                </li>
              ))}
              {(impact.data?.summary ?? []).map((s) => (
                <li key={s.dso.id}>
                  {s.dso.name ?? s.dso.id}: {s.affectedSites} sites
                </li>
              ))}
            </ul>
          </section>
        </div>
        <OutageMap label="Affected area" maxZoom={9} areas={[{ id: x.id, label: x.name ?? 'Area', area }]} />
      </div>
    </section>
  );
}
