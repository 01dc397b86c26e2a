import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (holds package.json), whether running from src/ with tsx or from dist/. */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the project root (package.json)');
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot();
export const OPENAPI_DIR = path.join(ROOT, 'openapi');
export const MIGRATIONS_DIR = path.join(ROOT, 'prisma', 'migrations');
export const XSD_DIR = path.join(ROOT, 'xsd');
