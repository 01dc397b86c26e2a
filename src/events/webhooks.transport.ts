import net from 'node:net';
import { Client } from 'undici';
import type { Config } from '../config.js';
import { sign } from './signature.js';

/**
 * Webhook transport (issue 12): one keep-alive connection per subscription with up to
 * `pipeline` requests in flight, signed requests, and the classification of a failed
 * attempt. The delivery loop (webhooks.ts) decides what to send and records the outcome.
 */
export interface Attempt {
  ok: boolean;
  status: number | undefined;
  latencyMs: number;
  error: string | undefined;
}

/** Keep-alive connections to a callback are closed after this long unused. */
const IDLE_CLIENT_MS = 30_000;

export function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.internal') || h.endsWith('.local')) return true;
  if (net.isIPv4(h)) {
    const [a, b] = h.split('.').map(Number) as [number, number];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (net.isIPv6(h))
    return h === '::1' || h === '::' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80') || h.startsWith('::ffff:');
  return false;
}

export function createTransport(deps: {
  webhooks: Config['webhooks'];
  now: () => Date;
  /** Whether a subscription is being delivered right now (its connection is kept). */
  busy: (subscriptionId: string) => boolean;
}) {
  const wh = deps.webhooks;
  const now = deps.now;
  /**
   * One keep-alive connection per subscription, with up to `pipeline` requests in flight on
   * it (HTTP/1.1 pipelining): requests leave and are answered in the order they were
   * issued, so a receiver sees a subscription's events in sequence order (issue 12).
   */
  const clients = new Map<string, { origin: string; client: Client; usedAt: number }>();
  const clientFor = (sub: { id: string }, url: URL) => {
    const had = clients.get(sub.id);
    if (had && had.origin === url.origin && !had.client.destroyed && !had.client.closed) {
      had.usedAt = Date.now();
      return had.client;
    }
    if (had) void had.client.destroy().catch(() => undefined);
    const client = new Client(url.origin, {
      pipelining: wh.pipeline,
      keepAliveTimeout: 10_000,
      connect: { timeout: wh.timeoutMs },
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    clients.set(sub.id, { origin: url.origin, client, usedAt: Date.now() });
    return client;
  };
  const closeIdle = (all = false) => {
    for (const [id, c] of clients) {
      if (all || (Date.now() - c.usedAt > IDLE_CLIENT_MS && !deps.busy(id))) {
        clients.delete(id);
        void c.client.close().catch(() => undefined);
      }
    }
  };

  const post = async (
    sub: { id: string; callback: string; secret: string },
    body: string,
    eventId: string,
    sequence?: number,
    contentType = 'application/json',
  ): Promise<Attempt> => {
    const ts = Math.floor(now().getTime() / 1000);
    const started = Date.now();
    try {
      const url = new URL(sub.callback);
      const res = await clientFor(sub, url).request({
        path: url.pathname + url.search,
        method: 'POST',
        // Deliveries carry an idempotency key, so they may be pipelined and repeated; a
        // receiver answers each at once, so one does not hold up the ones behind it.
        idempotent: true,
        blocking: false,
        signal: AbortSignal.timeout(wh.timeoutMs),
        headers: {
          'Content-Type': contentType,
          'User-Agent': 'Gridlink-Webhooks/1',
          'Idempotency-Key': eventId,
          'X-Gridlink-Event-Id': eventId,
          'X-Gridlink-Subscription': sub.id,
          ...(sequence !== undefined ? { 'X-Gridlink-Sequence': String(sequence) } : {}),
          'X-Gridlink-Timestamp': String(ts),
          'X-Gridlink-Signature': sign(sub.secret, ts, body),
        },
        body,
      });
      await res.body.dump().catch(() => undefined);
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return {
        ok,
        status: res.statusCode,
        latencyMs: Date.now() - started,
        error: ok ? undefined : `endpoint answered HTTP ${res.statusCode}`,
      };
    } catch (e) {
      const err = e as { name?: string; code?: string; cause?: { code?: string; message?: string }; message?: string };
      const reason =
        err.name === 'TimeoutError' || err.code === 'UND_ERR_CONNECT_TIMEOUT'
          ? `endpoint did not answer within ${wh.timeoutMs} ms`
          : `endpoint unreachable: ${err.code && !err.code.startsWith('UND_ERR') ? err.code : (err.cause?.code ?? err.message ?? 'network error')}`;
      return { ok: false, status: undefined, latencyMs: Date.now() - started, error: reason };
    }
  };

  return { post, closeIdle };
}
