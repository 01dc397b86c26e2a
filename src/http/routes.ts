import type { Operation } from 'openapi-backend';
import { badRequest } from './errors.js';

/**
 * Route table of one OpenAPI document, compiled once at start-up.
 *
 * openapi-backend's own router (`matchOperation`) rebuilds the flattened operation list
 * with lodash and compiles a RegExp per operation on every request; profiling the
 * get-by-id path showed it at ~20 % of the process's CPU (docs/notes/performance.md).
 * Matching here follows the same rules: an exact path wins, then templates ordered by
 * the length of their literal part; a path that exists with another method is a 405.
 */
export interface Route {
  readonly method: string;
  readonly operation: Operation;
  readonly pattern: RegExp;
  readonly names: string[];
  readonly literalLength: number;
}

export type RouteMatch =
  | { kind: 'match'; operation: Operation; params: Record<string, string> }
  | { kind: 'methodNotAllowed'; allowed: string[] }
  | { kind: 'notFound' };

const METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileRoutes(operations: Operation[]): Route[] {
  return operations
    .map((operation) => {
      const names: string[] = [];
      const source = operation.path
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const m = /^\{([^}]+)\}$/.exec(part);
          if (!m) return escape(part);
          names.push(m[1]!);
          return '([^/]+)';
        })
        .join('');
      return {
        method: operation.method.toUpperCase(),
        operation,
        pattern: new RegExp(`^${source}$`),
        names,
        literalLength: operation.path.replace(/\{[^}]*\}/g, '').length,
      };
    })
    .sort((a, b) => Number(b.names.length === 0) - Number(a.names.length === 0) || b.literalLength - a.literalLength);
}

export function matchRoute(routes: Route[], method: string, rawPath: string): RouteMatch {
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  const verb = method.toUpperCase();
  let allowed: string[] | undefined;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method !== verb) {
      (allowed ??= []).push(r.method);
      continue;
    }
    const params: Record<string, string> = {};
    r.names.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(m[i + 1]!);
      } catch {
        throw badRequest(`Malformed percent-encoding in path parameter ${name}`, 'INVALID_PARAMETER');
      }
    });
    return { kind: 'match', operation: r.operation, params };
  }
  return allowed ? { kind: 'methodNotAllowed', allowed: METHOD_ORDER.filter((x) => allowed.includes(x)) } : { kind: 'notFound' };
}
