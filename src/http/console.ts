import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import helmet from 'helmet';
import { AppError, notFound } from './errors.js';

/**
 * Serves the operator console (the Vite build in `dir`) at /console. Hashed files under
 * /console/assets are cached for a year (immutable); index.html is revalidated on every
 * load, so a new build is picked up at once. Any other path under /console answers
 * index.html (the console routes in the browser). The Content-Security-Policy allows only
 * this origin (plus the configured map tile host for images).
 */
export function consoleRouter(opts: { dir: string; tileUrl?: string | undefined; tileAttribution?: string }): Router {
  const router = express.Router();
  const tileOrigin = opts.tileUrl ? new URL(opts.tileUrl.replace(/\{[a-z]\}/g, '0')).origin : undefined;
  router.use(
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...(tileOrigin ? [tileOrigin] : [])],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    }),
  );

  const indexFile = path.join(opts.dir, 'index.html');
  let indexHtml: string | undefined;
  const index = (): string | undefined => {
    if (indexHtml !== undefined) return indexHtml;
    if (!fs.existsSync(indexFile)) return undefined;
    const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    const meta =
      (opts.tileUrl ? `<meta name="gridlink-tile-url" content="${esc(opts.tileUrl)}">` : '') +
      (opts.tileAttribution ? `<meta name="gridlink-tile-attribution" content="${esc(opts.tileAttribution)}">` : '');
    indexHtml = fs.readFileSync(indexFile, 'utf8').replace('</head>', `${meta}</head>`);
    return indexHtml;
  };

  router.use(
    '/assets',
    express.static(path.join(opts.dir, 'assets'), { index: false, immutable: true, maxAge: '365d' }),
    (req, _res, next) => next(notFound('Console asset', req.path)),
  );
  router.use(express.static(opts.dir, { index: false, maxAge: '1h' }));
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const html = index();
    if (html === undefined)
      return next(new AppError(404, 'NOT_FOUND', 'Not Found', 'The console is not built: run `npm run build` to build it'));
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(html);
  });
  return router;
}
