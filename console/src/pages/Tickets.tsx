import { useState, type FormEvent } from 'react';
import { page, party, tickets, type Ticket } from '../api';
import { useLiveTick } from '../live';
import { useMe } from '../me';
import { Link, navigate, useLocation } from '../router';
import { Badge, Empty, ErrorBox, Pager, When, useLoad } from '../ui';
import { partyOf, SEVERITIES, STATUSES, ticketStatus } from '../tickets';

const LIMIT = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function usePartners() {
  const me = useMe();
  return useLoad(async () => {
    const r = await party.GET('/organization', {});
    return (r.data ?? []).filter((o) => o.id !== me.organizationId);
  }, [me.organizationId]);
}

export function TicketBoard() {
  const me = useMe();
  const { query } = useLocation();
  const q = Object.fromEntries(query.entries()) as Record<string, string | undefined>;
  const offset = Number(q.offset ?? 0) || 0;
  const sort = q.sort ?? '-creationDate';
  const [search, setSearch] = useState(q.name ?? '');
  const partners = usePartners();
  const tick = useLiveTick(['TroubleTicket']);

  const set = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...q, offset: undefined, ...patch })) if (v) next.set(k, v);
    navigate(`/tickets${next.size ? `?${next}` : ''}`, true);
  };

  const list = useLoad(async () => {
    const params: Record<string, string | number> = { offset, limit: LIMIT, sort };
    if (q.status) params.status = q.status;
    if (q.severity) params.severity = q.severity;
    if (q.partner) params['relatedParty.partyOrPartyRole.id'] = q.partner;
    if (q.from) params['creationDate.gte'] = new Date(`${q.from}T00:00:00`).toISOString();
    if (q.to) params['creationDate.lt'] = new Date(new Date(`${q.to}T00:00:00`).getTime() + 86_400_000).toISOString();
    if (q.name) params.name = q.name;
    return page<Ticket>(tickets.GET('/troubleTicket', { params: { query: params as never } }));
  }, [offset, sort, q.status, q.severity, q.partner, q.from, q.to, q.name, tick]);

  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    const s = search.trim();
    if (UUID.test(s)) navigate(`/tickets/${s}`);
    else set({ name: s || undefined });
  };

  return (
    <section>
      <div className="titlebar">
        <h1>Trouble tickets</h1>
        {me.organizationKind === 'DSO' && me.role !== 'viewer' ? (
          <Link to="/tickets/new" className="button primary">
            New ticket
          </Link>
        ) : null}
      </div>
      <form className="filters" onSubmit={onSearch} aria-label="Filter tickets">
        <label>
          Status
          <select value={q.status ?? ''} onChange={(e) => set({ status: e.target.value || undefined })}>
            <option value="">Any</option>
            <option value="submitted,acknowledged,inProgress,pending,held">Open</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select value={q.severity ?? ''} onChange={(e) => set({ severity: e.target.value || undefined })}>
            <option value="">Any</option>
            {SEVERITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Partner
          <select value={q.partner ?? ''} onChange={(e) => set({ partner: e.target.value || undefined })}>
            <option value="">Any</option>
            {(partners.data ?? []).map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Created from
          <input type="date" value={q.from ?? ''} onChange={(e) => set({ from: e.target.value || undefined })} />
        </label>
        <label>
          to
          <input type="date" value={q.to ?? ''} onChange={(e) => set({ to: e.target.value || undefined })} />
        </label>
        <label>
          Sort
          <select value={sort} onChange={(e) => set({ sort: e.target.value })}>
            <option value="-creationDate">Newest first</option>
            <option value="creationDate">Oldest first</option>
            <option value="-lastUpdate">Recently changed</option>
            <option value="severity">Severity</option>
            <option value="priority">Priority</option>
          </select>
        </label>
        <label className="grow">
          Search (ticket id or exact title)
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={list.error} />
      {list.data && list.data.rows.length === 0 ? (
        <Empty>
          No tickets match.{' '}
          {me.organizationKind === 'DSO' ? 'File one with “New ticket”.' : 'Tickets your DSO partners file appear here live.'}
        </Empty>
      ) : null}
      {list.data && list.data.rows.length > 0 ? (
        <div className="tablewrap">
          <table className="list" aria-busy={list.loading}>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Severity</th>
                <th scope="col">Priority</th>
                <th scope="col">{me.organizationKind === 'DSO' ? 'MNO' : 'Reporter'}</th>
                <th scope="col">Created</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {list.data.rows.map((t) => {
                const other = partyOf(t, 'reporter')?.id === me.organizationId ? partyOf(t, 'responsible') : partyOf(t, 'reporter');
                const otherName = other?.name ?? partners.data?.find((p) => p.id === other?.id)?.name ?? other?.id;
                return (
                  <tr key={t.id} data-testid="ticket-row">
                    <td>
                      <Link to={`/tickets/${t.id}`}>{t.name ?? t.description.slice(0, 60)}</Link>
                    </td>
                    <td>
                      <Badge value={ticketStatus(t)} />
                    </td>
                    <td>
                      <Badge value={t.severity} kind="severity" />
                    </td>
                    <td>{t.priority ?? '—'}</td>
                    <td>{otherName}</td>
                    <td>
                      <When at={t.creationDate} />
                    </td>
                    <td>
                      <When at={t.lastUpdate} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {list.data ? <Pager offset={offset} limit={LIMIT} total={list.data.total} onChange={(o) => set({ offset: String(o) })} /> : null}
    </section>
  );
}
