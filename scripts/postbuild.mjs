// Lists every file of a static build (build/, or the directory given) in its precache.json, so the service worker can cache
// what SvelteKit's own lists leave out (the Web Worker bundle above all).
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = process.argv[2] ?? 'build';
const out = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else out.push(relative(root, p).split(sep).join('/'));
  }
})(root);
const list = out.filter((f) => f !== 'precache.json' && f !== 'service-worker.js').sort();
writeFileSync(join(root, 'precache.json'), JSON.stringify(list));
console.log(`precache.json: ${list.length} files`);
