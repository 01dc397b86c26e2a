/**
 * Code-shape figures for issue 15's closing notes (`npx tsx scripts/code-metrics.ts [dir]`,
 * default `src`, generated code skipped):
 *   - type assertions: `x as T` and `<T>x`, not counting `as const` (the TypeScript AST, so
 *     comments and strings do not count, unlike a grep);
 *   - the largest files (lines);
 *   - the longest functions: lines of each function-like node minus the lines of functions
 *     nested in it that are longer than 3 lines (a factory's closures count on their own).
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(process.argv[2] ?? 'src');
const TOP = Number(process.env.TOP ?? 10);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'generated' || d.name === 'node_modules' ? [] : files(p);
    return /\.tsx?$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

interface Fn {
  file: string;
  line: number;
  name: string;
  lines: number;
}

const castsPerFile = new Map<string, number>();
const sizes: { file: string; lines: number }[] = [];
const fns: Fn[] = [];

const isConst = (t: ts.TypeNode) => ts.isTypeReferenceNode(t) && t.typeName.getText() === 'const';
const fnName = (n: ts.Node): string => {
  const named = n as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText();
  const p = n.parent;
  if (p && ts.isVariableDeclaration(p)) return p.name.getText();
  if (p && ts.isPropertyAssignment(p)) return p.name.getText();
  if (p && ts.isCallExpression(p)) return `(callback of ${p.expression.getText().slice(0, 40)})`;
  return '(anonymous)';
};

for (const file of files(root)) {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const rel = path.relative(process.cwd(), file);
  sizes.push({ file: rel, lines: text.split('\n').length });
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
  const span = (n: ts.Node) => lineOf(n.getEnd()) - lineOf(n.getStart(sf)) + 1;
  let casts = 0;
  const visit = (n: ts.Node, owner?: { nested: number }) => {
    if ((ts.isAsExpression(n) || ts.isTypeAssertionExpression(n)) && !isConst(n.type)) casts++;
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const own = { nested: 0 };
      ts.forEachChild(n, (c) => visit(c, own));
      const total = span(n);
      if (owner && total > 3) owner.nested += total;
      fns.push({ file: rel, line: lineOf(n.getStart(sf)) + 1, name: fnName(n), lines: total - own.nested });
      return;
    }
    ts.forEachChild(n, (c) => visit(c, owner));
  };
  visit(sf);
  if (casts) castsPerFile.set(rel, casts);
}

const total = [...castsPerFile.values()].reduce((a, b) => a + b, 0);
console.log(`type assertions (not 'as const'): ${total} in ${castsPerFile.size} files`);
for (const [f, n] of [...castsPerFile].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${String(n).padStart(4)}  ${f}`);
console.log(`largest files (${sizes.length} files):`);
for (const s of sizes.sort((a, b) => b.lines - a.lines).slice(0, TOP)) console.log(`  ${String(s.lines).padStart(4)}  ${s.file}`);
console.log('longest functions (own lines, nested functions over 3 lines excluded):');
for (const f of fns.sort((a, b) => b.lines - a.lines).slice(0, TOP))
  console.log(`  ${String(f.lines).padStart(4)}  ${f.file}:${f.line} ${f.name}`);
