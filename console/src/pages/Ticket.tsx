import { useState, type FormEvent } from 'react';
import { MERGE_PATCH, must, party, report, tickets, type Ticket } from '../api';
import { useLiveTick } from '../live';
import { useMe } from '../me';
import { Link } from '../router';
import { Badge, Empty, ErrorBox, When, useLoad } from '../ui';
import { allowedMoves, exactStatus, LABEL, partyOf, sideOf, ticketStatus } from '../tickets';

const SEVERITY_PRIORITY: Record<string, number> = { critical: 2, major: 3, minor: 4, warning: 5 };

interface Clock {
  kind: 'Response' | 'Resolution';
  elapsed: number;
  target?: number;
  state: 'running' | 'paused' | 'stopped';
}

/** SLA clocks as the Report API describes them (response: while submitted; resolution: paused while pending/held). */
export function slaClocks(t: Ticket, now: number): Clock[] {
  const history = [...(t.statusChangeHistory ?? [])].sort((a, b) => a.statusChangeDate.localeCompare(b.statusChangeDate));
  const created = new Date(t.creationDate).getTime();
  // The exact Gridlink state: `submitted` is shown to standard clients as `acknowledged`.
  const ack = history.find((h) => exactStatus(h) !== 'submitted');
  const responseEnd = ack ? new Date(ack.statusChangeDate).getTime() : now;
  let running = 0;
  let since: number | undefined = created;
  let state: Clock['state'] = 'running';
  for (const h of history) {
    const at = new Date(h.statusChangeDate).getTime();
    const runs = ['submitted', 'acknowledged', 'inProgress'].includes(exactStatus(h));
    if (since !== undefined && !runs) {
      running += at - since;
      since = undefined;
    } else if (since === undefined && runs) since = at;
    state = runs ? 'running' : ['pending', 'held'].includes(exactStatus(h)) ? 'paused' : 'stopped';
  }
  if (since !== undefined) running += now - since;
  return [
    { kind: 'Response', elapsed: (responseEnd - created) / 60000, state: ack ? 'stopped' : 'running' },
    { kind: 'Resolution', elapsed: running / 60000, state },
  ];
}

const mins = (m: number) => (m < 60 ? `${Math.round(m)} min` : `${Math.floor(m / 60)} h ${Math.round(m % 60)} min`);

function SlaPanel({ t }: { t: Ticket }) {
  const me = useMe();
  const other = partyOf(t, 'reporter')?.id === me.organizationId ? partyOf(t, 'responsible') : partyOf(t, 'reporter');
  const targets = useLoad(async () => {
    const [tg, ps] = await Promise.all([report.GET('/slaTarget', {}), party.GET('/partnership', {})]);
    const p = (ps.data ?? []).find((x) => x.dso.id === other?.id || x.mno.id === other?.id);
    return { targets: tg.data ?? [], tier: p?.tier ?? 'standard' };
  }, [other?.id]);
  const priority = Number(t.priority ?? SEVERITY_PRIORITY[t.severity] ?? 3);
  const target = targets.data?.targets.find((x) => x.tier === targets.data?.tier && x.priority === priority);
  const clocks = slaClocks(t, Date.now());
  return (
    <section className="panel" aria-labelledby="sla-h">
      <h2 id="sla-h">SLA clocks</h2>
      <p className="muted">
        Tier {targets.data?.tier ?? '…'}, priority {priority}
        {t.priority ? '' : ` (from severity ${t.severity})`}
      </p>
      <ul className="clocks">
        {clocks.map((c) => {
          const goal = c.kind === 'Response' ? target?.responseMinutes : target?.resolutionMinutes;
          const share = goal ? c.elapsed / goal : 0;
          const cls = share >= 1 ? 'breach' : share >= 0.8 ? 'warn' : 'ok';
          return (
            <li key={c.kind} className={`clock ${cls}`}>
              <strong>{c.kind}</strong> {mins(c.elapsed)}
              {goal ? ` of ${mins(goal)}` : ''} <span className="muted">({c.state})</span>
              {goal ? <progress max={1} value={Math.min(1, share)} aria-label={`${c.kind} clock used`} /> : null}
              {share >= 1 ? <span className="badge v-breach">breached</span> : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function TicketPage({ id }: { id: string }) {
  const me = useMe();
  const tick = useLiveTick(['TroubleTicket'], (e) => Object.values(e.event ?? {})[0]?.id === id);
  const t = useLoad(() => must(tickets.GET('/troubleTicket/{id}', { params: { path: { id } } })), [id, tick]);
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      t.reload();
      return true;
    } catch (x) {
      setError(x);
      return false;
    } finally {
      setBusy(false);
    }
  };

  if (t.error && !t.data)
    return (
      <section>
        <h1>Ticket</h1>
        <ErrorBox error={t.error} />
        <Link to="/tickets">Back to the tickets</Link>
      </section>
    );
  if (!t.data) return <p className="loading">Loading…</p>;
  const tk = t.data;
  const moves = allowedMoves(tk, me);
  const side = sideOf(tk, me);
  const move = (to: string, needsReason: boolean) =>
    act(async () => {
      if (needsReason && !reason.trim()) throw new Error(`Moving to ${to} needs a reason: write it in “Reason” first.`);
      await must(
        tickets.PATCH('/troubleTicket/{id}', {
          params: { path: { id } },
          body: { status: to, ...(reason.trim() ? { statusChangeReason: reason.trim() } : {}) } as never,
          headers: MERGE_PATCH,
        }),
      );
      setReason('');
    });
  const addNote = (e: FormEvent) => {
    e.preventDefault();
    if (!note.trim()) return;
    void act(async () => {
      await must(
        tickets.PATCH('/troubleTicket/{id}', {
          params: { path: { id } },
          body: [{ op: 'add', path: '/note/-', value: { text: note.trim() } }] as never,
          headers: { 'Content-Type': 'application/json-patch+json' },
        }),
      );
      setNote('');
    });
  };

  return (
    <section className="detail">
      <p>
        <Link to="/tickets">← Tickets</Link>
      </p>
      <div className="titlebar">
        <h1>{tk.name ?? 'Ticket'}</h1>
        <Badge value={ticketStatus(tk)} />
        <Badge value={tk.severity} kind="severity" />
      </div>
      <div className="cols">
        <div>
          <section className="panel" aria-labelledby="facts-h">
            <h2 id="facts-h">Ticket</h2>
            <dl className="facts">
              <dt>Reporter</dt>
              <dd>{partyOf(tk, 'reporter')?.name ?? partyOf(tk, 'reporter')?.id}</dd>
              <dt>Responsible</dt>
              <dd>{partyOf(tk, 'responsible')?.name ?? partyOf(tk, 'responsible')?.id}</dd>
              <dt>Type</dt>
              <dd>{tk.ticketType}</dd>
              <dt>Priority</dt>
              <dd>{tk.priority ?? <span className="muted">not set (the SLA derives it from the severity)</span>}</dd>
              <dt>Created</dt>
              <dd>
                <When at={tk.creationDate} />
              </dd>
              <dt>Expected resolution</dt>
              <dd>
                <When at={tk.expectedResolutionDate} />
              </dd>
              <dt>Id</dt>
              <dd className="mono">{tk.id}</dd>
            </dl>
            <p className="description">{tk.description}</p>
          </section>
          <section className="panel" aria-labelledby="actions-h">
            <h2 id="actions-h">Actions</h2>
            {moves.length === 0 ? (
              <Empty>{side ? 'No status change is open to your side now.' : 'You can only read this ticket.'}</Empty>
            ) : (
              <>
                <label htmlFor="reason">Reason (needed for moves marked *)</label>
                <input id="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
                <div className="buttons">
                  {moves.map((m) => (
                    <button key={m.to} type="button" disabled={busy} onClick={() => void move(m.to, m.needsReason)} data-move={m.to}>
                      {LABEL[m.to] ?? m.to}
                      {m.needsReason ? ' *' : ''}
                    </button>
                  ))}
                </div>
              </>
            )}
            <ErrorBox error={error} />
          </section>
          <section className="panel" aria-labelledby="notes-h">
            <h2 id="notes-h">Notes</h2>
            {(tk.note ?? []).length === 0 ? <Empty>No notes yet.</Empty> : null}
            <ol className="notes">
              {(tk.note ?? []).map((n, i) => (
                <li key={n.id ?? i}>
                  <div className="muted">
                    {n.author ?? 'unknown'} · <When at={n.date} />
                  </div>
                  <div>{n.text}</div>
                </li>
              ))}
            </ol>
            {me.role !== 'viewer' && side ? (
              <form onSubmit={addNote} className="inline">
                <label htmlFor="note">Add a note</label>
                <textarea id="note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
                <button type="submit" disabled={busy || !note.trim()}>
                  Add note
                </button>
              </form>
            ) : null}
          </section>
        </div>
        <div>
          <SlaPanel t={tk} />
          <section className="panel" aria-labelledby="hist-h">
            <h2 id="hist-h">History</h2>
            <ol className="timeline">
              {[...(tk.statusChangeHistory ?? [])].reverse().map((h, i) => (
                <li key={i}>
                  <Badge value={exactStatus(h)} /> <When at={h.statusChangeDate} />
                  {h.statusChangeReason ? <div className="muted">“{h.statusChangeReason}”</div> : null}
                </li>
              ))}
            </ol>
          </section>
          <section className="panel" aria-labelledby="links-h">
            <h2 id="links-h">Links</h2>
            {(tk.relatedEntity ?? []).length + (tk.troubleTicketRelationship ?? []).length === 0 ? <Empty>No linked records.</Empty> : null}
            <ul>
              {(tk.relatedEntity ?? []).map((r, i) => {
                const ent = r.entity as { id?: string; '@referredType'?: string; name?: string } | undefined;
                const type = ent?.['@referredType'] ?? '';
                const to =
                  type === 'EnergyOutageNotice' ? `/outages/${ent?.id}` : type === 'TroubleTicket' ? `/tickets/${ent?.id}` : undefined;
                return (
                  <li key={i}>
                    {r.role}: {to ? <Link to={to}>{ent?.name ?? ent?.id}</Link> : `${type} ${ent?.id ?? ''}`}
                  </li>
                );
              })}
              {(tk.troubleTicketRelationship ?? []).map((r, i) => (
                <li key={`r${i}`}>
                  {r.relationshipType}: <Link to={`/tickets/${r.id}`}>{r.id}</Link>
                </li>
              ))}
            </ul>
          </section>
        </div>
      </div>
    </section>
  );
}
