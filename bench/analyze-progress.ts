/**
 * Progress of `analyze` in Node, as the worker's callback sees it: when the first report comes
 * after the call, when the first report from inside the file comes (done > 0), and the longest
 * gap between two reports (the result counted as the last one); min and median of several runs.
 * Inputs: a 16 MiB vendor SPI image, a 16 MiB flasher executable holding an 8 MiB one (the
 * formats search it before the image inside is read), and 16 MiB of random bytes (nothing reads
 * it: every search runs to the end, then the parse fails).
 * Run: `npx tsx bench/analyze-progress.ts [--runs N] [files...]`.
 */
import { basename } from 'node:path';
import { fakeExe } from '../fixtures/builder/containers';
import { analyze } from '../src/lib/firmware/analyze';
import { haveFixtures, noFixturesReason, readFixture } from '../tests/helpers/fixtures';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 7;

if (!haveFixtures) {
  console.log(`[skip] ${noFixturesReason}`);
  process.exit(0);
}

/** `length` bytes that look random (the same ones every run). */
function noise(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let seed = 1;
  for (let i = 0; i < out.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = seed >>> 24;
  }
  return out;
}

/** An 8 MiB SPI image at 0x1A2000 inside 16 MiB of a flasher's bytes. */
function flasher(): Uint8Array {
  const spi = readFixture('vendor-like/aptio5-spi.bin');
  const payload = noise((16 << 20) - 0x240);
  payload.set(spi, 0x1a2000 - 0x200);
  return fakeExe(payload);
}

const inputs: [string, Uint8Array][] = args.length
  ? args.map((f) => [basename(f), readFixture(f)])
  : [
      ['aptio5-spi-adl.bin (16 MiB SPI)', readFixture('vendor-like-2/aptio5-spi-adl.bin')],
      ['flasher .exe, 8 MiB SPI inside (16 MiB)', flasher()],
      ['random bytes (16 MiB)', noise(16 << 20)],
    ];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (xs: number[]) => `${Math.min(...xs).toFixed(1)} / ${median(xs).toFixed(1)}`;

console.log(`\nanalyze() progress in Node, ${runs} runs each (min / median ms)`);
console.log(
  '| input | first report | first report inside the file | longest gap | its place (slowest run) | total |',
);
console.log('|---|---:|---:|---:|---|---:|');
for (const [name, bytes] of inputs) {
  const first: number[] = [];
  const inside: number[] = [];
  const gaps: number[] = [];
  const totals: number[] = [];
  let slowest = { gap: -1, where: '' };
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    let last = t0;
    let gap = 0;
    let firstAt = -1;
    let insideAt = -1;
    let at = 'start';
    let where = '';
    const pct = (done: number) => `${((100 * done) / bytes.length).toFixed(0)}%`;
    await analyze(bytes, (p) => {
      const now = performance.now();
      if (firstAt < 0) firstAt = now - t0;
      if (insideAt < 0 && p.done > 0) insideAt = now - t0;
      if (now - last > gap) {
        gap = now - last;
        where = `${at} → ${pct(p.done)}`;
      }
      last = now;
      at = pct(p.done);
    });
    const end = performance.now();
    if (end - last > gap) {
      gap = end - last;
      where = `${at} → result`;
    }
    if (gap > slowest.gap) slowest = { gap, where };
    first.push(firstAt);
    inside.push(insideAt);
    gaps.push(gap);
    totals.push(end - t0);
  }
  console.log(
    `| ${name} | ${ms(first)} | ${ms(inside)} | ${ms(gaps)} | ${slowest.where} | ${ms(totals)} |`,
  );
}
