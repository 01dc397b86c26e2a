import { outages, page, type Outage } from '../api';
import { useLiveTick } from '../live';
import { useMe } from '../me';
import { OutageMap } from '../OutageMap';
import { Link, navigate, useLocation } from '../router';
import { Badge, Empty, ErrorBox, Pager, When, useLoad } from '../ui';

const LIMIT = 20;
export const OUTAGE_STATUSES = ['predicted', 'confirmed', 'partiallyRestored', 'restored', 'closed', 'cancelled'];

export function OutageList() {
  const me = useMe();
  const { query } = useLocation();
  const status = query.get('status') ?? 'predicted,confirmed,partiallyRestored,restored';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const tick = useLiveTick(['EnergyOutage', 'OutageSiteReport', 'PriorityRestoration', 'EtrOverdue', 'BackupExhaustion']);
  const list = useLoad(
    () =>
      page<Outage>(
        outages.GET('/energyOutageNotice', {
          params: { query: { offset, limit: LIMIT, sort: '-creationDate', ...(status ? { status } : {}) } as never },
        }),
      ),
    [status, offset, tick],
  );
  const set = (s: string, o = 0) => navigate(`/outages?status=${encodeURIComponent(s)}${o ? `&offset=${o}` : ''}`, true);
  return (
    <section>
      <div className="titlebar">
        <h1>Energy outages</h1>
        {me.organizationKind === 'DSO' && me.role !== 'viewer' ? (
          <Link to="/outages/new" className="button primary">
            Publish outage
          </Link>
        ) : null}
      </div>
      <form className="filters" aria-label="Filter outages" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => set(e.target.value)}>
            <option value="predicted,confirmed,partiallyRestored,restored">Active</option>
            <option value="">Any</option>
            {OUTAGE_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorBox error={list.error} />
      <div className="cols map-cols">
        <div>
          {list.data && list.data.rows.length === 0 ? (
            <Empty>
              No outages{status ? ' in this state' : ''}.{' '}
              {me.organizationKind === 'MNO' ? 'Notices your DSO partners publish appear here live.' : ''}
            </Empty>
          ) : null}
          {list.data && list.data.rows.length ? (
            <div className="tablewrap">
              <table className="list">
                <thead>
                  <tr>
                    <th scope="col">Outage</th>
                    <th scope="col">Status</th>
                    <th scope="col">Started</th>
                    <th scope="col">ETR</th>
                    <th scope="col">{me.organizationKind === 'DSO' ? 'Answers' : 'Publisher'}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.rows.map((o) => (
                    <tr key={o.id} data-testid="outage-row">
                      <td>
                        <Link to={`/outages/${o.id}`}>{o.name ?? o.cause ?? `Outage ${o.id.slice(0, 8)}`}</Link>
                        <div className="muted small">
                          {o.outageKind}
                          {o.causeKind ? ` · ${o.causeKind}` : ''}
                        </div>
                      </td>
                      <td>
                        <Badge value={o.status} />
                      </td>
                      <td>
                        <When at={o.outageStartTime} />
                      </td>
                      <td>
                        <When at={o.expectedOutageEndTime} />{' '}
                        {o.etrConfidence ? <span className="muted small">({o.etrConfidence})</span> : null}
                      </td>
                      <td>{me.organizationKind === 'DSO' ? (o.mnoResponse ?? []).length : o.publisher.name}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {list.data ? <Pager offset={offset} limit={LIMIT} total={list.data.total} onChange={(o) => set(status, o)} /> : null}
        </div>
        <OutageMap
          label="Map of the listed outage areas"
          maxZoom={8}
          areas={(list.data?.rows ?? []).map((o) => ({ id: o.id, label: o.name ?? o.cause ?? o.id, area: o.affectedArea.outageArea }))}
          onSelect={(id) => navigate(`/outages/${id}`)}
        />
      </div>
    </section>
  );
}
