import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';

/**
 * Whether the database is reachable, as far as this process knows (issue 12). Nothing
 * polls while all is well: any component that meets a connection error calls `suspect()`,
 * which probes at once with a fresh connection. A failed probe marks the database down
 * and probing continues with backoff (100 ms doubling to 1 s, so a returning database is
 * noticed within a second); the first successful probe marks it up again and emits 'up',
 * on which listeners (relay LISTEN, webhook worker) resume without waiting for a timer.
 */
export interface DbHealth {
  isUp(): boolean;
  /** Since when the database has been down (undefined while up). */
  downSince(): Date | undefined;
  /** A connection error was seen: probe now (and keep probing while down). */
  suspect(err?: unknown): void;
  /** Resolves when the database is up (at once if it is). */
  whenUp(): Promise<void>;
  on(event: 'up' | 'down', listener: () => void): void;
  off(event: 'up' | 'down', listener: () => void): void;
  close(): void;
}

const PROBE_TIMEOUT_MS = 2_000;
const MAX_PROBE_INTERVAL_MS = 1_000;

export function createDbHealth(url: string, log?: Logger): DbHealth {
  const events = new EventEmitter();
  events.setMaxListeners(50);
  let up = true;
  let since: Date | undefined;
  let probing = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = 100;
  let closed = false;

  const probe = async (): Promise<boolean> => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS, application_name: 'gridlink-probe' });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  const loop = async () => {
    timer = undefined;
    if (probing || closed) return;
    probing = true;
    try {
      const ok = await probe();
      if (closed) return;
      if (ok) {
        delay = 100;
        if (!up) {
          up = true;
          log?.info({ downMs: since ? Date.now() - since.getTime() : undefined }, 'database is reachable again');
          since = undefined;
          events.emit('up');
        }
        return;
      }
      if (up) {
        up = false;
        since = new Date();
        log?.error('database unreachable: answering 503 and retrying with backoff');
        events.emit('down');
      }
      timer = setTimeout(() => void loop(), delay);
      timer.unref();
      delay = Math.min(MAX_PROBE_INTERVAL_MS, delay * 2);
    } finally {
      probing = false;
    }
  };

  return {
    isUp: () => up,
    downSince: () => since,
    suspect() {
      if (closed || probing || timer) return;
      void loop();
    },
    whenUp() {
      if (up) return Promise.resolve();
      return new Promise((resolve) => events.once('up', resolve));
    },
    on: (e, l) => void events.on(e, l),
    off: (e, l) => void events.off(e, l),
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
