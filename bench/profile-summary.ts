/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`, or any
 * `node --cpu-prof`): self time by function and by package / source file, and inclusive
 * time of the functions that matter for the platform's request path.
 *
 *   npx tsx bench/profile-summary.ts bench-profiles/CPU.….cpuprofile [--top 25] [--skip 8]
 *
 * --skip S ignores the first S seconds (start-up) so that only the load is counted.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' }, skip: { type: 'string', default: '0' } },
  allowPositionals: true,
});
const file = positionals[0];
if (!file) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top N]');
  process.exit(1);
}
const top = Number(values.top);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;

// Self time per node from samples and time deltas (microseconds).
const self = new Map<number, number>();
const samples = profile.samples ?? [];
const deltas = profile.timeDeltas ?? [];
const skipUs = Number(values.skip) * 1e6;
let at = 0;
for (let i = 0; i < samples.length; i++) {
  at += deltas[i] ?? 0;
  if (at < skipUs) continue;
  self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** "package" for node_modules code, project-relative path for our code, or the V8 category. */
function owner(f: CallFrame): string {
  const url = f.url.replace(/^file:\/\//, '');
  if (!url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const src = url.indexOf('/dist/src/');
  if (src >= 0) return url.slice(src + 6);
  const s2 = url.indexOf('/src/');
  return s2 >= 0 ? url.slice(s2 + 1) : url;
}
const fnName = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${owner(f)}:${f.lineNumber + 1}`;

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const selfByFn = new Map<string, number>();
const selfByOwner = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  add(selfByFn, fnName(n.callFrame), us);
  add(selfByOwner, owner(n.callFrame), us);
}

// Inclusive time per function (counted once per sample even when recursive).
const inclusive = new Map<string, number>();
for (const [id, us] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = fnName(byId.get(cur)!.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    add(inclusive, k, us);
  }
}

const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const print = (title: string, m: Map<string, number>, filter: (k: string) => boolean = () => true) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`${pct(v)} ${ms(v)}  ${k}`);
};

console.log(`${file}: ${(total / 1e6).toFixed(1)} s of samples (${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s wall)`);
print('Self time by package / source file', selfByOwner);
print('Self time by function', selfByFn);
print('Inclusive time, project code (src/)', inclusive, (k) => / src\//.test(k));
print('Inclusive time, dependencies', inclusive, (k) => !/ src\//.test(k) && !k.startsWith('('));
