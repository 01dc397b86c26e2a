import { useState } from 'react';
import { MERGE_PATCH, must, page, problems, type Problem } from '../api';
import { useLiveTick } from '../live';
import { useMe } from '../me';
import { Link, navigate, useLocation } from '../router';
import { Badge, Empty, ErrorBox, Pager, When, useLoad } from '../ui';

const LIMIT = 20;
/** TMF656 lifecycle as Gridlink profiles it (openapi/serviceProblem.yaml); `*` moves need a reason. */
const MOVES: Record<string, { responsible: string[]; originator: string[] }> = {
  submitted: { responsible: ['acknowledged', 'rejected*'], originator: ['cancelled'] },
  acknowledged: { responsible: ['submitted', 'inProgress', 'resolved', 'pending*', 'held*', 'rejected*'], originator: ['cancelled'] },
  inProgress: { responsible: ['resolved', 'pending*', 'held*'], originator: ['cancelled'] },
  pending: { responsible: ['inProgress', 'resolved'], originator: ['inProgress', 'cancelled'] },
  held: { responsible: ['inProgress', 'resolved'], originator: ['cancelled'] },
  resolved: { responsible: [], originator: ['closed', 'inProgress*'] },
};
const partyId = (p: unknown) =>
  (p as { partyOrPartyRole?: { id?: string }; id?: string } | undefined)?.partyOrPartyRole?.id ?? (p as { id?: string })?.id;
const partyName = (p: unknown) => (p as { partyOrPartyRole?: { name?: string } } | undefined)?.partyOrPartyRole?.name ?? partyId(p);

export function ProblemList() {
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const status = query.get('status') ?? '';
  const tick = useLiveTick(['ServiceProblem', 'Problem']);
  const list = useLoad(
    () =>
      page<Problem>(
        problems.GET('/serviceProblem', {
          params: { query: { offset, limit: LIMIT, sort: '-creationDate', ...(status ? { status } : {}) } },
        }),
      ),
    [offset, status, tick],
  );
  return (
    <section>
      <h1>Service problems</h1>
      <form className="filters" aria-label="Filter problems" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => navigate(`/problems?status=${encodeURIComponent(e.target.value)}`, true)}>
            <option value="">Any</option>
            <option value="submitted,acknowledged,inProgress,pending,held">Open</option>
            {['submitted', 'acknowledged', 'inProgress', 'pending', 'held', 'resolved', 'closed', 'rejected', 'cancelled'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorBox error={list.error} />
      {list.data && list.data.rows.length === 0 ? <Empty>No service problems. Long-running degradations (PI-1) show here.</Empty> : null}
      {list.data && list.data.rows.length ? (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Problem</th>
              <th scope="col">Status</th>
              <th scope="col">Priority</th>
              <th scope="col">Originator</th>
              <th scope="col">Responsible</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.data.rows.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/problems/${p.id}`}>{p.name ?? p.description.slice(0, 60)}</Link>
                </td>
                <td>
                  <Badge value={(p as { status?: string }).status} />
                </td>
                <td>{p.priority}</td>
                <td>{partyName(p.originatorParty)}</td>
                <td>{partyName(p.responsibleParty)}</td>
                <td>
                  <When at={p.creationDate} />
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
          onChange={(o) => navigate(`/problems?status=${encodeURIComponent(status)}&offset=${o}`, true)}
        />
      ) : null}
    </section>
  );
}

export function ProblemPage({ id }: { id: string }) {
  const me = useMe();
  const tick = useLiveTick(['ServiceProblem', 'Problem'], (e) => Object.values(e.event ?? {})[0]?.id === id);
  const p = useLoad(() => must(problems.GET('/serviceProblem/{id}', { params: { path: { id } } })), [id, tick]);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  if (p.error && !p.data) return <ErrorBox error={p.error} />;
  if (!p.data) return <p className="loading">Loading…</p>;
  const x = p.data;
  const status = (x as { status?: string }).status ?? '';
  const side =
    partyId(x.responsibleParty) === me.organizationId
      ? 'responsible'
      : partyId(x.originatorParty) === me.organizationId
        ? 'originator'
        : undefined;
  const moves = side && me.role !== 'viewer' ? (MOVES[status]?.[side] ?? []) : [];
  const move = async (m: string) => {
    const to = m.replace('*', '');
    setError(undefined);
    try {
      if (m.endsWith('*') && !reason.trim()) throw new Error(`Moving to ${to} needs a reason.`);
      await must(
        problems.PATCH('/serviceProblem/{id}', {
          params: { path: { id } },
          body: { status: to, ...(reason.trim() ? { statusChangeReason: reason.trim() } : {}) } as never,
          headers: MERGE_PATCH,
        }),
      );
      setReason('');
      p.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="detail">
      <p>
        <Link to="/problems">← Problems</Link>
      </p>
      <div className="titlebar">
        <h1>{x.name ?? 'Service problem'}</h1>
        <Badge value={status} />
      </div>
      <div className="cols">
        <section className="panel">
          <h2>Problem</h2>
          <dl className="facts">
            <dt>Category</dt>
            <dd>{x.category}</dd>
            <dt>Priority</dt>
            <dd>{x.priority}</dd>
            <dt>Originator</dt>
            <dd>{partyName(x.originatorParty)}</dd>
            <dt>Responsible</dt>
            <dd>{partyName(x.responsibleParty)}</dd>
            <dt>Reason</dt>
            <dd>{x.reason}</dd>
            <dt>Created</dt>
            <dd>
              <When at={x.creationDate} />
            </dd>
          </dl>
          <p className="description">{x.description}</p>
        </section>
        <section className="panel">
          <h2>Actions</h2>
          {moves.length === 0 ? <Empty>No status change is open to your side now.</Empty> : null}
          {moves.length ? (
            <>
              <label htmlFor="p-reason">Reason (needed for moves marked *)</label>
              <input id="p-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
              <div className="buttons">
                {moves.map((m) => (
                  <button key={m} type="button" onClick={() => void move(m)}>
                    {m.replace('*', '')}
                    {m.endsWith('*') ? ' *' : ''}
                  </button>
                ))}
              </div>
            </>
          ) : null}
          <ErrorBox error={error} />
          <h2>Linked</h2>
          {(x.linkedEntity ?? []).length === 0 ? <Empty>No linked records.</Empty> : null}
          <ul>
            {(x.linkedEntity ?? []).map((l, i) => (
              <li key={i}>
                {(l as { '@referredType'?: string })['@referredType'] ?? 'entity'} {(l as { id?: string }).id}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </section>
  );
}
