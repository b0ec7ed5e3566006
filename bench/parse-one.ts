// Child process of bench/parse.ts: parses one file fully and prints time and peak memory as JSON,
// so each measurement has a fresh heap and its own maxRSS.
import { readFileSync } from 'node:fs';
import { parseFirmware } from '../src/lib/firmware/parse';
import { findAll } from '../src/lib/firmware/tree/node';

const file = process.argv[2];
const runs = Number(process.argv[3] ?? 3);
const b = readFileSync(file);
const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
let best = Infinity;
let nodes = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const root = await parseFirmware(bytes);
  best = Math.min(best, performance.now() - t0);
  nodes = findAll(root, () => true).length;
}
console.log(JSON.stringify({ ms: best, nodes, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
