import crypto from 'node:crypto';

/**
 * Webhook signatures. Each delivery carries
 *   X-Gridlink-Timestamp: <unix seconds>
 *   X-Gridlink-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * A receiver recomputes the HMAC over the raw body, compares in constant time and
 * rejects timestamps older than its tolerance (replay protection).
 */
export const SIGNATURE_HEADER = 'x-gridlink-signature';
export const TIMESTAMP_HEADER = 'x-gridlink-timestamp';

export function sign(secret: string, timestamp: number, body: string): string {
  return 'v1=' + crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function verifySignature(opts: {
  secret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): boolean {
  const ts = Number(opts.timestamp);
  if (!opts.signature || !Number.isInteger(ts)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(sign(opts.secret, ts, opts.body));
  const given = Buffer.from(opts.signature);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}

export function newSecret(): string {
  return 'whsec_' + crypto.randomBytes(32).toString('base64url');
}
