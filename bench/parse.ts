/**
 * Parse benchmark: our full parse (best of 3, in a fresh Node process per file) next to
 * `UEFIExtract FILE report` (best of 3 wall times) on every firmware fixture, with ratios.
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

function uefiExtractMs(file: string): number | undefined {
  if (!haveUefiExtract) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'uefiextract-'));
  const copy = join(dir, basename(file));
  copyFileSync(file, copy);
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    spawnSync('UEFIExtract', [copy, 'report'], { stdio: 'ignore' });
    best = Math.min(best, performance.now() - t0);
  }
  rmSync(dir, { recursive: true, force: true });
  return best;
}

const files = process.argv.length > 2 ? process.argv.slice(2) : fixtureFiles();
if (!files.length) {
  console.log('[skip] parse bench: no fixtures (set FIRMWARE_FIXTURES)');
  process.exit(0);
}
console.log(`\nFull parse vs UEFIExtract${haveUefiExtract ? '' : ' (UEFIExtract not installed)'}`);
console.log('| file | size | nodes | ours ms | peak RSS MiB | UEFIExtract ms | ratio |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
let sumOurs = 0;
let sumTheirs = 0;
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
    nodes: number;
    maxRssMiB: number;
  };
  const theirs = uefiExtractMs(f);
  sumOurs += ours.ms;
  if (theirs !== undefined) sumTheirs += theirs;
  console.log(
    `| ${name} | ${statSync(f).size} | ${ours.nodes} | ${ours.ms.toFixed(1)} | ${ours.maxRssMiB.toFixed(0)} | ` +
      `${theirs === undefined ? '–' : theirs.toFixed(1)} | ${theirs ? (ours.ms / theirs).toFixed(2) : '–'} |`,
  );
}
if (sumTheirs) {
  console.log(
    `\nall files: ours ${sumOurs.toFixed(0)} ms, UEFIExtract ${sumTheirs.toFixed(0)} ms, ratio ${(sumOurs / sumTheirs).toFixed(2)} (goal ≤ 1.0)`,
  );
}
