/**
 * Parse benchmark: our full parse (best of 3 and the first run, in a fresh Node process per file)
 * next to `UEFIExtract FILE report` (best of 3 wall times, which include its start and writing the
 * report) on every firmware fixture, with time and peak-memory ratios.
 * Run: `npx tsx bench/parse.ts [files...]`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fixturesDir, haveFixtures } from '../tests/helpers/fixtures';

const haveUefiExtract = spawnSync('UEFIExtract', [], { stdio: 'ignore' }).error === undefined;

function fixtureFiles(): string[] {
  if (!haveFixtures) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(fd|bin|rom|cap)$/i.test(name) && !/VARS/.test(name)) out.push(p);
    }
  };
  for (const d of ['vendor-like', 'vendor-like-2', 'ovmf', 'fsp', 'ifwi'])
    walk(join(fixturesDir, d));
  return out;
}

/** GNU time reports the peak RSS of the process it runs (`%M`, KiB). */
const haveGnuTime = spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status === 0;

/** Best of 3 wall times of `UEFIExtract FILE report`, and its peak RSS when GNU time is there. */
function uefiExtract(file: string): { ms: number; maxRssMiB?: number } | undefined {
  if (!haveUefiExtract) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'uefiextract-'));
  const copy = join(dir, basename(file));
  copyFileSync(file, copy);
  let best = Infinity;
  let rss: number | undefined;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = haveGnuTime
      ? spawnSync('/usr/bin/time', ['-f', '%M', 'UEFIExtract', copy, 'report'], {
          encoding: 'utf8',
        })
      : spawnSync('UEFIExtract', [copy, 'report'], { stdio: 'ignore' });
    best = Math.min(best, performance.now() - t0);
    const kib = haveGnuTime ? Number(String(r.stderr).trim().split('\n').pop()) : NaN;
    if (Number.isFinite(kib)) rss = Math.max(rss ?? 0, kib / 1024);
  }
  rmSync(dir, { recursive: true, force: true });
  return { ms: best, maxRssMiB: rss };
}

const files = process.argv.length > 2 ? process.argv.slice(2) : fixtureFiles();
if (!files.length) {
  console.log('[skip] parse bench: no fixtures (set FIRMWARE_FIXTURES)');
  process.exit(0);
}
console.log(`\nFull parse vs UEFIExtract${haveUefiExtract ? '' : ' (UEFIExtract not installed)'}`);
console.log(
  '| file | size | nodes | ours ms (first run) | UEFIExtract ms | time ratio | ours peak RSS MiB (above runtime) | UEFIExtract peak RSS MiB | memory ratio (above runtime) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
let sumOurs = 0;
let sumTheirs = 0;
const timeRatios: number[] = [];
const coldRatios: number[] = [];
let sumCold = 0;
const memRatios: number[] = [];
const netMemRatios: number[] = [];
for (const f of files) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/parse-one.ts', f, '3'], {
    encoding: 'utf8',
  });
  const name = f.startsWith(fixturesDir) ? f.slice(fixturesDir.length + 1) : f;
  if (r.status !== 0) {
    console.log(
      `| ${name} | ${statSync(f).size} | – | error: ${r.stderr.trim().split('\n').pop()} | | | |`,
    );
    continue;
  }
  const ours = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    ms: number;
    coldMs: number;
    nodes: number;
    maxRssMiB: number;
    baseRssMiB: number;
    heapMiB: number;
  };
  const theirs = uefiExtract(f);
  sumOurs += ours.ms;
  if (theirs) sumTheirs += theirs.ms;
  const tr = theirs ? ours.ms / theirs.ms : undefined;
  // Node and tsx alone take ~80 MiB; what the parse adds is the peak above the process's start.
  const net = Math.max(1, ours.maxRssMiB - ours.baseRssMiB);
  const mr = theirs?.maxRssMiB ? ours.maxRssMiB / theirs.maxRssMiB : undefined;
  const nmr = theirs?.maxRssMiB ? net / theirs.maxRssMiB : undefined;
  if (tr !== undefined) timeRatios.push(tr);
  if (theirs) coldRatios.push(ours.coldMs / theirs.ms);
  sumCold += ours.coldMs;
  if (mr !== undefined) memRatios.push(mr);
  if (nmr !== undefined) netMemRatios.push(nmr);
  const n = (x: number | undefined, d = 1) => (x === undefined ? '–' : x.toFixed(d));
  console.log(
    `| ${name} | ${statSync(f).size} | ${ours.nodes} | ${n(ours.ms)} (${n(ours.coldMs)}) | ${n(theirs?.ms)} | ${n(tr, 2)} | ` +
      `${n(ours.maxRssMiB, 0)} (${n(net, 0)}) | ${n(theirs?.maxRssMiB, 0)} | ${n(mr, 2)} (${n(nmr, 2)}) |`,
  );
}
const geo = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
if (sumTheirs) {
  console.log(
    `\nall files: ours ${sumOurs.toFixed(0)} ms, UEFIExtract ${sumTheirs.toFixed(0)} ms, ratio ${(sumOurs / sumTheirs).toFixed(2)} (goal ≤ 1.0); ` +
      `per-file time ratio: geometric mean ${geo(timeRatios).toFixed(2)}, worst ${Math.max(...timeRatios).toFixed(2)}`,
  );
  console.log(
    `first runs only (cold JIT, as one CLI call): ours ${sumCold.toFixed(0)} ms, ratio ${(sumCold / sumTheirs).toFixed(2)}; ` +
      `per-file geometric mean ${geo(coldRatios).toFixed(2)}, worst ${Math.max(...coldRatios).toFixed(2)}`,
  );
}
if (memRatios.length) {
  console.log(
    `peak memory ratio, whole Node process / UEFIExtract: geometric mean ${geo(memRatios).toFixed(2)}, worst ${Math.max(...memRatios).toFixed(2)}; ` +
      `above the runtime: geometric mean ${geo(netMemRatios).toFixed(2)}, worst ${Math.max(...netMemRatios).toFixed(2)}`,
  );
}
