/**
 * LZMA codec benchmark: our encoder (default, fast) and decoder against `xz --format=lzma`,
 * measured in the same run on the same machine, with the best pure-JS package (`lzma1`,
 * level 8) as the baseline to beat. Run: `npx tsx bench/lzma.ts [--runs N] [--no-lzma1] [files...]`.
 *
 * Default inputs: the DXE payload of /usr/share/OVMF/OVMF_CODE_4M.fd (the body of its LZMA
 * GUIDed section) and the 16 MiB vendor image from ../shared/fixtures/vendor-like-2.
 *
 * Each of our jobs runs in a fresh Node process (bench/lzma-run.ts), so its peak RSS is its
 * own and its JIT starts cold, as in a browser tab. xz -6, ours default and ours fast take
 * turns, `--runs` rounds (default 3); the table shows each one's best wall time and the CPU
 * time of that run. Decoding reads the stream of our default preset (the edk2 layout, with
 * the size in the header, as the app meets it), timed inside one process (the app decodes
 * many sections): best of 3 calls, with the first call in its own row. Peak memory is the process's peak
 * RSS (xz's through GNU time when installed); "RSS B/B" is the peak RSS above the RSS with
 * the input loaded, per input byte, and "alloc B/B" what our encoder allocates per input
 * byte (lzmaCompressMemory; the tree pages of positions never indexed stay unmapped).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { lzmaDecompress } from '../src/lib/firmware/compress/lzma/decoder';
import { lzmaCompressMemory } from '../src/lib/firmware/compress/lzma/encoder';
import { findLzmaSections } from '../src/lib/firmware/compress/lzma/test-support';

interface Job {
  wall: number;
  cpu: number;
  firstWall?: number;
  size: number;
  baseRssMiB?: number;
  peakRssMiB?: number;
}

const haveGnuTime = spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status === 0;

function ovmfPayload(path: string): Uint8Array | null {
  if (!existsSync(path)) return null;
  const [section] = findLzmaSections(new Uint8Array(readFileSync(path)));
  return section ? lzmaDecompress(section.stream) : null;
}

/** xz with its wall time, CPU time and (with GNU time) peak RSS. */
function xz(args: string[], inPath: string, outPath: string): Job {
  const t0 = performance.now();
  const r = haveGnuTime
    ? spawnSync(
        'bash',
        ['-c', `/usr/bin/time -f '%U %S %M' xz ${args.join(' ')} -c '${inPath}' > '${outPath}'`],
        { encoding: 'utf8' },
      )
    : spawnSync(
        'bash',
        ['-c', `TIMEFORMAT='%U %S'; time (xz ${args.join(' ')} -c '${inPath}' > '${outPath}')`],
        { encoding: 'utf8' },
      );
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`xz ${args.join(' ')} failed: ${r.stderr}`);
  const [u, s, kib] = r.stderr.trim().split('\n').pop()!.trim().split(/\s+/).map(Number);
  return {
    wall,
    cpu: u + s,
    size: readFileSync(outPath).length,
    peakRssMiB: haveGnuTime ? kib / 1024 : undefined,
  };
}

function ours(mode: string, arg: string, inPath: string, outPath: string): Job {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'lzma-run.ts'), mode, arg, inPath, outPath],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`lzma-run ${mode} ${arg} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Job;
}

function better(a: Job | undefined, b: Job): Job {
  if (!a) return b;
  const best = b.wall < a.wall ? b : a;
  return { ...best, peakRssMiB: Math.max(a.peakRssMiB ?? 0, b.peakRssMiB ?? 0) || undefined };
}

function main(): void {
  const argv = process.argv.slice(2);
  let runs = 3;
  let withLzma1 = true;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--no-lzma1') withLzma1 = false;
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
      process.env.FIRMWARE_FIXTURES ?? join(import.meta.dirname, '../../shared/fixtures'),
      'vendor-like-2/aptio5-spi-adl.bin',
    );
    if (existsSync(vendor))
      inputs.push(['aptio5-spi-adl.bin', new Uint8Array(readFileSync(vendor))]);
    else console.warn(`[skip] ${vendor} not found`);
  } else for (const f of files) inputs.push([basename(f), new Uint8Array(readFileSync(f))]);

  const dir = mkdtempSync(join(tmpdir(), 'lzma-bench-'));
  const rows: string[][] = [];
  const f2 = (x: number) => x.toFixed(2);
  const mib = (j: Job) => (j.peakRssMiB ? j.peakRssMiB.toFixed(0) : 'n/a');
  try {
    for (const [name, data] of inputs) {
      const raw = join(dir, 'in.bin');
      const ref = join(dir, 'ref.lzma');
      const mine = join(dir, 'ours.lzma');
      const back = join(dir, 'back.bin');
      writeFileSync(raw, data);
      let xzJob: Job | undefined;
      const keep = join(dir, 'default.lzma');
      const best: Record<'default' | 'fast', Job | undefined> = {
        default: undefined,
        fast: undefined,
      };
      for (let r = 0; r < runs; r++) {
        xzJob = better(xzJob, xz(['--format=lzma', '-6'], raw, ref));
        for (const preset of ['default', 'fast'] as const) {
          const job = ours('encode', preset, raw, mine);
          if (r === 0) {
            // Every stream we time must decode back with xz, byte for byte.
            const out = execFileSync('xz', ['--format=lzma', '-dc', mine], { maxBuffer: 1 << 30 });
            if (!Buffer.from(out).equals(Buffer.from(data)))
              throw new Error(`${name} ${preset}: xz does not round-trip our stream`);
            if (preset === 'default') writeFileSync(keep, readFileSync(mine));
          }
          best[preset] = better(best[preset], job);
        }
      }
      const x = xzJob!;
      const row = (codec: string, j: Job, alloc = ''): string[] => [
        name,
        codec,
        String(j.size),
        (j.size / x.size).toFixed(3),
        f2(j.wall),
        (j.wall / x.wall).toFixed(2),
        f2(j.cpu),
        (j.cpu / x.cpu).toFixed(2),
        mib(j),
        j.baseRssMiB !== undefined && j.peakRssMiB !== undefined
          ? (((j.peakRssMiB - j.baseRssMiB) * 2 ** 20) / data.length).toFixed(1)
          : '',
        alloc,
      ];
      const alloc = (preset: 'default' | 'fast') =>
        (lzmaCompressMemory(data.length, { preset }) / data.length).toFixed(1);
      rows.push(row('xz -6', x));
      rows.push(row('ours default', best.default!, alloc('default')));
      rows.push(row('ours fast', best.fast!, alloc('fast')));
      if (withLzma1) rows.push(row('lzma1 (npm) level 8', ours('lzma1', '8', raw, mine)));

      let xzDec: Job | undefined;
      for (let r = 0; r < runs; r++) xzDec = better(xzDec, xz(['--format=lzma', '-d'], keep, back));
      const dec = ours('decode', String(Math.max(3, runs)), keep, back);
      if (!readFileSync(back).equals(Buffer.from(data)))
        throw new Error(`${name}: our decoder differs from the input`);
      const d = xzDec!;
      const decRow = (codec: string, j: Job): string[] => [
        name,
        codec,
        '',
        '',
        f2(j.wall),
        (j.wall / d.wall).toFixed(2),
        j.cpu ? f2(j.cpu) : '',
        j.cpu ? (j.cpu / d.cpu).toFixed(2) : '',
        mib(j),
        '',
        '',
      ];
      rows.push(decRow('xz -d', d));
      rows.push(decRow('ours decode (best of 3)', dec));
      rows.push(decRow('ours decode (first call)', { ...dec, wall: dec.firstWall!, cpu: 0 }));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const head = [
    'input',
    'codec',
    'out bytes',
    'size/xz',
    'wall s',
    'wall/xz',
    'cpu s',
    'cpu/xz',
    'peak MiB',
    'RSS B/B',
    'alloc B/B',
  ];
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) => '| ' + r.map((v, c) => v.padEnd(widths[c])).join(' | ') + ' |';
  console.log(
    `\nLZMA: best of ${runs} runs each, ours in a fresh Node process per run; ratios against xz in the same run.`,
  );
  console.log(line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
  console.log(
    '\nGoals: default size/xz <= 1.02 and wall/xz <= 1.5; fast size/xz <= 1.10 and wall/xz <= 0.5; decode <= 2.0.' +
      '\nRSS B/B: peak RSS above the RSS with the input loaded, per input byte; alloc B/B: what' +
      ' the encoder allocates (lzmaCompressMemory) per input byte.' +
      (haveGnuTime ? '' : '\nxz peak memory needs GNU time (/usr/bin/time): n/a.'),
  );
}

main();
