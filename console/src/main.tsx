import { createRoot } from 'react-dom/client';
import { useEffect, useState } from 'react';
import { MeContext } from './me';
import 'leaflet/dist/leaflet.css';
import './styles.css';
import { setAuth, whenUnauthorized } from './api';
import { connectLive, disconnectLive, useLiveState } from './live';
import { Link, navigate, useLocation } from './router';
import { resume, signOut, type Me } from './session';
import { SignIn } from './pages/SignIn';
import { TicketBoard } from './pages/Tickets';
import { TicketPage } from './pages/Ticket';
import { TicketCreate } from './pages/TicketCreate';
import { OutageList } from './pages/Outages';
import { OutagePage } from './pages/Outage';
import { OutagePublish } from './pages/OutagePublish';
import { NetworkList, NetworkPage } from './pages/Network';
import { ProblemList, ProblemPage } from './pages/Problems';
import { IncidentList, IncidentPage } from './pages/Incidents';
import { Admin } from './pages/Admin';
import { Audit } from './pages/Audit';

function LiveIndicator() {
  const s = useLiveState();
  const text = s === 'live' ? 'Live' : s === 'connecting' ? 'Connecting…' : s === 'reconnecting' ? 'Reconnecting…' : 'Offline';
  return (
    <span className={`live live-${s}`} role="status" aria-live="polite" data-testid="live-state" data-state={s}>
      <span className="dot" aria-hidden="true" /> {text}
    </span>
  );
}

const NAV: [string, string][] = [
  ['/tickets', 'Tickets'],
  ['/outages', 'Outages'],
  ['/network', 'Network status'],
  ['/problems', 'Problems'],
  ['/incidents', 'Incidents'],
  ['/admin', 'Partners & admin'],
  ['/audit', 'Audit'],
];

function Page({ path }: { path: string }) {
  const seg = path.split('/').filter(Boolean);
  const [area, id] = [seg[0] ?? 'tickets', seg[1]];
  switch (area) {
    case 'tickets':
      return id === 'new' ? <TicketCreate /> : id ? <TicketPage id={id} /> : <TicketBoard />;
    case 'outages':
      return id === 'new' ? <OutagePublish /> : id ? <OutagePage id={id} /> : <OutageList />;
    case 'network':
      return id ? <NetworkPage id={id} /> : <NetworkList />;
    case 'problems':
      return id ? <ProblemPage id={id} /> : <ProblemList />;
    case 'incidents':
      return id ? <IncidentPage id={id} /> : <IncidentList />;
    case 'admin':
      return <Admin />;
    case 'audit':
      return <Audit />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            Nothing here. <Link to="/tickets">Go to the tickets</Link>.
          </p>
        </section>
      );
  }
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [ended, setEnded] = useState(false);
  const { path } = useLocation();
  useEffect(() => {
    whenUnauthorized(() => {
      setAuth({});
      setEnded(true);
      setMe(null);
    });
    void resume().then((m) => setMe(m ?? null));
  }, []);
  useEffect(() => {
    if (me) connectLive();
    else disconnectLive();
  }, [me]);
  useEffect(() => {
    if (me === null && path !== '/signin') navigate('/signin', true);
    if (me && (path === '/signin' || path === '/')) navigate('/tickets', true);
  }, [me, path]);

  if (me === undefined) return <p className="loading">Loading…</p>;
  if (me === null)
    return (
      <SignIn
        notice={ended ? 'Your session has ended. Sign in again.' : undefined}
        onSignedIn={(m) => {
          setEnded(false);
          setMe(m);
        }}
      />
    );
  const area = '/' + (path.split('/')[1] ?? '');
  return (
    <MeContext.Provider value={me}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Gridlink</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([to, label]) => (
              <li key={to}>
                <Link to={to} aria-current={area === to ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <LiveIndicator />
        <span className="who" data-testid="who">
          <span>{me.name}</span>
          <span className="org">
            {me.organizationName} · {me.organizationKind} {me.role}
          </span>
        </span>
        <button
          type="button"
          onClick={() => {
            void signOut(me).then(() => setMe(null));
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </MeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
