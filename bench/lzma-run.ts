/**
 * One LZMA job in a fresh Node process, for bench/lzma.ts: the process's peak RSS then
 * belongs to that job alone. Prints one JSON line.
 *
 *   node --import tsx bench/lzma-run.ts encode default|fast <in> <out>
 *   node --import tsx bench/lzma-run.ts lzma1 <level> <in> <out>
 *   node --import tsx bench/lzma-run.ts decode <runs> <in> <out>
 *
 * `wall`/`cpu` are seconds for the job alone (file reading and module loading excluded);
 * for `decode` they are the best of `runs` calls and `firstWall` is the first (cold) call.
 * `baseRssMiB` is the RSS once the input is read, `peakRssMiB` the peak of the process.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { compress as lzma1Compress } from 'lzma1';
import { lzmaDecompress } from '../src/lib/firmware/compress/lzma/decoder';
import { lzmaCompress } from '../src/lib/firmware/compress/lzma/encoder';

const [mode, arg, inPath, outPath] = process.argv.slice(2);
const input = new Uint8Array(readFileSync(inPath));
const baseRssMiB = process.memoryUsage().rss / 2 ** 20;

function timed<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1e6 };
}

let result: { value: Uint8Array; wall: number; cpu: number };
let firstWall: number | undefined;
if (mode === 'encode') {
  if (arg !== 'default' && arg !== 'fast') throw new Error(`unknown preset ${arg}`);
  result = timed(() => lzmaCompress(input, { preset: arg }));
} else if (mode === 'lzma1') {
  const level = Number(arg) as 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  result = timed(() => lzma1Compress(input, level));
} else if (mode === 'decode') {
  result = timed(() => lzmaDecompress(input));
  firstWall = result.wall;
  for (let r = 1; r < Number(arg); r++) {
    const again = timed(() => lzmaDecompress(input));
    if (again.wall < result.wall) result = again;
  }
} else throw new Error(`unknown mode ${mode}`);

writeFileSync(outPath, result.value);
console.log(
  JSON.stringify({
    wall: result.wall,
    cpu: result.cpu,
    firstWall,
    size: result.value.length,
    baseRssMiB,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
