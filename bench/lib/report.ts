import type { Row } from './context.js';

const fmt = (v: number | undefined, digits = 1): string =>
  v === undefined || Number.isNaN(v) ? '' : v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The one results table: every scenario, its baseline ratio and its target. */
export function renderTable(rows: Row[]): string {
  const head = ['scenario', 'conc', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'err', 'ratio', 'target'];
  const body = rows.map((r) => [
    r.scenario,
    r.concurrency === undefined ? '' : String(r.concurrency),
    fmt(r.rps, 0),
    fmt(r.p50, 2),
    fmt(r.p90, 2),
    fmt(r.p99, 2),
    fmt(r.max, 1),
    r.errors === undefined ? '' : String(r.errors),
    r.ratio && Number.isFinite(r.ratio.value)
      ? `${r.ratio.label.startsWith('of') ? `${fmt(r.ratio.value * 100, 0)} %` : `${fmt(r.ratio.value, 2)}x`} ${r.ratio.label}`
      : '',
    r.target ? `${r.target.met ? 'MET' : 'MISSED'} (${r.target.text})` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const numeric = new Set([1, 2, 3, 4, 5, 6, 7]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('-+-');
  const out = [line(head), sep];
  let group = rows[0]?.group;
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]!.group !== group) {
      out.push(sep);
      group = rows[i]!.group;
    }
    out.push(line(body[i]!));
  }
  return out.join('\n');
}

export function notes(rows: Row[]): string {
  return rows
    .filter((r) => r.note)
    .map((r) => `  ${r.scenario}${r.concurrency !== undefined ? ` (c=${r.concurrency})` : ''}: ${r.note}`)
    .join('\n');
}
