/**
 * BCJ2 decoding speed: the same input packed by 7-Zip (`7zz`) once with Copy only and once
 * with BCJ2 over three Copy coders, both read by our 7z reader (entries recorded, not parsed);
 * the difference is the BCJ2 decoder's time. `7zz t` on the BCJ2 archive is the reference.
 * Inputs: the 16 MiB vendor image of ../shared/fixtures/vendor-like-2 and 8 MiB of real x86
 * code (the fixtures' GOP drivers, repeated). Run: `npx tsx bench/bcj2.ts [--runs N]`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openContainer } from '../src/lib/firmware/containers/index';
import { recordingContext, rootOf } from '../src/lib/firmware/containers/testing';
import { fixturePath, haveFixtures } from '../tests/helpers/fixtures';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
if (spawnSync('7zz', ['i'], { stdio: 'ignore' }).status !== 0 || !haveFixtures) {
  console.log('skipped: needs 7zz and the firmware fixtures');
  process.exit(0);
}

function gopCode(size: number): Uint8Array {
  const dir = fixturePath('gop');
  const parts = readdirSync(dir)
    .filter((n) => n.endsWith('.efi'))
    .map((n) => readFileSync(join(dir, n)));
  const out = new Uint8Array(size);
  for (let at = 0, i = 0; at < size; i++) {
    const p = parts[i % parts.length].subarray(0, size - at);
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const inputs: [string, Uint8Array][] = [
  [
    'vendor-like-2/aptio5-spi-adl.bin',
    readFileSync(fixturePath('vendor-like-2/aptio5-spi-adl.bin')),
  ],
  ['GOP drivers x86 code, 8 MiB', gopCode(8 << 20)],
];

const work = mkdtempSync(join(tmpdir(), 'bcj2-bench-'));
const bestOf = async (f: () => Promise<unknown> | unknown) => {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    best = Math.min(best, performance.now() - t);
  }
  return best;
};

async function readOurs(b: Uint8Array): Promise<void> {
  const { ctx } = recordingContext();
  if (!(await openContainer(rootOf(b), b, 0, ctx))) throw new Error('not read');
}

console.log('| input | size | ours, Copy | ours, BCJ2 | BCJ2 alone | 7zz t (BCJ2) |');
console.log('|---|---|---|---|---|---|');
try {
  for (const [name, data] of inputs) {
    writeFileSync(join(work, 'in.bin'), data);
    const pack = (file: string, m: string[]) => {
      execFileSync('7zz', ['a', '-bd', '-mhc=off', ...m, file, 'in.bin'], {
        cwd: work,
        stdio: 'ignore',
      });
      return new Uint8Array(readFileSync(join(work, file)));
    };
    const copy = pack('copy.7z', ['-m0=Copy']);
    const bcj2 = pack('bcj2.7z', [
      '-m0=BCJ2',
      '-m1=Copy',
      '-m2=Copy',
      '-m3=Copy',
      '-mb0s0:1',
      '-mb0s1:2',
      '-mb0s2:3',
    ]);
    const tCopy = await bestOf(() => readOurs(copy));
    const tBcj2 = await bestOf(() => readOurs(bcj2));
    const t7zz = await bestOf(() =>
      execFileSync('7zz', ['t', '-bd', 'bcj2.7z'], { cwd: work, stdio: 'ignore' }),
    );
    const alone = Math.max(tBcj2 - tCopy, 0.001);
    const mibs = (data.length / 2 ** 20 / (alone / 1000)).toFixed(0);
    console.log(
      `| ${name} | ${(data.length / 2 ** 20).toFixed(0)} MiB | ${tCopy.toFixed(0)} ms | ${tBcj2.toFixed(0)} ms | ${alone.toFixed(0)} ms (${mibs} MiB/s) | ${t7zz.toFixed(0)} ms |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
