import { basename } from 'node:path';
import { buildIgdRom, patchOvmf, type OvmfPatchResult } from '../../lib/firmware';
import { parseArgs, UsageError, stringFlag, type CliCommand } from '../command';
import { printJson, readInput, writeOutput } from '../io';
import { fromBios } from './rom';

const USAGE =
  'patch --ovmf OVMF_CODE_4M.fd (--bios BIOS | --gop X.efi --vbt Y.bin) -o OUT.fd ' +
  '[--no-igd-assignment] [--rom igd.rom] [--preset default|fast] [--full-recompress] [--json]';

function report(out: string, r: OvmfPatchResult, notes: string[], rom?: string): string {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const lines = [
    ...notes,
    `wrote ${out}: ${r.image.length} bytes, sha256 ${r.sha256}`,
    `GOP ${r.gopVersion}, VBT ${r.vbtPlatform}`,
    ...(r.removed.length
      ? [`replaced ${r.removed.map((f) => f.name ?? f.guid).join(', ')} of an earlier patch`]
      : []),
    ...r.files.map(
      (f) =>
        `  + ${f.name.padEnd(18)} ${f.guid}  ${String(f.size).padStart(7)} bytes  sha256 ${f.contentSha256}`,
    ),
    `payload ${r.payloadSize} bytes (the first ${r.payloadKept} kept as they were compressed), ` +
      `LZMA ${r.compressedBefore} → ${r.compressedAfter} bytes; ` +
      `free: FVMAIN_COMPACT ${kib(r.compactFree)}, DXEFV ${kib(r.dxeFree)}`,
    'verified:',
    ...r.checks.map((c) => `  ✓ ${c.name}: ${c.detail.en}`),
  ];
  if (rom) lines.push(`wrote ${rom}: IgdAssignment option ROM (romfile= on the iGPU's hostpci)`);
  return lines.join('\n') + '\n';
}

export const patchCommand: CliCommand = {
  name: 'patch',
  summary: 'put the Intel GOP, its VBT and our drivers into an OVMF code image (verified)',
  usage: USAGE,
  async run(args) {
    const { positional, flags } = parseArgs(
      args,
      ['--ovmf', '--bios', '--gop', '--vbt', '-o', '--output', '--rom', '--preset'],
      ['--no-igd-assignment', '--full-recompress', '--json'],
    );
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const get = (f: string) => stringFlag(flags, f);
    const ovmfPath = get('--ovmf');
    const out = get('-o') ?? get('--output');
    if (!ovmfPath) throw new UsageError('--ovmf OVMF_CODE.fd is required');
    if (!out) throw new UsageError('-o OUTPUT is required');
    const bios = get('--bios');
    const gopPath = get('--gop');
    const vbtPath = get('--vbt');
    if (bios && (gopPath || vbtPath))
      throw new UsageError('give either --bios or --gop and --vbt, not both');
    if (!bios && !(gopPath && vbtPath))
      throw new UsageError('give --bios BIOS, or both --gop X.efi and --vbt Y.bin');
    const preset = get('--preset') ?? 'default';
    if (preset !== 'default' && preset !== 'fast')
      throw new UsageError('--preset must be default or fast');

    let gop: Uint8Array;
    let vbt: Uint8Array;
    let notes: string[] = [];
    if (bios) {
      const src = await fromBios(bios, true);
      [gop, vbt, notes] = [src.gop!, src.vbt as Uint8Array, src.notes];
    } else [gop, vbt] = [readInput(gopPath!), readInput(vbtPath!)];

    const r = await patchOvmf({
      ovmf: readInput(ovmfPath),
      gop,
      vbt,
      igdAssignment: !flags.has('--no-igd-assignment'),
      preset,
      recompress: flags.has('--full-recompress') ? 'full' : 'resume',
    });
    writeOutput(out, r.image);
    const romPath = get('--rom');
    if (romPath) writeOutput(romPath, (await buildIgdRom({ variant: 'assignment' })).rom);
    if (flags.has('--json')) {
      const { image: _image, checks, ...rest } = r;
      printJson({
        output: out,
        input: basename(ovmfPath),
        ...rest,
        // In English, as the text report prints them.
        checks: checks.map((c) => ({ name: c.name, detail: c.detail.en })),
        rom: romPath,
        notes,
      });
    } else process.stdout.write(report(out, r, notes, romPath));
    return 0;
  },
};
