import crypto from 'node:crypto';
import { parseApiKey } from '../auth/apiKeys.js';

/**
 * GW-3 "source" of a request: the API key (by its public prefix), another bearer token
 * (by a digest, never the token itself), or the client address when no credential came.
 */
export function sourcesOf(authorization: string | undefined, ip: string | undefined): { primary: string; all: string[] } {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const ipSource = `ip:${ip ?? 'unknown'}`;
  if (!m) return { primary: ipSource, all: [ipSource] };
  const key = parseApiKey(m[1]!);
  const primary = key ? `key:${key.prefix}` : `token:${crypto.createHash('sha256').update(m[1]!).digest('hex').slice(0, 24)}`;
  return { primary, all: [primary, ipSource] };
}
