import type { LoadedApi } from '../http/openapi.js';
import type { JsonSchema, SortKey } from '../http/tmfQuery.js';

/** A dereferenced component schema from one of the loaded OpenAPI documents. */
export function componentSchema(apis: LoadedApi[], apiName: string, schemaName: string): JsonSchema {
  const api = apis.find((a) => a.name === apiName);
  const schemas = (api?.backend.definition as { components?: { schemas?: Record<string, JsonSchema> } } | undefined)?.components?.schemas;
  const schema = schemas?.[schemaName];
  if (!schema) throw new Error(`OpenAPI document ${apiName}.yaml has no schema ${schemaName}`);
  return schema;
}

export const byCreation: SortKey[] = [{ attribute: 'createdAt', descending: false }];

/** `201 Created` with `Location` and the created body. */
export function created<T extends { href?: unknown }>(resource: T) {
  return { status: 201, body: resource, headers: { Location: String(resource.href) } };
}

/** The response with a `Warning` header added when there is one (an accepted, ignored input). */
export function withWarning<R extends { headers: Record<string, string> }>(res: R, warning: string | undefined): R {
  return warning ? { ...res, headers: { ...res.headers, Warning: warning } } : res;
}
