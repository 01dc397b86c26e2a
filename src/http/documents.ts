import type { HandlerMap, HttpResult, RequestContext } from './context.js';

/**
 * Handler types from the OpenAPI documents (issue 15 point 5). `npm run sdk:generate` (run by
 * `pretest` and `build`) writes each document's `paths`/`operations`/`components` types with
 * openapi-typescript to `src/generated/openapi/<document>.ts` (git-ignored); a module types
 * its handlers with its document's `operations`, so `ctx.body` and `ctx.params` have the
 * declared types instead of a cast at each use.
 */

type ContentOf<Op> = Op extends { requestBody?: infer R }
  ? [NonNullable<R>] extends [never]
    ? never
    : NonNullable<R> extends { content: infer C }
      ? C
      : never
  : never;

/** The request body an operation declares: the union of its media types' schemas. */
export type BodyOf<Op> = [ContentOf<Op>] extends [never] ? undefined : ContentOf<Op>[keyof ContentOf<Op>];

/** The path parameters an operation declares (`{ id: string }`). */
export type PathOf<Op> = Op extends { parameters: { path?: infer P } }
  ? [NonNullable<P>] extends [never]
    ? Record<string, never>
    : NonNullable<P>
  : Record<string, never>;

/** A document's schema by name: `SchemaOf<components, 'TroubleTicket_FVO'>`. */
export type SchemaOf<Components, Name extends string> = Components extends { schemas: Record<Name, infer S> } ? S : never;

export type OperationHandler<Op> = (ctx: RequestContext<BodyOf<Op>, PathOf<Op>>) => Promise<HttpResult>;

export type OperationHandlers<Ops> = { [K in keyof Ops]?: OperationHandler<Ops[K]> };

/**
 * Handlers typed by a document's operations, turned into the untyped map the router uses. Sound
 * because the pipeline validated the body and the parameters against the same schemas
 * before a handler runs (http/openapi.ts `parseBody`, `validateParameters`); an operation
 * id the document does not have is a compile error.
 */
export function operationHandlers<Ops>(handlers: OperationHandlers<Ops>): HandlerMap {
  return handlers as HandlerMap;
}
