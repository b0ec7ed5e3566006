/**
 * LZMA codec benchmark: our encoder (default, fast) and decoder against `xz --format=lzma`,
 * measured in the same run on the same machine. Run: `npx tsx bench/lzma.ts [files...]`.
 *
 * Default inputs: the DXE payload of /usr/share/OVMF/OVMF_CODE_4M.fd (the body of its LZMA
 * GUIDed section) and the 16 MiB vendor image from ../shared/fixtures/vendor-like-2.
 * Times are wall-clock and CPU (user+sys) seconds; each is the best of `--runs` (default 1).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { lzmaDecompress } from '../src/lib/firmware/compress/lzma/decoder';
import { lzmaCompress } from '../src/lib/firmware/compress/lzma/encoder';
import { compress as lzma1Compress } from 'lzma1';

const LZMA_GUID = [
  0x98, 0x58, 0x4e, 0xee, 0x14, 0x39, 0x59, 0x42, 0x9d, 0x6e, 0xdc, 0x7b, 0xd7, 0x94, 0x03, 0xcf,
];

function ovmfPayload(path: string): Uint8Array | null {
  if (!existsSync(path)) return null;
  const f = new Uint8Array(readFileSync(path));
  outer: for (let at = 4; at + 20 <= f.length; at++) {
    for (let k = 0; k < 16; k++) if (f[at + k] !== LZMA_GUID[k]) continue outer;
    const sec = at - 4;
    if (f[sec + 3] !== 0x02) continue;
    const size = f[sec] | (f[sec + 1] << 8) | (f[sec + 2] << 16);
    const dataOffset = f[at + 16] | (f[at + 17] << 8);
    return lzmaDecompress(f.subarray(sec + dataOffset, sec + size));
  }
  return null;
}

interface Timed<T> {
  value: T;
  wall: number;
  cpu: number;
}

function timeOurs<T>(fn: () => T, runs: number): Timed<T> {
  let best: Timed<T> | null = null;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const value = fn();
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    if (!best || wall < best.wall) best = { value, wall, cpu };
  }
  return best!;
}

/** Runs xz through bash's `time` to get its own CPU seconds. */
function timeXz(args: string, runs: number): { wall: number; cpu: number } {
  let best = { wall: Infinity, cpu: Infinity };
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const res = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time (xz ${args})`], {
      encoding: 'utf8',
    });
    const wall = (performance.now() - t0) / 1000;
    if (res.status !== 0) throw new Error(`xz ${args} failed: ${res.stderr}`);
    const [u, s] = res.stderr.trim().split(/\s+/).slice(-2).map(Number);
    if (wall < best.wall) best = { wall, cpu: u + s };
  }
  return best;
}

function main(): void {
  const argv = process.argv.slice(2);
  let runs = 1;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--no-lzma1') continue;
    else files.push(argv[i]);
  }
  if (spawnSync('xz', ['--version']).status !== 0) {
    console.error('xz is not installed: nothing to compare against');
    process.exit(1);
  }
  const inputs: [string, Uint8Array][] = [];
  if (files.length === 0) {
    const ovmf = ovmfPayload('/usr/share/OVMF/OVMF_CODE_4M.fd');
    if (ovmf) inputs.push(['OVMF_CODE_4M DXE payload', ovmf]);
    else console.warn('[skip] /usr/share/OVMF/OVMF_CODE_4M.fd not found');
    const vendor = resolve(
      process.env.FIRMWARE_FIXTURES ?? '../shared/fixtures',
      'vendor-like-2/aptio5-spi-adl.bin',
    );
    if (existsSync(vendor))
      inputs.push(['aptio5-spi-adl.bin', new Uint8Array(readFileSync(vendor))]);
    else console.warn(`[skip] ${vendor} not found`);
  } else for (const f of files) inputs.push([basename(f), new Uint8Array(readFileSync(f))]);

  const dir = mkdtempSync(join(tmpdir(), 'lzma-bench-'));
  const rows: string[][] = [];
  const fmt = (x: number) => x.toFixed(2);
  try {
    for (const [name, data] of inputs) {
      const raw = join(dir, 'in.bin');
      const ref = join(dir, 'ref.lzma');
      writeFileSync(raw, data);
      const xzEnc = timeXz(`--format=lzma -6 -c '${raw}' > '${ref}'`, runs);
      const refStream = new Uint8Array(readFileSync(ref));
      const xzDec = timeXz(`--format=lzma -dc '${ref}' > /dev/null`, runs);
      rows.push([
        name,
        'xz -6',
        String(data.length),
        String(refStream.length),
        '1.000',
        fmt(xzEnc.wall),
        fmt(xzEnc.cpu),
        '1.00',
        '1.00',
      ]);
      for (const preset of ['default', 'fast'] as const) {
        const r = timeOurs(() => lzmaCompress(data, { preset }), runs);
        const back = execFileSync('xz', ['--format=lzma', '-dc'], {
          input: r.value,
          maxBuffer: 1 << 30,
        });
        if (!Buffer.from(back).equals(Buffer.from(data)))
          throw new Error(`${name} ${preset}: xz does not round-trip our stream`);
        rows.push([
          name,
          `ours ${preset}`,
          String(data.length),
          String(r.value.length),
          (r.value.length / refStream.length).toFixed(3),
          fmt(r.wall),
          fmt(r.cpu),
          (r.wall / xzEnc.wall).toFixed(2),
          (r.cpu / xzEnc.cpu).toFixed(2),
        ]);
      }
      // The best pure-JS package on npm, as the baseline to beat (issue: lzma1 level 8).
      if (!process.argv.includes('--no-lzma1')) {
        const l = timeOurs(() => lzma1Compress(data, 8), 1);
        rows.push([
          name,
          'lzma1 (npm) -8',
          String(data.length),
          String(l.value.length),
          (l.value.length / refStream.length).toFixed(3),
          fmt(l.wall),
          fmt(l.cpu),
          (l.wall / xzEnc.wall).toFixed(2),
          (l.cpu / xzEnc.cpu).toFixed(2),
        ]);
      }
      const d = timeOurs(() => lzmaDecompress(refStream), Math.max(runs, 3));
      if (!Buffer.from(d.value).equals(Buffer.from(data)))
        throw new Error(`${name}: our decoder differs from the input`);
      rows.push([name, 'xz -d', '', '', '', fmt(xzDec.wall), fmt(xzDec.cpu), '1.00', '1.00']);
      rows.push([
        name,
        'ours decode',
        '',
        '',
        '',
        fmt(d.wall),
        fmt(d.cpu),
        (d.wall / xzDec.wall).toFixed(2),
        (d.cpu / xzDec.cpu).toFixed(2),
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const head = [
    'input',
    'codec',
    'in bytes',
    'out bytes',
    'size/xz',
    'wall s',
    'cpu s',
    'wall/xz',
    'cpu/xz',
  ];
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) => '| ' + r.map((v, c) => v.padEnd(widths[c])).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
  console.log(
    '\nGoals: default size/xz <= 1.02 and time/xz <= 1.5; fast size/xz <= 1.10 and time/xz <= 0.5; decode <= 2.0.',
  );
}

main();
