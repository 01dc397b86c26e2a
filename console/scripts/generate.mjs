// Generates what the console imports but git does not keep (console/src/generated/):
//  * API types from the published OpenAPI documents (openapi/*.yaml). The documents use YAML
//    merge keys, which openapi-typescript does not read: each is parsed with merge keys
//    expanded (as the server publishes it at /openapi/<file>), written as JSON, and typed.
//  * countries.json: the bundled low-detail base map (Natural Earth 1:110m country outlines
//    from the world-atlas package), so the map needs no tiles from the internet.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import openapiTS, { astToString } from 'openapi-typescript';
import { feature } from 'topojson-client';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = path.join(root, 'openapi');
const out = path.join(root, 'console', 'src', 'generated');
const tmp = path.join(out, 'json');
fs.mkdirSync(tmp, { recursive: true });

const files = fs.readdirSync(src).filter((f) => f.endsWith('.yaml'));
for (const f of files) {
  const doc = YAML.parse(fs.readFileSync(path.join(src, f), 'utf8'), { merge: true });
  const text = JSON.stringify(doc).replace(/"\.\/([A-Za-z]+)\.yaml#/g, '"./$1.json#');
  fs.writeFileSync(path.join(tmp, f.replace(/\.yaml$/, '.json')), text);
}
for (const f of files) {
  if (f === 'common.yaml') continue;
  const name = f.replace(/\.yaml$/, '');
  const ast = await openapiTS(new URL(`file://${path.join(tmp, `${name}.json`)}`), { alphabetize: true });
  fs.writeFileSync(path.join(out, `${name}.ts`), `/* Generated from openapi/${f} by console/scripts/generate.mjs. */\n${astToString(ast)}`);
}
fs.rmSync(tmp, { recursive: true, force: true });

const world = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'world-atlas', 'countries-110m.json'), 'utf8'));
const countries = feature(world, world.objects.countries);
const round = (c) => (typeof c[0] === 'number' ? [Math.round(c[0] * 100) / 100, Math.round(c[1] * 100) / 100] : c.map(round));
for (const f of countries.features) {
  f.geometry.coordinates = round(f.geometry.coordinates);
  f.properties = { name: f.properties.name };
}
fs.writeFileSync(path.join(out, 'countries.json'), JSON.stringify(countries));
console.log(`console: API types for ${files.length - 1} documents and the base map generated in console/src/generated`);
