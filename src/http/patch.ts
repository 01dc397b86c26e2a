import fastJsonPatch from 'fast-json-patch';
import { AppError, badRequest, unprocessable } from './errors.js';
import type { JsonSchema } from './tmfQuery.js';

const { applyPatch, JsonPatchError } = fastJsonPatch;

export type JsonObject = Record<string, unknown>;

/** A JSON object (not null, not an array): what a request body or a stored document is. */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A request body that the pipeline validated against an object schema, as a JSON object (for
 * handlers whose operation id is computed, which `operationHandlers` cannot type). Anything
 * else is a 400, never a cast.
 */
export function objectBody(body: unknown): JsonObject {
  if (!isJsonObject(body)) throw badRequest('The request body must be a JSON object', 'INVALID_BODY');
  return body;
}

/** The objects of an array value (none when it is not an array). */
export function objectsIn(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isJsonObject) : [];
}

/** A string value, else undefined. */
export function stringIn(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The `id` of a reference (an object with a string `id`), else undefined. */
export function idIn(v: unknown): string | undefined {
  return isJsonObject(v) ? stringIn(v.id) : undefined;
}

/** RFC 7386 JSON Merge Patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

/** RFC 6902 JSON Patch on a copy; a failed `test` is a 409, a bad path a 422. */
export function jsonPatch(target: JsonObject, ops: JsonPatchOp[]): JsonObject {
  const copy = structuredClone(target);
  try {
    return applyPatch(copy, ops as never, true, true).newDocument as JsonObject;
  } catch (e) {
    if (e instanceof JsonPatchError) {
      const op = ops[e.index ?? 0];
      if (e.name === 'TEST_OPERATION_FAILED')
        throw new AppError(409, 'PATCH_TEST_FAILED', 'Conflict', `JSON Patch test failed at ${op?.path ?? '?'}`);
      throw unprocessable(
        `JSON Patch operation ${e.index ?? 0} (${op?.op ?? '?'} ${op?.path ?? '?'}) cannot be applied: ${e.message.split('\n')[0]}`,
        'INVALID_PATCH',
      );
    }
    throw badRequest('Invalid JSON Patch document', 'INVALID_PATCH');
  }
}

/** Top-level attributes whose value differs between two documents. */
export function changedAttributes(before: JsonObject, after: JsonObject): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/**
 * Rewrites every `format: date-time` string to ISO-8601 UTC with milliseconds, so stored
 * documents compare correctly as text in JSONPath filters.
 */
export function normalizeDateTimes(value: unknown, schema: JsonSchema | undefined): unknown {
  if (!schema || value === null || value === undefined) return value;
  if (typeof value === 'string' && schema.format === 'date-time') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : d.toISOString();
  }
  if (Array.isArray(value)) return value.map((v) => normalizeDateTimes(v, schema.items));
  if (isJsonObject(value) && schema.properties) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeDateTimes(v, schema.properties[k]);
    return out;
  }
  return value;
}
