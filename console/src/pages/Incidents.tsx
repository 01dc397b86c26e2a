import { useState, type FormEvent } from 'react';
import { incidents, must, page, type Incident } from '../api';
import { useLiveTick } from '../live';
import { useMe } from '../me';
import { Link, navigate, useLocation } from '../router';
import { Badge, Empty, ErrorBox, Field, Pager, When, useLoad } from '../ui';

const LIMIT = 20;
const role = (i: Incident, r: string) =>
  i.relatedParty.find((p) => p.role === r)?.partyOrPartyRole as { id?: string; name?: string } | undefined;

export function IncidentList() {
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const state = query.get('state') ?? '';
  const tick = useLiveTick(['Incident', 'DiagnoseIncident', 'ResolveIncident']);
  const list = useLoad(
    () =>
      page<Incident>(
        incidents.GET('/incident', {
          params: { query: { offset, limit: LIMIT, sort: '-occurTime', ...(state ? { state } : {}) } as never },
        }),
      ),
    [offset, state, tick],
  );
  return (
    <section>
      <h1>Incidents</h1>
      <form className="filters" aria-label="Filter incidents" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select value={state} onChange={(e) => navigate(`/incidents?state=${encodeURIComponent(e.target.value)}`, true)}>
            <option value="">Any</option>
            <option value="raised,updated">Open</option>
            <option>raised</option>
            <option>updated</option>
            <option>cleared</option>
          </select>
        </label>
      </form>
      <ErrorBox error={list.error} />
      {list.data && list.data.rows.length === 0 ? <Empty>No incidents.</Empty> : null}
      {list.data && list.data.rows.length ? (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Incident</th>
              <th scope="col">State</th>
              <th scope="col">Ack</th>
              <th scope="col">Priority</th>
              <th scope="col">Occurred</th>
            </tr>
          </thead>
          <tbody>
            {list.data.rows.map((i) => (
              <tr key={i.id}>
                <td>
                  <Link to={`/incidents/${i.id}`}>{i.name}</Link>
                </td>
                <td>
                  <Badge value={i.state} />
                </td>
                <td>
                  <Badge value={i.ackState} />
                </td>
                <td>
                  <Badge value={i.priority} kind="severity" />
                </td>
                <td>
                  <When at={i.occurTime} />
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
          onChange={(o) => navigate(`/incidents?state=${encodeURIComponent(state)}&offset=${o}`, true)}
        />
      ) : null}
    </section>
  );
}

export function IncidentPage({ id }: { id: string }) {
  const me = useMe();
  const tick = useLiveTick(['Incident', 'DiagnoseIncident', 'ResolveIncident'], () => true);
  const inc = useLoad(() => must(incidents.GET('/incident/{id}', { params: { path: { id } } })), [id, tick]);
  const [outcome, setOutcome] = useState('confirmed');
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>();
  if (inc.error && !inc.data) return <ErrorBox error={inc.error} />;
  if (!inc.data) return <p className="loading">Loading…</p>;
  const x = inc.data;
  const open = x.state !== 'cleared' && me.role !== 'viewer';
  const run = async (fn: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await fn();
      setText('');
      inc.reload();
    } catch (e) {
      setError(e);
    }
  };
  const diagnose = (e: FormEvent) => {
    e.preventDefault();
    void run(() =>
      must(
        incidents.POST('/diagnoseIncident', {
          body: { incident: { id }, finding: { outcome, ...(text ? { description: text } : {}) } } as never,
        }),
      ),
    );
  };
  const resolve = () =>
    void run(() =>
      must(incidents.POST('/resolveIncident', { body: { incident: { id }, ...(text ? { resolution: text } : {}) } as never })),
    );
  return (
    <section className="detail">
      <p>
        <Link to="/incidents">← Incidents</Link>
      </p>
      <div className="titlebar">
        <h1>{x.name}</h1>
        <Badge value={x.state} /> <Badge value={x.ackState} />
      </div>
      <div className="cols">
        <section className="panel">
          <h2>Incident</h2>
          <dl className="facts">
            <dt>Reporter</dt>
            <dd>{role(x, 'reporter')?.name ?? role(x, 'reporter')?.id ?? '—'}</dd>
            <dt>Responsible</dt>
            <dd>{role(x, 'responsible')?.name ?? role(x, 'responsible')?.id ?? '—'}</dd>
            <dt>Category / domain</dt>
            <dd>
              {x.category} / {x.domain}
            </dd>
            <dt>Priority</dt>
            <dd>{x.priority}</dd>
            <dt>Occurred</dt>
            <dd>
              <When at={x.occurTime} />
            </dd>
            <dt>Acknowledged</dt>
            <dd>
              <When at={x.ackTime} />
            </dd>
            <dt>Cleared</dt>
            <dd>
              <When at={x.clearTime} />
            </dd>
          </dl>
          {x.incidentDetail ? <p className="description">{x.incidentDetail}</p> : null}
          {x.finding ? (
            <p>
              Finding: <strong>{x.finding.outcome}</strong> {x.finding.description ?? ''}
              {x.finding.expectedRestorationTime ? (
                <>
                  {' '}
                  (restoration <When at={x.finding.expectedRestorationTime} />)
                </>
              ) : null}
            </p>
          ) : null}
        </section>
        <section className="panel">
          <h2>Actions</h2>
          {open ? (
            <form onSubmit={diagnose} className="inline">
              <Field label="Finding" id="i-outcome">
                <select id="i-outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
                  <option value="confirmed">confirmed</option>
                  <option value="underInvestigation">under investigation</option>
                  <option value="notOurNetwork">not our network</option>
                </select>
              </Field>
              <Field label="Text (finding or resolution)" id="i-text">
                <input id="i-text" value={text} onChange={(e) => setText(e.target.value)} />
              </Field>
              <button type="submit">Diagnose</button>
              <button type="button" onClick={resolve}>
                Resolve (clear)
              </button>
            </form>
          ) : (
            <Empty>The incident is cleared: no further action.</Empty>
          )}
          <ErrorBox error={error} />
          <h2>Finding history</h2>
          {(x.findingHistory ?? []).length === 0 ? <Empty>No findings yet.</Empty> : null}
          <ol className="timeline">
            {(x.findingHistory ?? []).map((f, i) => (
              <li key={i}>
                {f.outcome} {f.description ?? ''}
              </li>
            ))}
          </ol>
        </section>
      </div>
    </section>
  );
}
