// Child process of bench/parse.ts: parses one file fully and prints time and peak memory as JSON,
// so each measurement has a fresh heap and its own maxRSS.
import { readFileSync } from 'node:fs';
import { bytesOf } from '../src/lib/firmware/bytes/view';
import { parseFirmware } from '../src/lib/firmware/parse';
import { findAll } from '../src/lib/firmware/tree/node';

const baseRssMiB = process.memoryUsage().rss / 2 ** 20;
const file = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
const bytes = bytesOf(readFileSync(file));
let best = Infinity;
let nodes = 0;
let heapMiB = 0;
/** The first run, before the JIT has seen the parser (what a one-shot CLI call pays). */
let coldMs = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const root = await parseFirmware(bytes);
  const ms = performance.now() - t0;
  if (i === 0) coldMs = ms;
  best = Math.min(best, ms);
  nodes = findAll(root, () => true).length;
  // Heap and buffers held by the finished tree (the input included).
  const m = process.memoryUsage();
  heapMiB = Math.max(heapMiB, (m.heapUsed + m.arrayBuffers) / 2 ** 20);
}
console.log(
  JSON.stringify({
    ms: best,
    coldMs,
    nodes,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    baseRssMiB,
    heapMiB,
  }),
);
