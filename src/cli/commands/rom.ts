import { basename } from 'node:path';
import {
  hexDigits,
  pciId,
  FirmwareError,
  findCandidates,
  gopLabel,
  rankCandidates,
  buildIgdRom,
  IGD_ROM_VARIANTS,
  type IgdRom,
  type IgdRomVariant,
  parseFirmware,
} from '../../lib/firmware';
import { parseArgs, UsageError, stringFlag, type CliCommand, type ParsedArgs } from '../command';
import { printJson, readInput, writeOutput } from '../io';
import {
  amdFromBios,
  deviceIdOf,
  parseVendor,
  vendorOfBios,
  vendorOfGop,
  vbiosFromFile,
  writeAmdRoms,
  usageOfMismatch,
  type AmdSources,
} from './rom-amd';

const USAGE =
  'rom (--bios BIOS | --gop X.efi) [--vbt embed|opregion|FILE] [--device-id 0x46a6] ' +
  '[--variant full|assignment|gop] -o igd.rom [--json]\n' +
  '       rom (--bios BIOS | --gop AMD.efi) [--vbios VBIOS.bin|VFCT] [--device-id 0x1900]\n' +
  '           [--compress auto|always|never] -o OUT.rom [--json]\n' +
  '       (--bios: AMD when it holds AMD graphics and no Intel GOP or VBT; Intel beside an AMD\n' +
  '        APU VBIOS needs --vendor amd|intel or a --device-id only one vendor has; an AMD GOP\n' +
  '        or a VBIOS of a non-APU Radeon beside Intel is for discrete GPUs: Intel. A --device-id\n' +
  "        only the other vendor's table holds is refused unless --vendor says so.\n" +
  '        AMD: OUT is the VBIOS+GOP ROM for BB:00.0,\n' +
  '        or without a VBIOS the GOP-only ROM for the audio function BB:00.1; the GOP-only ROM\n' +
  '        and vbios-<device>.bin are written beside it; --vbios takes a VBIOS file or a copy of\n' +
  '        /sys/firmware/acpi/tables/VFCT, whose image for the device is used)';

function parseDeviceId(text: string): number {
  const n = /^0x[0-9a-f]{1,4}$/i.test(text)
    ? parseInt(text, 16)
    : /^[0-9a-f]{4}$/i.test(text)
      ? parseInt(text, 16)
      : NaN;
  if (!Number.isInteger(n))
    throw new UsageError(`--device-id wants a 16-bit hex ID such as 0x46a6, not "${text}"`);
  return n;
}

export interface Sources {
  gop?: Uint8Array;
  vbt?: Uint8Array | 'opregion';
  notes: string[];
}

/** GOP (and VBT, for `--vbt embed`) from a vendor BIOS: the reader, the finder, the ranking. */
export async function fromBios(path: string, wantVbt: boolean): Promise<Sources> {
  const root = await parseFirmware(readInput(path), { name: basename(path) });
  const ranking = rankCandidates(await findCandidates(root));
  const notes = ranking.warnings.map((w) => `${basename(path)}: ${w.en}`);
  const gop = ranking.gops[0];
  if (!gop) throw new FirmwareError('not-found', `no Intel GOP driver found in ${path}`);
  notes.push(`GOP: ${gopLabel(gop.candidate.info)} (${gop.reason.en}) at ${gop.candidate.path}`);
  notes.push(...gop.warnings.map((w) => `  warning: ${w.en}`));
  if (ranking.gops.length > 1)
    notes.push(`  (${ranking.gops.length - 1} other GOP(s) ranked lower)`);
  const out: Sources = { gop: gop.candidate.bytes, notes };
  if (wantVbt) {
    const vbt = ranking.vbts[0];
    if (!vbt)
      throw new FirmwareError(
        'not-found',
        `no VBT found in ${path} to embed (use --vbt opregion or FILE)`,
      );
    notes.push(`VBT: ${vbt.candidate.info.signature} (${vbt.reason.en}) at ${vbt.candidate.path}`);
    notes.push(...vbt.warnings.map((w) => `  warning: ${w.en}`));
    out.vbt = vbt.candidate.bytes;
  }
  return out;
}

function report(out: string, r: IgdRom, notes: string[]): string {
  const lines = [
    ...notes,
    `wrote ${out}: ${r.rom.length} bytes, sha256 ${r.sha256}`,
    `variant ${r.variant}, PCIR ${pciId(r.vendorId)}:${pciId(r.deviceId)}, ` +
      `class 030000, ${r.images.length} EFI image(s), re-read and verified`,
  ];
  const width = Math.max(...r.images.map((i) => i.name.length));
  r.images.forEach((img, i) => {
    lines.push(
      `  image ${i} @0x${hexDigits(img.offset, 6)}  ${img.name.padEnd(width)}  ` +
        `${String(img.peSize).padStart(7)} bytes  sha256 ${img.sha256}${img.version ? `  ${img.version}` : ''}`,
    );
  });
  if (r.vbt?.source === 'embedded') {
    lines.push(
      `VBT: embedded in PlatformGopPolicy (${r.vbt.signature}, ${r.vbt.size} bytes, sha256 ${r.vbt.sha256})`,
    );
  } else if (r.vbt) lines.push("VBT: read from the host's OpRegion at run time");
  lines.push(
    `use: copy to /usr/share/kvm/ and set romfile=${basename(out)} on the iGPU's hostpci entry`,
  );
  return lines.join('\n') + '\n';
}

/**
 * The AMD ROMs, when the inputs are AMD's (or --vendor amd says so); false to go on with Intel.
 * A BIOS is parsed once here and handed on: `fromBios` parses it again only for Intel.
 * `vendorNotes` gets why a BIOS holding Intel and AMD graphics gives this vendor's ROM.
 */
async function amdRom(
  flags: ParsedArgs['flags'],
  out: string,
  deviceId: number | undefined,
  vendorNotes: string[],
) {
  const get = (f: string) => stringFlag(flags, f);
  const forced = parseVendor(get('--vendor'));
  const [bios, gopPath, vbiosPath] = [get('--bios'), get('--gop'), get('--vbios')];
  if (forced === 'intel' && (vbiosPath || flags.has('--compress')))
    throw new UsageError('--vbios and --compress are for AMD ROMs');
  let vendor = forced ?? (vbiosPath ? 'amd' : undefined);
  let src: AmdSources | undefined;
  if (bios && gopPath) return false; // the Intel path reports the usage error
  if (bios) {
    if (vendor === 'intel') return false;
    const root = await parseFirmware(readInput(bios), { name: basename(bios) });
    vendor ??= await vendorOfBios(root, bios, deviceId, vendorNotes);
    if (vendor === 'amd') src = await amdFromBios(root, bios);
    // --vbios with --bios: a VBIOS (or VFCT table) for a BIOS that holds none, or instead of its own.
    if (src && vbiosPath) {
      const given = vbiosFromFile(
        readInput(vbiosPath),
        vbiosPath,
        deviceId ?? deviceIdOf(src),
        undefined,
        src.gopDeviceIds,
      );
      if (src.vbios) src.notes.push(`  the BIOS's VBIOS is replaced by ${basename(vbiosPath)}`);
      src = { ...src, vbios: given.vbios, notes: [...src.notes, ...given.notes] };
    }
  } else if (gopPath) {
    const gop = readInput(gopPath);
    vendor ??= vendorOfGop(gop);
    if (vendor === 'amd') {
      const given = vbiosPath
        ? vbiosFromFile(readInput(vbiosPath), vbiosPath, deviceId)
        : undefined;
      src = { gop, vbios: given?.vbios, notes: given?.notes ?? [] };
    }
  } else if (vendor === 'amd') throw new UsageError('AMD ROMs need --bios or --gop');
  if (vendor !== 'amd' || !src) {
    if (flags.has('--compress')) throw new UsageError('--compress is for AMD ROMs');
    return false;
  }
  for (const f of ['--variant', '--vbt'])
    if (flags.has(f)) throw new UsageError(`${f} is for Intel ROMs`);
  const compress = get('--compress') ?? 'auto';
  if (compress !== 'auto' && compress !== 'always' && compress !== 'never')
    throw new UsageError('--compress must be auto, always or never');
  src.notes.unshift(...vendorNotes);
  await writeAmdRoms(
    out,
    src,
    { deviceId, compress, anyDeviceId: forced === 'amd' },
    flags.has('--json'),
  );
  return true;
}

export const romCommand: CliCommand = {
  name: 'rom',
  summary:
    'build an iGPU option ROM for stock OVMF (Intel: IgdAssignment + PlatformGopPolicy + GOP; AMD: VBIOS + GOP)',
  usage: USAGE,
  async run(args) {
    const { positional, flags } = parseArgs(
      args,
      [
        '--bios',
        '--gop',
        '--vbt',
        '--device-id',
        '--variant',
        '-o',
        '--output',
        '--vbios',
        '--vendor',
        '--compress',
      ],
      ['--json'],
    );
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const get = (f: string) => stringFlag(flags, f);
    const out = get('-o') ?? get('--output');
    if (!out) throw new UsageError('-o OUTPUT is required');
    const deviceIdText = get('--device-id');
    const deviceId = deviceIdText === undefined ? undefined : parseDeviceId(deviceIdText);
    const variant = (get('--variant') ?? 'full') as IgdRomVariant;
    if (!IGD_ROM_VARIANTS.includes(variant))
      throw new UsageError(`--variant must be one of ${IGD_ROM_VARIANTS.join(', ')}`);
    const bios = get('--bios');
    const gopPath = get('--gop');
    if (bios && gopPath) throw new UsageError('give either --bios or --gop, not both');
    const vbtArg = get('--vbt') ?? 'opregion';
    if (variant === 'assignment') {
      if (bios || gopPath)
        throw new UsageError('the assignment variant holds no GOP; drop --bios/--gop');
    } else if (!bios && !gopPath)
      throw new UsageError(`the ${variant} variant needs --bios or --gop`);
    if (vbtArg !== 'opregion' && variant !== 'full') {
      throw new UsageError(
        `--vbt ${vbtArg} needs the full variant (only it holds the policy driver)`,
      );
    }
    if (vbtArg === 'embed' && !bios)
      throw new UsageError('--vbt embed takes the VBT from --bios; give a VBT FILE instead');

    // Usage is checked first (as before): an AMD input then only decides which ROM is built.
    const vendorNotes: string[] = [];
    if (await amdRom(flags, out, deviceId, vendorNotes)) return 0;
    let src: Sources = { notes: [] };
    if (bios) src = await fromBios(bios, vbtArg === 'embed');
    else if (gopPath) src.gop = readInput(gopPath);
    src.notes.unshift(...vendorNotes);
    if (vbtArg !== 'embed') src.vbt = vbtArg === 'opregion' ? 'opregion' : readInput(vbtArg);
    const r = await buildIgdRom({
      variant,
      gop: variant === 'assignment' ? undefined : src.gop,
      vbt: variant === 'full' ? src.vbt : undefined,
      deviceId,
      anyDeviceId: parseVendor(get('--vendor')) === 'intel',
    }).catch(usageOfMismatch);
    writeOutput(out, r.rom);
    if (flags.has('--json')) {
      const { rom: _rom, ...rest } = r;
      printJson({ output: out, size: r.rom.length, ...rest, notes: src.notes });
    } else process.stdout.write(report(out, r, src.notes));
    return 0;
  },
};
