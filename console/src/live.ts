import { io, type Socket } from 'socket.io-client';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { apiKeyInUse, sessionRefused } from './api';

/** A delivered event: the TMF envelope plus Gridlink's sequence (README, Socket.IO protocol). */
export interface LiveEvent {
  sequence: number;
  eventId?: string;
  eventTime?: string;
  eventType: string;
  event?: Record<string, { id?: string } & Record<string, unknown>>;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';

type Listener = (e: LiveEvent) => void;
const listeners = new Set<Listener>();
const resumeListeners = new Set<() => void>();
const stateListeners = new Set<() => void>();
let state: LiveState = 'offline';
let socket: Socket | undefined;
let lastSequence: number | undefined;
let everReady = false;

function setState(s: LiveState) {
  state = s;
  for (const l of stateListeners) l();
}

/**
 * Connects to the platform's Socket.IO stream: the session cookie (same origin) or the API
 * key authenticates the handshake. On reconnect the last sequence seen is sent, so the
 * server replays what was missed before the live stream goes on.
 */
export function connectLive(): void {
  disconnectLive();
  everReady = false;
  lastSequence = undefined;
  setState('connecting');
  const s = io({
    path: '/socket.io',
    withCredentials: true,
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 3000,
    auth: (cb) => {
      const key = apiKeyInUse();
      cb({ ...(key ? { token: key } : {}), ...(lastSequence !== undefined ? { lastSequence } : {}) });
    },
  });
  socket = s;
  s.on('event', (e: LiveEvent) => {
    if (typeof e.sequence === 'number') lastSequence = Math.max(lastSequence ?? 0, e.sequence);
    for (const l of listeners) l(e);
  });
  s.on('ready', (r: { lastSequence: number | null }) => {
    if (r.lastSequence !== null && lastSequence === undefined) lastSequence = r.lastSequence;
    setState('live');
    if (everReady) for (const l of resumeListeners) l();
    everReady = true;
  });
  s.on('disconnect', () => setState('reconnecting'));
  s.on('connect_error', (err: Error & { data?: { status?: string } }) => {
    // The handshake refused the credential (the session ended): back to the sign-in page.
    if (err.data?.status === '401') sessionRefused();
    setState(everReady ? 'reconnecting' : 'connecting');
  });
  s.io.on('reconnect_attempt', () => setState('reconnecting'));
}

export function disconnectLive(): void {
  socket?.removeAllListeners();
  socket?.disconnect();
  socket = undefined;
  setState('offline');
}

/** Test hook and "reconnect now" button: drops the connection; the client reconnects and resumes. */
export function dropLive(): void {
  socket?.io.engine?.close();
}

export function useLiveState(): LiveState {
  return useSyncExternalStore(
    (cb) => {
      stateListeners.add(cb);
      return () => stateListeners.delete(cb);
    },
    () => state,
  );
}

/** A counter bumped by matching live events: add it to a data-loading effect's dependencies. */
export function useLiveTick(prefixes: string[], match?: (e: LiveEvent) => boolean): number {
  const [tick, setTick] = useState(0);
  const key = prefixes.join(',');
  useEffect(() => {
    const l: Listener = (e) => {
      if (prefixes.some((p) => e.eventType.startsWith(p)) && (!match || match(e))) setTick((t) => t + 1);
    };
    const r = () => setTick((t) => t + 1);
    listeners.add(l);
    resumeListeners.add(r);
    return () => {
      listeners.delete(l);
      resumeListeners.delete(r);
    };
  }, [key]);
  return tick;
}

/** The resource carried by an event (the single value of `event`). */
export function eventResource(e: LiveEvent): ({ id?: string } & Record<string, unknown>) | undefined {
  return e.event ? Object.values(e.event)[0] : undefined;
}
