import { createRequire } from 'node:module';
import express, { type Response, type Router } from 'express';
import type { LoadedApi } from '../http/openapi.js';
import { postmanCollection, type PostmanCollection } from './postman.js';

/**
 * Static documentation for integrators, outside the OpenAPI documents (like /openapi/<file>):
 *   /docs               index of the API documents
 *   /docs/<api>         API reference (Redoc, served from node_modules: no CDN, works offline)
 *   /docs/postman.json  Postman collection v2.1 generated from the documents (built once)
 * Redoc reads the published document at /openapi/<api>.yaml and resolves its
 * `./common.yaml` references against that URL.
 */

const require = createRequire(import.meta.url);
const REDOC_BUNDLE = require.resolve('redoc/bundles/redoc.standalone.js');

// Only these pages get a CSP (the API answers JSON and sets none). Redoc renders with
// styled-components (inline <style>) and runs its search index in a blob: worker.
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

interface DocInfo {
  title?: string;
  version?: string;
  description?: string;
}

const infoOf = (api: LoadedApi): DocInfo => api.backend.definition.info ?? {};

function page(res: Response, title: string, body: string): void {
  res.setHeader('Content-Security-Policy', DOCS_CSP);
  res.type('html').send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { margin: 0; font-family: system-ui, sans-serif; }
main { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
li { margin: 0.75rem 0; }
.meta { color: #555; font-size: 0.9rem; }
</style>
</head>
<body>
${body}
</body>
</html>
`);
}

export function docsRouter(apis: readonly LoadedApi[], opts: { baseUrl?: string | undefined } = {}): Router {
  const router = express.Router();
  const byName = new Map(apis.map((a) => [a.name, a]));
  let collection: PostmanCollection | undefined;

  router.get('/', (_req, res) => {
    const items = apis
      .map((api) => {
        const info = infoOf(api);
        // First sentence of the description, without Markdown emphasis.
        const text = (info.description ?? '').replace(/\s+/g, ' ').replace(/[*`]/g, '').trim();
        const summary = /^.*?[.:](?=\s|$)/.exec(text)?.[0] ?? text;
        return `<li><a href="/docs/${encodeURIComponent(api.name)}">${escapeHtml(info.title ?? api.name)}</a>
  <span class="meta">${escapeHtml(info.version ?? '')} · <code>${escapeHtml(api.basePath)}</code> ·
  <a href="/openapi/${encodeURIComponent(api.name)}.yaml">OpenAPI (YAML)</a></span>
  <div>${escapeHtml(summary)}</div></li>`;
      })
      .join('\n');
    page(
      res,
      'Gridlink API documentation',
      `<main>
<h1>Gridlink API documentation</h1>
<p>One reference page per API document. Authenticate with <code>Authorization: Bearer &lt;API key or access token&gt;</code>.
A <a href="/docs/postman.json">Postman collection</a> (v2.1, variables <code>baseUrl</code> and <code>apiKey</code>) covers every operation.</p>
<ul>
${items}
</ul>
</main>`,
    );
  });

  router.get('/postman.json', (_req, res) => {
    collection ??= postmanCollection(apis, opts.baseUrl);
    res.setHeader('Content-Disposition', 'attachment; filename="gridlink.postman_collection.json"');
    res.type('application/json').send(JSON.stringify(collection, null, 2));
  });

  router.get('/assets/redoc.standalone.js', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.sendFile(REDOC_BUNDLE);
  });

  router.get('/:api', (req, res, next) => {
    const api = byName.get(req.params.api);
    if (!api) return next();
    const info = infoOf(api);
    page(
      res,
      `${info.title ?? api.name} — Gridlink API reference`,
      `<redoc spec-url="/openapi/${encodeURIComponent(api.name)}.yaml" hide-hostname="true"></redoc>
<script src="/docs/assets/redoc.standalone.js"></script>`,
    );
  });

  return router;
}
