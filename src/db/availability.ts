/**
 * Whether an error means "the database is away" (refused, terminated, restarting, pool
 * exhausted while reconnecting) rather than "the database refused this statement".
 * The first kind is retried or answered 503 with Retry-After; the second is a bug or a
 * client error. Prisma wraps node-postgres errors, so the cause chain is walked.
 */
const SQLSTATE_AWAY = /^(08|57P0[1-3]|53300)/;
const CODES_AWAY = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED', 'EAI_AGAIN']);
const PRISMA_AWAY = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const MESSAGES_AWAY =
  /Connection terminated|connection error|Connection closed|not queryable|timeout exceeded when trying to connect|terminating connection|the database system is (starting up|shutting down|in recovery mode)|server closed the connection|Can't reach database server|ECONNREFUSED|ECONNRESET|Client was closed|Cannot use a pool after calling end|DatabaseNotReachable|ConnectionClosed|TooManyConnections/i;

export function isConnectionError(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 6) return false;
  const err = e as {
    code?: unknown;
    errno?: unknown;
    message?: unknown;
    cause?: unknown;
    kind?: unknown;
    meta?: { driverAdapterError?: unknown };
    errors?: unknown[];
  };
  if (typeof err.code === 'string' && (CODES_AWAY.has(err.code) || PRISMA_AWAY.has(err.code))) return true;
  if (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) && SQLSTATE_AWAY.test(err.code)) return true;
  if (typeof err.kind === 'string' && /ConnectionClosed|DatabaseNotReachable|SocketTimeout|TooManyConnections/.test(err.kind)) return true;
  if (typeof err.message === 'string' && MESSAGES_AWAY.test(err.message)) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => isConnectionError(x, depth + 1))) return true;
  return isConnectionError(err.cause, depth + 1) || isConnectionError(err.meta?.driverAdapterError, depth + 1);
}
