import { isConnectionError } from '../db/availability.js';

/**
 * Typed domain errors and their one mapping to the TMF630 `Error` body.
 * Services throw these; the error middleware renders them. Anything else becomes a
 * logged, generic 500 that reveals nothing.
 */
export interface TmfError {
  code: string;
  reason: string;
  message: string;
  status: string;
  '@type': 'Error';
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): TmfError {
    return { code: this.code, reason: this.reason, message: this.message, status: String(this.status), '@type': 'Error' };
  }
}

export const badRequest = (message: string, code = 'INVALID_REQUEST') => new AppError(400, code, 'Bad Request', message);
export const unauthorized = (message: string) =>
  new AppError(401, 'UNAUTHORIZED', 'Unauthorized', message, { 'WWW-Authenticate': 'Bearer realm="gridlink"' });
export const forbidden = (message: string) => new AppError(403, 'FORBIDDEN', 'Forbidden', message);
export const notFound = (what: string, id?: string) =>
  new AppError(404, 'NOT_FOUND', 'Not Found', id ? `${what} ${id} does not exist` : `${what} does not exist`);
export const conflict = (message: string, code = 'CONFLICT') => new AppError(409, code, 'Conflict', message);
export const unprocessable = (message: string, code = 'UNPROCESSABLE') => new AppError(422, code, 'Unprocessable Entity', message);

/** Seconds a client is asked to wait while the database is away (it is probed every second). */
export const DATABASE_RETRY_AFTER_S = 2;
/** Issue 12: the database is away (restarting, unreachable); nothing was done, retry later. */
export const databaseUnavailable = () =>
  new AppError(
    503,
    'DATABASE_UNAVAILABLE',
    'Service Unavailable',
    'The database is temporarily unavailable; nothing was changed. Retry after the delay in Retry-After.',
    { 'Retry-After': String(DATABASE_RETRY_AFTER_S) },
  );

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The `code` of anything thrown (Node's `ERR_…`, PostgreSQL's SQLSTATE, Prisma's `P…`), if it has one. */
export function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string }; meta?: { driverAdapterError?: { cause?: { kind?: string } } } };
  return err?.code === 'P2002' || err?.code === '23505' || err?.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation';
}

/** Prisma/PostgreSQL errors a client can cause, mapped once. */
export function mapKnownError(e: unknown): AppError | undefined {
  if (e instanceof AppError) return e;
  const err = e as { code?: string; type?: string; status?: number; expose?: boolean; message?: string };
  // body-parser errors
  if (err?.type === 'entity.parse.failed') return badRequest(`Malformed JSON body: ${err.message ?? ''}`.trim(), 'MALFORMED_JSON');
  if (err?.type === 'entity.too.large')
    return new AppError(413, 'PAYLOAD_TOO_LARGE', 'Payload Too Large', 'Request body exceeds the size limit');
  if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported')
    return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type', err.message ?? 'Unsupported encoding');
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500 && err.expose)
    return new AppError(err.status, 'INVALID_REQUEST', 'Bad Request', err.message ?? 'Invalid request');
  if (isUniqueViolation(e)) return conflict('A resource with the same identity already exists', 'DUPLICATE');
  if (err?.code === 'P2025') return notFound('Resource');
  if (isConnectionError(e)) return databaseUnavailable();
  return undefined;
}
