// Generates the console's bundled low-detail base map (console/src/generated/countries.json,
// not committed): Natural Earth 1:110m country outlines from the world-atlas package,
// converted from TopoJSON to GeoJSON with coordinates rounded to 0.01°, so the map needs no
// tiles from the internet. (The API types come from the shared SDK: npm run sdk:generate.)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { feature } from 'topojson-client';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = path.join(root, 'console', 'src', 'generated');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const world = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'world-atlas', 'countries-110m.json'), 'utf8'));
const countries = feature(world, world.objects.countries);
const round = (c) => (typeof c[0] === 'number' ? [Math.round(c[0] * 100) / 100, Math.round(c[1] * 100) / 100] : c.map(round));
for (const f of countries.features) {
  f.geometry.coordinates = round(f.geometry.coordinates);
  f.properties = { name: f.properties.name };
}
fs.writeFileSync(path.join(out, 'countries.json'), JSON.stringify(countries));
console.log(`console: base map (${countries.features.length} country outlines) in console/src/generated/countries.json`);
