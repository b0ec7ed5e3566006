/**
 * OVMF patch benchmark (Node): the whole patch — parse, LZMA re-encode of the payload, rebuild,
 * verification by re-parsing — per OVMF fixture, with the time of each phase and of the LZMA
 * step alone on the same payload (the whole payload encoded afresh, as `--recompress full` and
 * patchers that cannot continue a stream do). The Chromium (worker) end-to-end time is printed
 * by the web app's browser bench.
 * Run: `npx tsx bench/ovmf-patch.ts [--runs N] [--preset default|fast] [--recompress resume|full]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { lzmaCompress } from '../src/lib/firmware/compress/lzma/encoder';
import { locateOvmf } from '../src/lib/firmware/ovmf/layout';
import { patchOvmf } from '../src/lib/firmware/ovmf/patch';
import { parseFirmware } from '../src/lib/firmware/parse';
import { fixturePath, haveFixtures } from '../tests/helpers/fixtures';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const runs = Number(opt('--runs', '1'));
const preset = opt('--preset', 'default') as 'default' | 'fast';
const recompress = opt('--recompress', 'resume') as 'resume' | 'full';

const OVMFS = [
  'ovmf/debian-bookworm/OVMF_CODE_4M.fd',
  'ovmf/debian-bookworm/OVMF_CODE_4M.secboot.fd',
  'ovmf/debian-bookworm/OVMF_CODE.fd',
  'ovmf/kholia-osx-kvm/OVMF_CODE.fd',
  'ovmf/gk41-pve-ovmf/OVMF_CODE.fd',
];
const GOP = 'gop-vbt/adl/IntelGopDriver.efi';
const VBT = 'gop-vbt/adl/vbt.bin';

if (!haveFixtures || !existsSync(fixturePath(GOP))) {
  console.log('[skip] OVMF patch bench: the firmware fixtures are not here');
  process.exit(0);
}
const read = (rel: string) => new Uint8Array(readFileSync(fixturePath(rel)));

const secs = (ms: number) => (ms / 1000).toFixed(2);
console.log(
  `OVMF patch in Node, preset ${preset}, recompress ${recompress}, best of ${runs} (seconds)`,
);
console.log(
  '| image | total | parse | LZMA encode | rebuild + verify | whole payload LZMA alone | payload kept | out LZMA bytes |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const rel of OVMFS) {
  if (!existsSync(fixturePath(rel))) continue;
  const ovmf = read(rel);
  let best:
    { total: number; phases: Record<string, number>; size: number; kept: string } | undefined;
  for (let r = 0; r < runs; r++) {
    // Each phase runs from its first progress report to the next phase's first report.
    const firstSeen: Record<string, number> = {};
    const t0 = performance.now();
    const result = await patchOvmf({
      ovmf,
      gop: read(GOP),
      vbt: read(VBT),
      preset,
      recompress,
      onProgress: (p) => (firstSeen[p.phase] ??= performance.now()),
    });
    const total = performance.now() - t0;
    const phases = {
      parse: firstSeen.compress - t0,
      compress: firstSeen.verify - firstSeen.compress,
      verify: t0 + total - firstSeen.verify,
    };
    const kept = `${((100 * result.payloadKept) / result.payloadSize).toFixed(0)}%`;
    if (!best || total < best.total) best = { total, phases, size: result.compressedAfter, kept };
  }
  const payload = locateOvmf(await parseFirmware(ovmf)).lzmaSection.decoded!.bytes;
  let alone = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    lzmaCompress(payload, { preset, dictSize: 1 << 24 });
    alone = Math.min(alone, performance.now() - t0);
  }
  const p = best!.phases;
  console.log(
    `| ${rel} | ${secs(best!.total)} | ${secs(p.parse)} | ${secs(p.compress)} | ${secs(p.verify)} | ${secs(alone)} | ${best!.kept} | ${best!.size} |`,
  );
}
