import { useState, type FormEvent } from 'react';
import {
  ApiError,
  identity,
  incidents,
  MERGE_PATCH,
  must,
  network,
  outages,
  party,
  problems,
  report,
  tickets,
  type TmfError,
} from '../api';
import { useMe } from '../me';
import { Badge, Empty, ErrorBox, Field, When, useLoad } from '../ui';

/** Partnership moves (Party API): the counterparty activates a proposal; either side suspends or terminates. */
function PartnershipPanel() {
  const me = useMe();
  const list = useLoad(() => must(party.GET('/partnership', {})), []);
  const [error, setError] = useState<unknown>();
  const move = async (id: string, status: string) => {
    setError(undefined);
    try {
      await must(party.PATCH('/partnership/{id}', { params: { path: { id } }, body: { status } as never, headers: MERGE_PATCH }));
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const admin = me.role === 'admin';
  return (
    <section className="panel" aria-labelledby="pp-h">
      <h2 id="pp-h">Partnerships</h2>
      <ErrorBox error={list.error ?? error} />
      {list.data && list.data.length === 0 ? <Empty>No partnerships yet.</Empty> : null}
      {list.data?.length ? (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Partner</th>
              <th scope="col">Status</th>
              <th scope="col">Tier</th>
              <th scope="col">Since</th>
              {admin ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {list.data.map((p) => {
              const other = p.dso.id === me.organizationId ? p.mno : p.dso;
              return (
                <tr key={p.id}>
                  <td>{other.name ?? other.id}</td>
                  <td>
                    <Badge value={p.status} />
                  </td>
                  <td>{p.tier}</td>
                  <td>
                    <When at={p.createdAt} />
                  </td>
                  {admin ? (
                    <td>
                      <span className="buttons">
                        {p.status === 'proposed' && p.proposedBy.id !== me.organizationId ? (
                          <button type="button" onClick={() => void move(p.id, 'active')}>
                            Activate
                          </button>
                        ) : null}
                        {p.status === 'active' ? (
                          <button type="button" onClick={() => void move(p.id, 'suspended')}>
                            Suspend
                          </button>
                        ) : null}
                        {p.status === 'suspended' ? (
                          <button type="button" onClick={() => void move(p.id, 'active')}>
                            Re-activate
                          </button>
                        ) : null}
                        {p.status !== 'terminated' ? (
                          <button type="button" onClick={() => void move(p.id, 'terminated')}>
                            Terminate
                          </button>
                        ) : null}
                      </span>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function KeyPanel() {
  const list = useLoad(() => must(party.GET('/apiKey', {})), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState('operator');
  const [created, setCreated] = useState<string>();
  const [error, setError] = useState<unknown>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const k = await must(party.POST('/apiKey', { body: { name, role } as never }));
      setCreated((k as { key?: string }).key);
      setName('');
      list.reload();
    } catch (x) {
      setError(x);
    }
  };
  const revoke = async (id: string) => {
    setError(undefined);
    try {
      await must(party.DELETE('/apiKey/{id}', { params: { path: { id } } }));
      list.reload();
    } catch (x) {
      setError(x);
    }
  };
  return (
    <section className="panel" aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      <ErrorBox error={list.error ?? error} />
      {created ? (
        <p className="notice" role="status">
          New key (shown once): <code className="mono">{created}</code>
        </p>
      ) : null}
      {list.data?.length ? (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Prefix</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>{k.role}</td>
                <td className="mono">{k.prefix}</td>
                <td>
                  <When at={k.lastUsedAt} />
                </td>
                <td>
                  {k.revokedAt ? (
                    'revoked'
                  ) : (
                    <button type="button" onClick={() => void revoke(k.id)} aria-label={`Revoke ${k.name}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {!list.error ? (
        <form className="inline" onSubmit={create}>
          <Field label="New key name" id="k-name">
            <input id="k-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label="Role" id="k-role">
            <select id="k-role" value={role} onChange={(e) => setRole(e.target.value)}>
              <option>operator</option>
              <option>viewer</option>
              <option>admin</option>
            </select>
          </Field>
          <button type="submit">Create key</button>
        </form>
      ) : null}
    </section>
  );
}

function UserPanel() {
  const me = useMe();
  const list = useLoad(() => must(identity.GET('/user', {})), []);
  const [f, setF] = useState({ name: '', email: '', role: 'operator', password: '' });
  const [error, setError] = useState<unknown>();
  const run = async (fn: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await fn();
      list.reload();
    } catch (x) {
      setError(x);
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await must(identity.POST('/user', { body: { ...f, role: f.role as 'operator' } }));
      setF({ name: '', email: '', role: 'operator', password: '' });
    });
  };
  return (
    <section className="panel" aria-labelledby="users-h">
      <h2 id="users-h">Users</h2>
      <ErrorBox error={list.error ?? error} />
      {list.data?.length ? (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>{u.role}</td>
                <td>
                  <Badge value={u.status} />
                </td>
                <td>
                  <When at={u.lastSignInAt} />
                </td>
                <td>
                  {u.email !== me.email ? (
                    <span className="buttons">
                      <button
                        type="button"
                        onClick={() =>
                          void run(() =>
                            must(
                              identity.PATCH('/user/{id}', {
                                params: { path: { id: u.id } },
                                body: { status: u.status === 'active' ? 'disabled' : 'active' } as never,
                                headers: MERGE_PATCH,
                              }),
                            ),
                          )
                        }
                        aria-label={`${u.status === 'active' ? 'Disable' : 'Enable'} ${u.name}`}
                      >
                        {u.status === 'active' ? 'Disable' : 'Enable'}
                      </button>
                      <button
                        type="button"
                        onClick={() => void run(() => must(identity.DELETE('/user/{id}', { params: { path: { id: u.id } } })))}
                        aria-label={`Remove ${u.name}`}
                      >
                        Remove
                      </button>
                    </span>
                  ) : (
                    <span className="muted">you</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {me.role === 'admin' ? (
        <form className="inline" onSubmit={create}>
          <Field label="Name" id="u-name">
            <input id="u-name" required value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
          </Field>
          <Field label="E-mail" id="u-email">
            <input id="u-email" type="email" required value={f.email} onChange={(e) => setF({ ...f, email: e.target.value })} />
          </Field>
          <Field label="Role" id="u-role">
            <select id="u-role" value={f.role} onChange={(e) => setF({ ...f, role: e.target.value })}>
              <option>operator</option>
              <option>viewer</option>
              <option>admin</option>
            </select>
          </Field>
          <Field label="Initial password" id="u-pass">
            <input
              id="u-pass"
              type="password"
              autoComplete="new-password"
              required
              minLength={12}
              value={f.password}
              onChange={(e) => setF({ ...f, password: e.target.value })}
            />
          </Field>
          <button type="submit">Add user</button>
        </form>
      ) : null}
    </section>
  );
}

const HUB_APIS = [
  ['Trouble tickets', () => tickets.GET('/hub', {})],
  ['Energy outages', () => outages.GET('/hub', {})],
  ['Network status', () => network.GET('/hub', {})],
  ['Service problems', () => problems.GET('/hub', {})],
  ['Incidents', () => incidents.GET('/hub', {})],
  ['Party', () => party.GET('/hub', {})],
  ['Reports', () => report.GET('/hub', {})],
] as const;

interface HubRow {
  api: string;
  id: string;
  callback: string;
  query?: string;
  deliveryState?: { backlog: number; consecutiveFailures: number; deadLettered: number; lastError?: string; lastSuccess?: string };
  healthCheck?: { ok: boolean; checkedAt: string };
}

function HubPanel() {
  const hubs = useLoad(async () => {
    const answers = await Promise.all(HUB_APIS.map(async ([api, get]) => ({ api, r: await get() })));
    const out: HubRow[] = [];
    let denied: unknown;
    for (const { api, r } of answers) {
      if (!r.response.ok) {
        denied = new ApiError(r.response.status, (r.error ?? {}) as TmfError);
        continue;
      }
      for (const h of (r.data ?? []) as unknown as HubRow[]) out.push({ ...h, api });
    }
    if (out.length === 0 && denied) throw denied;
    return out;
  }, []);
  return (
    <section className="panel" aria-labelledby="hubs-h">
      <h2 id="hubs-h">Webhook subscriptions</h2>
      <ErrorBox error={hubs.error} />
      {!hubs.data && !hubs.error ? <p className="muted">Loading…</p> : null}
      {hubs.data && hubs.data.length === 0 ? (
        <Empty>No webhook subscriptions. Integrators register them on each API&apos;s /hub.</Empty>
      ) : null}
      {hubs.data?.length ? (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">API</th>
              <th scope="col">Callback</th>
              <th scope="col">Health</th>
              <th scope="col">Backlog</th>
              <th scope="col">Failures</th>
              <th scope="col">Dead letters</th>
              <th scope="col">Last success</th>
            </tr>
          </thead>
          <tbody>
            {hubs.data.map((h) => {
              const d = h.deliveryState;
              const healthy = d ? d.consecutiveFailures === 0 && d.deadLettered === 0 : true;
              return (
                <tr key={h.id}>
                  <td>{h.api}</td>
                  <td className="mono">{h.callback}</td>
                  <td>
                    <Badge value={healthy ? 'healthy' : 'failing'} />
                    {d?.lastError ? <div className="small muted">{d.lastError}</div> : null}
                  </td>
                  <td>{d?.backlog ?? 0}</td>
                  <td>{d?.consecutiveFailures ?? 0}</td>
                  <td>{d?.deadLettered ?? 0}</td>
                  <td>
                    <When at={d?.lastSuccess} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

export function Admin() {
  const me = useMe();
  return (
    <section>
      <h1>Partners &amp; administration</h1>
      {me.role !== 'admin' ? <p className="muted">You are signed in as {me.role}: changes here need an administrator.</p> : null}
      <PartnershipPanel />
      {me.role === 'admin' ? <UserPanel /> : null}
      {me.role === 'admin' ? <KeyPanel /> : null}
      <HubPanel />
    </section>
  );
}
