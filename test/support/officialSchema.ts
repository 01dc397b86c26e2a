import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { expect } from 'vitest';
import type { CallOptions, Harness } from './harness.js';

/**
 * Issue 11 (conformance): responses checked against the OFFICIAL TM Forum documents
 * (unchanged copies in test/reference/tmf, so a fresh clone has them), not against our
 * own OpenAPI documents.
 *
 * The official files are used as published. They are registered whole with ajv, so every
 * internal `$ref` (`#/components/schemas/...` in OpenAPI 3, `#/definitions/...` in
 * Swagger 2) resolves through ajv itself; recursive schemas stay recursive. The documents'
 * quirks are handled here, once:
 * - `oneOf` + `discriminator` (e.g. PartyRefOrPartyRoleRef = PartyRef | PartyRoleRef, two
 *   schemas that accept the same objects) would never match exactly one branch; the
 *   discriminator is applied as the standard defines it: the branch named by `@type`
 *   (mapping), and any branch when `@type` names a subclass not in the mapping.
 * - `discriminator` elsewhere (on base classes) is documentation only and ignored.
 * - OpenAPI 3.0 `nullable: true` becomes a `null` type; `example`/`x-*` are annotations.
 * - Statuses the document does not list for an operation (412, 415, 422, 429) are checked
 *   against the document's own `Error` schema.
 */

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;

/** Where the official documents are: test/reference/tmf (or GRIDLINK_TMF_REFERENCE). */
export function officialDocumentPath(file: string): string {
  const candidates = [process.env.GRIDLINK_TMF_REFERENCE, path.resolve(import.meta.dirname, '../reference/tmf')].filter((c): c is string =>
    Boolean(c),
  );
  for (const dir of candidates) {
    const p = path.join(dir, file);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`Official document ${file} not found in ${candidates.join(', ')} (set GRIDLINK_TMF_REFERENCE)`);
}

/** Rewrites the quirks listed above; returns a new tree. */
function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (!node || typeof node !== 'object') return node;
  const src = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'discriminator' || k === 'example' || k === 'examples' || k === 'nullable' || k.startsWith('x-')) continue;
    out[k] = normalize(v);
  }
  // Only inside schemas: `examples` under `components` is a map of example objects and is
  // kept by officialApi() separately from the validated tree.
  if (src.nullable === true && typeof src.type === 'string') out.type = [src.type, 'null'];
  const disc = src.discriminator as { propertyName?: string; mapping?: Record<string, string> } | undefined;
  if (disc?.propertyName && Array.isArray(src.oneOf)) {
    const prop = disc.propertyName;
    const branches = out.oneOf as Json[];
    delete out.oneOf;
    const mapping = disc.mapping ?? {};
    const named = Object.entries(mapping).map(([value, ref]) => ({
      if: { properties: { [prop]: { const: value } }, required: [prop] },
      then: { $ref: ref },
    }));
    out.allOf = [...((out.allOf as Json[] | undefined) ?? []), ...named, { anyOf: branches }];
  }
  return out;
}

export interface OfficialResponseCheck {
  /** ajv errors, empty when the response conforms. */
  errors: ErrorObject[];
  /** What the body was checked against, e.g. `GET /troubleTicket/{id} 200`. */
  against: string;
}

export interface OfficialApi {
  readonly file: string;
  readonly document: Json;
  /** The base path our server serves this API at, e.g. `/tmf-api/troubleTicket/v5`. */
  readonly basePath: string;
  /** A validator for a named schema (`TroubleTicket`, `Incident`, ...). */
  schema(name: string): ValidateFunction;
  /** The `value` of a named example (OpenAPI 3 `components.examples`). */
  example(name: string): Json;
  /** Request examples of the document, by name (OpenAPI 3 only; Swagger 2 has none). */
  exampleNames(): string[];
  /**
   * Every request example the document attaches to an operation: name, method, path
   * template, media type and the JSON pointer of the request schema it illustrates.
   */
  requestExamples(): { name: string; method: string; template: string; mediaType: string; value: unknown; schemaPointer: string }[];
  /** Validates a value against a JSON pointer into the document (from requestExamples). */
  validateAt(pointer: string, value: unknown): ErrorObject[];
  /** Checks a response of our server against the official operation's response schema. */
  check(method: string, url: string, status: number, body: unknown): OfficialResponseCheck;
  /** `check` as a vitest assertion. */
  expectConforms(method: string, url: string, res: { status: number; body: unknown }): void;
  /** A call through the harness whose response must also conform to the official document. */
  call(harness: Pick<Harness, 'call'>, method: string, url: string, opts?: CallOptions): ReturnType<Harness['call']>;
}

const cache = new Map<string, OfficialApi>();

/**
 * Loads an official document. `basePath` is where Gridlink serves it (the official
 * `servers`/`basePath` are placeholders such as `https://serverRoot`).
 */
export function officialApi(file: string, basePath: string): OfficialApi {
  const key = `${file}|${basePath}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const p = officialDocumentPath(file);
  const text = fs.readFileSync(p, 'utf8');
  const raw = (p.endsWith('.json') ? JSON.parse(text) : YAML.parse(text)) as Json;
  const swagger2 = raw.swagger === '2.0';
  const id = `official:${file}`;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('base64', /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addSchema({ ...(normalize(raw) as Json), $id: id });

  const validators = new Map<string, ValidateFunction>();
  const compileRef = (pointer: string): ValidateFunction => {
    let v = validators.get(pointer);
    if (!v) {
      v = ajv.compile({ $ref: `${id}${pointer}` });
      validators.set(pointer, v);
    }
    return v;
  };
  const schemaPointer = (name: string) => (swagger2 ? `#/definitions/${name}` : `#/components/schemas/${name}`);
  const resolve = (obj: Json | undefined): Json | undefined => {
    let o = obj;
    for (let i = 0; o && typeof o.$ref === 'string' && i < 10; i++) {
      const parts = (o.$ref as string).replace(/^#\//, '').split('/');
      o = parts.reduce<unknown>((acc, s) => (acc as Json | undefined)?.[s.replace(/~1/g, '/').replace(/~0/g, '~')], raw) as
        Json | undefined;
    }
    return o;
  };

  const paths = Object.keys(raw.paths as Json).map((template) => ({
    template,
    regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));

  /** JSON pointer (into the document) of the schema for a response, or undefined if none. */
  const responseSchemaPointer = (template: string, method: string, status: number): string | undefined => {
    const op = (raw.paths as Record<string, Json>)[template]?.[method.toLowerCase()] as Json | undefined;
    const responses = (op?.responses ?? {}) as Json;
    const declared = responses[String(status)] as Json | undefined;
    if (!declared) return undefined;
    const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
    const base = `#/paths/${esc(template)}/${method.toLowerCase()}/responses/${status}`;
    if (swagger2) return declared.schema ? `${base}/schema` : undefined;
    // OpenAPI 3: the response may itself be a $ref to components/responses.
    let pointer = base;
    if (typeof declared.$ref === 'string') pointer = declared.$ref as string;
    const resolved = resolve(declared);
    const content = resolved?.content as Record<string, Json> | undefined;
    if (!content) return undefined;
    const mediaType = Object.keys(content).find((t) => t.includes('json'));
    if (!mediaType || !content[mediaType]!.schema) return undefined;
    return `${pointer}/content/${esc(mediaType)}/schema`;
  };

  const api: OfficialApi = {
    file,
    document: raw,
    basePath,
    schema: (name) => compileRef(schemaPointer(name)),
    example(name) {
      const ex = ((raw.components as Json | undefined)?.examples as Record<string, Json> | undefined)?.[name];
      if (!ex) throw new Error(`${file}: no example ${name}`);
      return structuredClone(ex.value) as Json;
    },
    exampleNames: () => Object.keys(((raw.components as Json | undefined)?.examples as Json | undefined) ?? {}),
    requestExamples() {
      if (swagger2) return [];
      const out: ReturnType<OfficialApi['requestExamples']> = [];
      const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
      for (const [template, item] of Object.entries(raw.paths as Record<string, Json>)) {
        for (const [method, op] of Object.entries(item)) {
          const rb = (op as Json).requestBody as Json | undefined;
          if (!rb) continue;
          const pointerBase = typeof rb.$ref === 'string' ? (rb.$ref as string) : `#/paths/${esc(template)}/${method}/requestBody`;
          const content = (resolve(rb)?.content ?? {}) as Record<string, Json>;
          for (const [mediaType, media] of Object.entries(content)) {
            for (const [name, ex] of Object.entries((media.examples ?? {}) as Record<string, Json>)) {
              const value = resolve(ex)?.value;
              if (value === undefined || !media.schema) continue;
              out.push({ name, method, template, mediaType, value, schemaPointer: `${pointerBase}/content/${esc(mediaType)}/schema` });
            }
          }
        }
      }
      return out;
    },
    validateAt(pointer, value) {
      const v = compileRef(pointer);
      return v(value) ? [] : [...(v.errors ?? [])];
    },
    check(method, url, status, body) {
      const pathOnly = url.split('?')[0]!;
      if (!pathOnly.startsWith(basePath)) throw new Error(`${url} is not under ${basePath}`);
      const rel = pathOnly.slice(basePath.length) || '/';
      const match = paths.find((p) => p.regex.test(rel));
      if (!match) throw new Error(`${file}: no official path matches ${rel}`);
      let pointer = responseSchemaPointer(match.template, method, status);
      let against = `${method.toUpperCase()} ${match.template} ${status}`;
      if (!pointer && status >= 400) {
        pointer = schemaPointer('Error');
        against = `${against} (Error, status not listed by the document)`;
      }
      if (!pointer) {
        if (status === 204 || body === undefined || body === '' || (body && typeof body === 'object' && !Object.keys(body).length))
          return { errors: [], against: `${against} (no body)` };
        throw new Error(`${file}: ${against} is not a response the document defines`);
      }
      const validate = compileRef(pointer);
      return { errors: validate(body) ? [] : [...(validate.errors ?? [])], against };
    },
    expectConforms(method, url, res) {
      const { errors, against } = api.check(method, url, res.status, res.body);
      expect(
        errors.map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`),
        `${method} ${url} -> ${res.status} must conform to the official ${file} (${against}): ${JSON.stringify(res.body).slice(0, 600)}`,
      ).toEqual([]);
    },
    async call(harness, method, url, opts = {}) {
      const res = await harness.call(method, url, opts);
      api.expectConforms(method, url, res);
      return res;
    },
  };
  cache.set(key, api);
  return api;
}

export const TMF621_V5 = 'TMF621-Trouble_Ticket-v5.0.1.oas.yaml';
export const TMF656_V5 = 'TMF656-Service_Problem_Management-v5.0.0.oas.yaml';
export const TMF724_V4 = 'TMF724-Incident-v4.0.1.swagger.json';
export const TMF621_V4 = 'TMF621-TroubleTicket-v4.0.0.swagger.json';
export const TMF656_V4 = 'TMF656-ServiceProblem-v4.0.0.swagger.json';
