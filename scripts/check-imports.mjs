// The import graph of src/ against the layer order docs/architecture.md states (its ```layers
// block, top layer first): fails (exit 1) on any import cycle, type-only imports included, and on
// any import from a lower layer up to a higher one. Imports within one layer are free as long as
// they form no cycle. test/architecture.test.ts runs it; `node scripts/check-imports.mjs --graph`
// prints the folder-level graph.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** Layers from the doc: one line per layer, top first; entries are folders (`io/`) or files (`api.ts`). */
export function layerOrder(doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8')) {
  const block = /```layers\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/architecture.md has no ```layers block');
  return block[1].split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map((l) => l.split(/\s+/));
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [p] : [];
  });
}

/** Relative imports of a file (static, re-exports, side-effect and dynamic), as src-relative paths. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => relative(src, resolve(dirname(file), s.replace(/\.js$/, '.ts'))));
}

export function checkImports(order = layerOrder()) {
  const layerOf = (f) => {
    for (const [i, entries] of order.entries()) {
      for (const e of entries) if (e.endsWith('/') ? f.startsWith(e) : f === e) return i;
    }
    return -1;
  };
  const graph = new Map(files(src).map((f) => [relative(src, f), importsOf(f)]));
  const problems = [];
  for (const [f, deps] of graph) {
    if (layerOf(f) < 0) problems.push(`${f} is in no layer of docs/architecture.md`);
    for (const d of deps) {
      if (!graph.has(d)) continue; // a .d.ts or generated module
      if (layerOf(d) < layerOf(f)) problems.push(`upward import: ${f} (${order[layerOf(f)]?.join(' ')}) imports ${d} (${order[layerOf(d)]?.join(' ')})`);
    }
  }
  for (const cycle of cycles(graph)) problems.push(`import cycle: ${cycle.join(' → ')}`);
  return { problems, graph, layerOf };
}

/** Strongly connected components of more than one file (Tarjan), each as a path. */
export function cycles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), out = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index++); stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do { w = stack.pop(); on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.reverse());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { problems, graph, layerOf } = checkImports();
  if (process.argv.includes('--graph')) {
    const folder = (f) => (f.includes('/') ? f.slice(0, f.indexOf('/') + 1) : f);
    const edges = new Set();
    for (const [f, deps] of graph) for (const d of deps) if (graph.has(d) && folder(f) !== folder(d)) edges.add(`${folder(f)} → ${folder(d)}`);
    console.log([...edges].sort().join('\n'));
  }
  for (const p of problems) console.error(p);
  console.log(`${graph.size} files, ${problems.length} problem(s)`);
  void layerOf;
  process.exit(problems.length ? 1 : 0);
}
