import { useState, type FormEvent } from 'react';
import { MERGE_PATCH, must, outages, type Outage, type SiteReport } from '../api';
import { useLiveTick } from '../live';
import { useMe } from '../me';
import { OutageMap, siteColour } from '../OutageMap';
import { Link } from '../router';
import { Badge, Empty, ErrorBox, Field, When, useLoad, useOrgNames } from '../ui';

const MOVES: Record<string, string[]> = {
  predicted: ['confirmed', 'cancelled'],
  confirmed: ['partiallyRestored', 'restored', 'cancelled'],
  partiallyRestored: ['confirmed', 'restored'],
  restored: ['closed', 'confirmed'],
};
const LABEL: Record<string, string> = {
  confirmed: 'Confirm',
  cancelled: 'Cancel notice',
  partiallyRestored: 'Partly restored',
  restored: 'Power restored',
  closed: 'Close notice',
};

const toLocal = (iso: string | undefined) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};
const fromLocal = (v: string) => new Date(v).toISOString();

export function OutagePage({ id }: { id: string }) {
  const me = useMe();
  const mine = (e: { event?: Record<string, { id?: string } & Record<string, unknown>> }) => {
    const r = Object.values(e.event ?? {})[0] as { id?: string; notice?: { id?: string } } | undefined;
    return r?.id === id || r?.notice?.id === id;
  };
  const tick = useLiveTick(['EnergyOutage', 'OutageSiteReport', 'PriorityRestoration', 'EtrOverdue', 'BackupExhaustion'], mine);
  const n = useLoad(() => must(outages.GET('/energyOutageNotice/{id}', { params: { path: { id } } })), [id, tick]);
  const impact = useLoad(() => must(outages.GET('/energyOutageNotice/{id}/impact', { params: { path: { id } } })), [id, tick]);
  const reports = useLoad(
    () => must(outages.GET('/energyOutageNotice/{id}/siteReport', { params: { path: { id } } })) as Promise<SiteReport[]>,
    [id, tick],
  );
  const orgName = useOrgNames();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      n.reload();
      impact.reload();
      reports.reload();
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };
  const patch = (body: Record<string, unknown>) =>
    act(() => must(outages.PATCH('/energyOutageNotice/{id}', { params: { path: { id } }, body: body as never, headers: MERGE_PATCH })));

  if (n.error && !n.data)
    return (
      <section>
        <h1>Outage</h1>
        <ErrorBox error={n.error} />
        <Link to="/outages">Back to the outages</Link>
      </section>
    );
  if (!n.data) return <p className="loading">Loading…</p>;
  const o = n.data as Outage;
  const isDso = me.organizationKind === 'DSO';
  const canWrite = me.role !== 'viewer';
  const sites = impact.data?.sites ?? [];

  return (
    <section className="detail">
      <p>
        <Link to="/outages">← Outages</Link>
      </p>
      <div className="titlebar">
        <h1>{o.name ?? o.cause ?? 'Energy outage'}</h1>
        <Badge value={o.status} />
        <span className="muted">published by {orgName(o.publisher.id, o.publisher.name)}</span>
      </div>
      <ErrorBox error={error} />
      <div className="cols map-cols">
        <div>
          <section className="panel" aria-labelledby="facts-h">
            <h2 id="facts-h">Outage</h2>
            <dl className="facts">
              <dt>Kind</dt>
              <dd>
                {o.outageKind}
                {o.causeKind ? `, ${o.causeKind}` : ''}
              </dd>
              <dt>Cause</dt>
              <dd>{o.cause ?? '—'}</dd>
              <dt>Started</dt>
              <dd>
                <When at={o.outageStartTime} />
              </dd>
              <dt>ETR</dt>
              <dd data-testid="etr">
                <When at={o.expectedOutageEndTime} /> {o.etrConfidence ? `(${o.etrConfidence} confidence)` : ''}
              </dd>
              <dt>Power back</dt>
              <dd>
                <When at={o.actualOutageEndTime} />
              </dd>
              <dt>DSO remote control</dt>
              <dd>
                {o.dsoRapidInterventionTime ? (
                  <>
                    <When at={o.dsoRapidInterventionTime} /> for {o.dsoRapidInterventionDuration ?? '?'} min
                  </>
                ) : (
                  '—'
                )}
              </dd>
              <dt>Supply ids</dt>
              <dd>{(o.affectedArea.energySupplyId ?? []).join(', ') || '—'}</dd>
            </dl>
            {o.description ? <p className="description">{o.description}</p> : null}
          </section>

          {isDso && canWrite && MOVES[o.status] ? (
            <section className="panel" aria-labelledby="dso-h">
              <h2 id="dso-h">Update the notice</h2>
              <div className="buttons">
                {MOVES[o.status]!.map((to) => (
                  <button
                    key={to}
                    type="button"
                    disabled={busy}
                    data-move={to}
                    onClick={() =>
                      void patch({ status: to, ...(to === 'restored' ? { actualOutageEndTime: new Date().toISOString() } : {}) })
                    }
                  >
                    {LABEL[to] ?? to}
                  </button>
                ))}
              </div>
              <EtrForm o={o} busy={busy} onSave={(body) => void patch(body)} />
            </section>
          ) : null}

          <section className="panel" aria-labelledby="impact-h">
            <h2 id="impact-h">{isDso ? 'MNO impact' : 'Your impacted sites'}</h2>
            <ErrorBox error={impact.error} />
            {isDso ? (
              (impact.data?.summary ?? []).length === 0 ? (
                <Empty>No MNO site is inside this outage (or no MNO has answered yet).</Empty>
              ) : (
                <table className="list">
                  <thead>
                    <tr>
                      <th scope="col">MNO</th>
                      <th scope="col">Sites</th>
                      <th scope="col">Run out before ETR</th>
                      <th scope="col">Earliest exhaustion</th>
                      <th scope="col">Priority requests</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(impact.data?.summary ?? []).map((s) => (
                      <tr key={s.mno.id}>
                        <td>{orgName(s.mno.id, s.mno.name)}</td>
                        <td>{s.impactedSites}</td>
                        <td>{s.sitesExhaustingBeforeEtr ?? '—'}</td>
                        <td>
                          <When at={s.earliestExhaustion} />
                        </td>
                        <td>{s.priorityRequests}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            ) : sites.length === 0 ? (
              <Empty>None of your registered sites is inside this outage.</Empty>
            ) : (
              <table className="list" data-testid="impacted-sites">
                <thead>
                  <tr>
                    <th scope="col">Site</th>
                    <th scope="col">Battery</th>
                    <th scope="col">Runs out</th>
                    <th scope="col">vs ETR</th>
                  </tr>
                </thead>
                <tbody>
                  {sites.map((s) => {
                    const c = siteColour(s, o.expectedOutageEndTime);
                    return (
                      <tr key={s.id}>
                        <td>
                          {s.siteId} {s.name ? <span className="muted">{s.name}</span> : null}
                          {s.priority ? <span className="badge v-priority">priority</span> : null}
                        </td>
                        <td>{s.backupAutonomyMinutes ?? '?'} min</td>
                        <td>
                          <When at={s.exhaustionTime} />
                        </td>
                        <td>
                          <span className="swatch" style={{ background: c.colour }} aria-hidden="true" /> {c.label}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </section>

          <section className="panel" aria-labelledby="answer-h">
            <h2 id="answer-h">MNO answer</h2>
            {(o.mnoResponse ?? []).length === 0 ? <Empty>No answer yet.</Empty> : null}
            <ul data-testid="mno-answers">
              {(o.mnoResponse ?? []).map((a) => (
                <li key={a.mno.id}>
                  <strong>{orgName(a.mno.id, a.mno.name)}</strong>: holds {a.mnoInterventionDuration ?? '?'} min of battery for the
                  intervention at <When at={a.mnoInterventionTime} />; service for at most {a.mnoMaxServiceDuration ?? '?'} min.
                </li>
              ))}
            </ul>
            {!isDso && canWrite ? <AnswerForm o={o} busy={busy} onSave={(body) => void patch(body)} /> : null}
          </section>

          <section className="panel" aria-labelledby="reports-h">
            <h2 id="reports-h">Site reports</h2>
            <ErrorBox error={reports.error} />
            {(reports.data ?? []).length === 0 ? <Empty>No site reports yet.</Empty> : null}
            <ul className="reports" data-testid="site-reports">
              {(reports.data ?? []).map((r) => (
                <li key={r.id}>
                  <strong>{r.site.siteId}</strong> {r.site.name ?? ''} — {r.powerStatus}
                  {r.remainingMinutes != null ? `, ${r.remainingMinutes} min left` : ''}{' '}
                  <span className="muted">({orgName(r.mno.id, r.mno.name)})</span>
                  {r.priorityRestoration ? (
                    <div>
                      Priority restoration <Badge value={r.priorityRestoration.status} />
                      {r.priorityRestoration.reason ? ` — “${r.priorityRestoration.reason}”` : ''}
                      {isDso && canWrite && r.priorityRestoration.status === 'requested' ? (
                        <span className="buttons">
                          {(['acknowledged', 'declined'] as const).map((d) => (
                            <button
                              key={d}
                              type="button"
                              disabled={busy}
                              onClick={() =>
                                void act(() =>
                                  must(
                                    outages.PATCH('/siteReport/{id}', {
                                      params: { path: { id: r.id } },
                                      body: { priorityStatus: d } as never,
                                      headers: MERGE_PATCH,
                                    }),
                                  ),
                                )
                              }
                            >
                              {d === 'acknowledged' ? 'Grant priority' : 'Decline'}
                            </button>
                          ))}
                        </span>
                      ) : null}
                    </div>
                  ) : null}
                </li>
              ))}
            </ul>
            {!isDso && canWrite && sites.length ? (
              <SiteReportForm
                sites={sites.map((s) => s.siteId)}
                busy={busy}
                onSave={(body) =>
                  void act(() =>
                    must(outages.POST('/energyOutageNotice/{id}/siteReport', { params: { path: { id } }, body: body as never })),
                  )
                }
              />
            ) : null}
          </section>
        </div>
        <div>
          <OutageMap
            label="Outage area and impacted sites"
            areas={[{ id: o.id, label: o.name ?? 'Outage area', area: o.affectedArea.outageArea }]}
            sites={sites}
            etr={o.expectedOutageEndTime}
          />
          {!isDso ? (
            <p className="legend small">
              <span className="swatch" style={{ background: '#c0392b' }} /> runs out before ETR{' '}
              <span className="swatch" style={{ background: '#d68910' }} /> under 1 h margin{' '}
              <span className="swatch" style={{ background: '#1e8449' }} /> covers the ETR{' '}
              <span className="swatch" style={{ background: '#6c757d' }} /> unknown
            </p>
          ) : null}
          <section className="panel" aria-labelledby="etr-h">
            <h2 id="etr-h">ETR revisions</h2>
            {o.etrHistory.length === 0 ? <Empty>No ETR given yet.</Empty> : null}
            <ol className="timeline" data-testid="etr-history">
              {o.etrHistory.map((r, i) => (
                <li key={i}>
                  <When at={r.revisedAt} />: ETR <When at={r.expectedOutageEndTime} /> {r.etrConfidence ? `(${r.etrConfidence})` : ''}{' '}
                  {r.etrSource ? <span className="muted">{r.etrSource}</span> : null}
                </li>
              ))}
            </ol>
          </section>
          <section className="panel" aria-labelledby="hist-h">
            <h2 id="hist-h">Status history</h2>
            <ol className="timeline">
              {o.statusChangeHistory.map((h, i) => (
                <li key={i}>
                  <Badge value={h.status} /> <When at={h.statusChangeDate} />
                  {h.statusChangeReason ? <span className="muted"> “{h.statusChangeReason}”</span> : null}
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>
    </section>
  );
}

function EtrForm({ o, busy, onSave }: { o: Outage; busy: boolean; onSave: (b: Record<string, unknown>) => void }) {
  const [etr, setEtr] = useState(toLocal(o.expectedOutageEndTime));
  const [conf, setConf] = useState<string>(o.etrConfidence ?? 'low');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (etr) onSave({ expectedOutageEndTime: fromLocal(etr), etrConfidence: conf });
  };
  return (
    <form className="inline" onSubmit={submit} aria-label="Revise the ETR">
      <Field label="New ETR" id="etr-new">
        <input id="etr-new" type="datetime-local" required value={etr} onChange={(e) => setEtr(e.target.value)} />
      </Field>
      <Field label="Confidence" id="etr-conf">
        <select id="etr-conf" value={conf} onChange={(e) => setConf(e.target.value)}>
          <option>low</option>
          <option>high</option>
        </select>
      </Field>
      <button type="submit" disabled={busy}>
        Revise ETR
      </button>
    </form>
  );
}

function AnswerForm({ o, busy, onSave }: { o: Outage; busy: boolean; onSave: (b: Record<string, unknown>) => void }) {
  const [time, setTime] = useState(toLocal(o.dsoRapidInterventionTime ?? o.expectedOutageEndTime));
  const [dur, setDur] = useState(String(o.dsoRapidInterventionDuration ?? 5));
  const [max, setMax] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSave({
      ...(time ? { mnoInterventionTime: fromLocal(time) } : {}),
      ...(dur ? { mnoInterventionDuration: Number(dur) } : {}),
      ...(max ? { mnoMaxServiceDuration: Number(max) } : {}),
    });
  };
  return (
    <form className="inline" onSubmit={submit} aria-label="Your answer">
      <Field label="Intervention time" id="ans-time">
        <input id="ans-time" type="datetime-local" value={time} onChange={(e) => setTime(e.target.value)} />
      </Field>
      <Field label="Battery held for it (min)" id="ans-dur">
        <input id="ans-dur" type="number" min={0} max={100000} value={dur} onChange={(e) => setDur(e.target.value)} />
      </Field>
      <Field label="Max service on battery (min)" id="ans-max">
        <input id="ans-max" type="number" min={0} max={100000} value={max} onChange={(e) => setMax(e.target.value)} />
      </Field>
      <button type="submit" className="primary" disabled={busy}>
        Send answer
      </button>
    </form>
  );
}

function SiteReportForm({ sites, busy, onSave }: { sites: string[]; busy: boolean; onSave: (b: Record<string, unknown>) => void }) {
  const [site, setSite] = useState(sites[0] ?? '');
  const [power, setPower] = useState('onBattery');
  const [mins, setMins] = useState('');
  const [prio, setPrio] = useState(false);
  const [reason, setReason] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSave({
      site: { siteId: site },
      powerStatus: power,
      ...(mins ? { remainingMinutes: Number(mins) } : {}),
      ...(prio ? { priorityRestoration: { requested: true, ...(reason ? { reason } : {}) } } : {}),
    });
  };
  return (
    <form className="inline" onSubmit={submit} aria-label="Report a site">
      <Field label="Site" id="rep-site">
        <select id="rep-site" value={site} onChange={(e) => setSite(e.target.value)}>
          {sites.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </Field>
      <Field label="Power" id="rep-power">
        <select id="rep-power" value={power} onChange={(e) => setPower(e.target.value)}>
          <option>onGrid</option>
          <option>onBattery</option>
          <option>onGenerator</option>
          <option>down</option>
        </select>
      </Field>
      <Field label="Minutes left" id="rep-min">
        <input id="rep-min" type="number" min={0} value={mins} onChange={(e) => setMins(e.target.value)} />
      </Field>
      <label className="check">
        <input type="checkbox" checked={prio} onChange={(e) => setPrio(e.target.checked)} /> Ask for priority restoration
      </label>
      {prio ? (
        <Field label="Reason" id="rep-reason">
          <input id="rep-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
      ) : null}
      <button type="submit" disabled={busy || !site}>
        Report site
      </button>
    </form>
  );
}
