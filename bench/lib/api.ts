/** Minimal JSON client for the platform's APIs (setup steps, not measured load). */
export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; contentType?: string; timeoutMs?: number } = {},
): Promise<ApiResponse<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'Content-Type': opts.contentType ?? 'application/json' } : {}),
    },
    ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** Like api(), but throws unless the status is the expected one. */
export async function expectApi<T = Record<string, unknown>>(expected: number, ...args: Parameters<typeof api>): Promise<ApiResponse<T>> {
  const r = await api<T>(...args);
  if (r.status !== expected)
    throw new Error(`${args[1]} ${args[2]}: expected ${expected}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 500)}`);
  return r;
}
