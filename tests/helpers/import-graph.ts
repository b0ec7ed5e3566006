/**
 * A small static import graph of the project's own modules, for the layering tests: which file
 * imports which (relative and `$lib/` specifiers only; packages are leaves), and the cycles in it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE = /\.(ts|svelte)$/;
// Static imports and re-exports (`import x from`, `export { y } from`, `import 'side-effect'`)
// and dynamic `import('…')`; comments are not stripped, which only errs towards more edges.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

export type ImportGraph = Map<string, string[]>;

/** Every .ts / .svelte file under `dir` (project-relative paths, '/' separated). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (abs: string) => {
    for (const name of readdirSync(abs)) {
      const p = join(abs, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (SOURCE.test(name)) out.push(relative(ROOT, p).split('\\').join('/'));
    }
  };
  visit(join(ROOT, dir));
  return out.sort();
}

/** The project file a specifier in `from` names, or undefined for packages and `$app/…`. */
export function resolveImport(from: string, specifier: string): string | undefined {
  let base: string;
  if (specifier.startsWith('$lib/')) base = join(ROOT, 'src/lib', specifier.slice(5));
  else if (specifier.startsWith('.')) base = resolve(ROOT, dirname(from), specifier);
  else return undefined;
  const stem = base.replace(/\.js$/, '');
  for (const p of [base, `${stem}.ts`, `${stem}.svelte.ts`, join(base, 'index.ts')]) {
    if (existsSync(p) && statSync(p).isFile()) return relative(ROOT, p).split('\\').join('/');
  }
  throw new Error(`${from}: cannot resolve import '${specifier}'`);
}

/** The project-relative specifiers each file imports. */
export function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) => m[1]);
}

/** file → project files it imports, for every source file under `dir`. */
export function importGraph(dir: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(dir)) {
    const targets = importsOf(file)
      .map((s) => resolveImport(file, s))
      .filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * One cycle per strongly connected component with more than one file (or a file importing
 * itself), written as the path a → b → … → a (Tarjan's algorithm; recursion is fine at a few
 * hundred files).
 */
export function findCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return components.map((c) => cyclePath(graph, new Set(c)));
}

/** A concrete closed path through one strongly connected component (breadth-first). */
function cyclePath(graph: ImportGraph, members: Set<string>): string[] {
  const start = [...members].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
