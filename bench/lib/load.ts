import autocannon from 'autocannon';
import { round, Samples, summarize } from './stats.js';

/** One load-generator run: throughput and latency of successful (2xx) responses. */
export interface LoadResult {
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  /** milliseconds, 2xx responses only (autocannon's convention), full resolution */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** connection errors and timeouts */
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  warmupS?: number;
  method?: 'GET' | 'POST' | 'PATCH';
  headers?: Record<string, string>;
  body?: string;
  /** Per-request customisation (ids, bodies); overrides method/body/path when set. */
  setupRequest?: (req: autocannon.Request) => autocannon.Request;
  timeoutS?: number;
}

function once(opts: LoadOptions, durationS: number, samples: Samples | undefined): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: durationS,
        timeout: opts.timeoutS ?? 10,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        ...(opts.body !== undefined ? { body: opts.body } : {}),
        ...(opts.setupRequest ? { requests: [{ setupRequest: opts.setupRequest }] } : {}),
      },
      (err: unknown, result: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)),
    );
    if (samples) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
      });
    }
  });
}

/** Runs an optional warm-up (discarded), then the measured run. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  if (opts.warmupS && opts.warmupS > 0) await once(opts, opts.warmupS, undefined);
  const samples = new Samples();
  const r = await once(opts, opts.durationS, samples);
  const s = summarize(samples.values());
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = v.count ?? 0;
  const total = r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'];
  return {
    connections: opts.connections,
    durationS: r.duration,
    requests: total,
    rps: round(r['2xx'] / r.duration, 1),
    p50: round(s.p50),
    p90: round(s.p90),
    p99: round(s.p99),
    max: round(s.max),
    mean: round(s.mean),
    errors: r.errors,
    non2xx: r.non2xx,
    statusCodes,
  };
}
