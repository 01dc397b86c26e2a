import type { Operation } from 'openapi-backend';
import type { LoadedApi } from '../http/openapi.js';
import { isJsonObject } from '../http/patch.js';

/**
 * A Postman collection (format v2.1) generated from the loaded OpenAPI documents: one
 * folder per API, one request per operation. Authentication is a collection-level Bearer
 * token `{{apiKey}}` (an organisation API key or an OAuth access token), the server is
 * `{{baseUrl}}`; operations that need no credential (`security: []`) say `noauth`.
 * Optional query parameters and headers are listed but disabled; bodies are the
 * document's example, or a skeleton of the schema's required properties.
 */

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

type Schema = Record<string, unknown>;
interface Param {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
  example?: unknown;
}
interface KeyValue {
  key: string;
  value: string;
  description?: string;
  disabled?: boolean;
  type?: string;
}

export interface PostmanRequestItem {
  name: string;
  request: {
    method: string;
    description?: string;
    header: KeyValue[];
    url: { raw: string; host: string[]; path: string[]; query?: KeyValue[]; variable?: KeyValue[] };
    body?: { mode: 'raw'; raw: string; options?: { raw: { language: string } } };
    auth?: { type: 'noauth' };
  };
}

export interface PostmanCollection {
  info: { name: string; description: string; schema: string };
  auth: { type: 'bearer'; bearer: KeyValue[] };
  variable: KeyValue[];
  item: { name: string; description?: string; item: PostmanRequestItem[] }[];
}

/** A schema (after dereferencing, every schema in the documents is an object). */
const schemaIn = (v: unknown): Schema | undefined => (isJsonObject(v) ? v : undefined);

function exampleOf(schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 8) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  for (const k of ['oneOf', 'anyOf'] as const) {
    const alts = schema[k];
    if (Array.isArray(alts) && alts.length) return exampleOf(schemaIn(alts[0]), depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((s: unknown) => exampleOf(schemaIn(s), depth + 1));
    const objects = parts.filter(isJsonObject);
    if (objects.length === parts.length) return objects.reduce((merged, p) => ({ ...merged, ...p }), {});
    return parts.find((p) => p !== undefined);
  }
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const props = schemaIn(schema.properties) ?? {};
      const required = Array.isArray(schema.required) ? schema.required.filter((k: unknown): k is string => typeof k === 'string') : [];
      return Object.fromEntries(required.filter((k) => props[k]).map((k) => [k, exampleOf(schemaIn(props[k]), depth + 1)]));
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return min > 0 ? [exampleOf(schemaIn(schema.items), depth + 1)] : [];
    }
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema.format === 'date') return '2026-01-01';
      if (schema.format === 'uri') return 'https://example.org/callback';
      return 'string';
    default:
      return undefined;
  }
}

/** A parameter's example value; `onlyExamples` leaves it empty rather than a type placeholder. */
function paramValue(p: Param, onlyExamples = false): string {
  const v = p.example ?? (onlyExamples ? p.schema?.example : exampleOf(p.schema));
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function bodyOf(op: Operation): PostmanRequestItem['request']['body'] & { contentType: string } {
  const content = (
    op.requestBody as { content?: Record<string, { example?: unknown; examples?: Record<string, { value?: unknown }>; schema?: Schema }> }
  ).content;
  const [contentType, media] = Object.entries(content ?? {})[0] ?? ['application/json', {}];
  const named = media.examples ? Object.values(media.examples)[0]?.value : undefined;
  const example = media.example ?? named ?? exampleOf(media.schema);
  const isJson = /json/.test(contentType);
  const raw = example === undefined ? '' : isJson || typeof example !== 'string' ? JSON.stringify(example, null, 2) : example;
  return { mode: 'raw', raw, contentType, ...(isJson ? { options: { raw: { language: 'json' } } } : {}) };
}

function requestOf(api: LoadedApi, op: Operation): PostmanRequestItem {
  const params = (op.parameters ?? []) as Param[];
  const segments = `${api.basePath}${op.path}`
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/^\{(.+)\}$/, ':$1'));
  const query = params
    .filter((p) => p.in === 'query')
    .map((p) => ({
      key: p.name,
      value: paramValue(p),
      ...(p.description ? { description: p.description } : {}),
      ...(p.required ? {} : { disabled: true }),
    }));
  const variable = params
    .filter((p) => p.in === 'path')
    .map((p) => ({ key: p.name, value: paramValue(p, true), ...(p.description ? { description: p.description } : {}) }));
  const header: KeyValue[] = params
    .filter((p) => p.in === 'header')
    .map((p) => ({ key: p.name, value: paramValue(p, true), ...(p.required ? {} : { disabled: true }) }));
  const enabledQuery = query.filter((q) => !q.disabled);
  const raw = `{{baseUrl}}/${segments.join('/')}${enabledQuery.length ? `?${enabledQuery.map((q) => `${q.key}=${q.value}`).join('&')}` : ''}`;
  const request: PostmanRequestItem['request'] = {
    method: op.method.toUpperCase(),
    ...(op.description || op.summary ? { description: op.description ?? op.summary } : {}),
    header,
    url: { raw, host: ['{{baseUrl}}'], path: segments, ...(query.length ? { query } : {}), ...(variable.length ? { variable } : {}) },
  };
  if (op.requestBody) {
    const { contentType, ...body } = bodyOf(op);
    header.unshift({ key: 'Content-Type', value: contentType });
    request.body = body;
  }
  if (Array.isArray(op.security) && op.security.length === 0) request.auth = { type: 'noauth' };
  return { name: op.summary ?? op.operationId ?? `${op.method.toUpperCase()} ${op.path}`, request };
}

export function postmanCollection(apis: readonly LoadedApi[], baseUrl = 'http://localhost:3000'): PostmanCollection {
  return {
    info: {
      name: 'Gridlink',
      description:
        'Generated from the Gridlink OpenAPI documents (one folder per API). Set `baseUrl` to the server and `apiKey` to an organisation API key (`glk_...`) or an OAuth access token; it is sent as `Authorization: Bearer {{apiKey}}`.',
      schema: POSTMAN_SCHEMA,
    },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }] },
    variable: [
      { key: 'baseUrl', value: baseUrl, type: 'string' },
      { key: 'apiKey', value: '', type: 'string' },
    ],
    item: apis.map((api) => {
      const info = (api.backend.definition as { info?: { title?: string; version?: string } }).info;
      return {
        name: `${info?.title ?? api.name}${info?.version ? ` (${info.version})` : ''}`,
        description: `${api.basePath} — openapi/${api.name}.yaml`,
        item: api.backend.getOperations().map((op) => requestOf(api, op)),
      };
    }),
  };
}
