/**
 * The AMD half of `rom`: which vendor a BIOS or GOP file is for, and the AMD ROMs
 * (combined VBIOS+GOP, GOP-only for the audio function, the VBIOS alone) written and reported.
 */
import { basename, dirname, join } from 'node:path';
import {
  amdGopInfo,
  amdGopLabel,
  chooseGraphicsVendor,
  intelEvidence,
  DeviceVendorMismatchError,
  MixedGraphicsError,
  rankCandidates,
  type GraphicsFound,
  buildAmdRoms,
  COMBINED_ROM_SOFT_LIMIT,
  MAX_LEGACY_INIT_BLOCKS,
  MAX_OPTION_ROM_SIZE,
  findAmdCandidates,
  findCandidates,
  FirmwareError,
  hexDigits,
  isVfct,
  pciId,
  readPcir,
  vbiosFromVfct,
  vfctPciAddress,
  rankAmdCandidates,
  type AmdRomOptions,
  type AmdRoms,
  type FirmwareNode,
  type PciAddress,
} from '../../lib/firmware';
import { UsageError } from '../command';
import { printJson, writeOutput } from '../io';

export type Vendor = 'amd' | 'intel';

export function parseVendor(text: string | undefined): Vendor | undefined {
  if (text === undefined) return undefined;
  if (text !== 'amd' && text !== 'intel') throw new UsageError('--vendor must be amd or intel');
  return text;
}

/** AMD when the file is an AMD GOP; Intel otherwise (the Intel builder then says what is wrong). */
export function vendorOfGop(gop: Uint8Array): Vendor {
  return amdGopInfo(gop) ? 'amd' : 'intel';
}

/** What a parsed BIOS holds, in the shape the vendor choice reads. */
async function graphicsFound(root: FirmwareNode): Promise<GraphicsFound> {
  const intel = rankCandidates(await findCandidates(root));
  const amd = rankAmdCandidates(await findAmdCandidates(root));
  return {
    intelGops: intel.gops.map(({ candidate: { info } }) => ({
      version: info.versionText,
      generation: info.generation?.label,
    })),
    intelVbts: intel.vbts,
    amdGops: amd.gops.map((g) => ({ version: g.candidate.info.version })),
    amdVbioses: amd.vbioses.map(({ candidate: { info } }) => ({
      deviceId: info.deviceId,
      family: info.apu?.family,
      version: info.version,
    })),
  };
}

/**
 * Which vendor's ROM the BIOS gives (graphics-vendor.ts): Intel for an Intel GOP or VBT whose only
 * AMD company is a discrete-card AMD GOP or VBIOS, AMD for AMD graphics without either; Intel
 * beside an AMD APU VBIOS needs --vendor (or a --device-id only one table holds), and a
 * --device-id only the other vendor's table holds is refused. When the image held both vendors'
 * graphics, `notes` gets why this one was taken.
 */
export async function vendorOfBios(
  root: FirmwareNode,
  path: string,
  deviceId?: number,
  notes: string[] = [],
): Promise<Vendor> {
  const found = await graphicsFound(root);
  try {
    const { vendor, why } = chooseGraphicsVendor(found, { deviceId, path });
    if (intelEvidence(found) && found.amdGops.length + found.amdVbioses.length)
      notes.push(`vendor: ${vendor} (${why})`);
    return vendor;
  } catch (e) {
    if (e instanceof MixedGraphicsError)
      throw new UsageError(
        `${path} holds ${e.intel} and an AMD APU VBIOS (${e.amdVbios})` +
          `${e.deviceNote}: choose with --vendor intel or --vendor amd ` +
          '(or a --device-id that only one of the two device tables holds)',
      );
    return usageOfMismatch(e);
  }
}

/** Rethrows a device ID of the other vendor's iGPU as a usage error, with the way to force it. */
export function usageOfMismatch(e: unknown): never {
  throw e instanceof DeviceVendorMismatchError
    ? new UsageError(`--device-id: ${e.message}; --vendor ${e.vendor} builds it all the same`)
    : e;
}

export interface AmdSources {
  gop: Uint8Array;
  vbios?: Uint8Array;
  /** APU GPU IDs the ROM image holding the GOP is marked for (from a BIOS). */
  gopDeviceIds?: readonly number[];
  notes: string[];
}

/** The top-ranked AMD GOP and VBIOS of a parsed BIOS. */
export async function amdFromBios(root: FirmwareNode, path: string): Promise<AmdSources> {
  const found = await findAmdCandidates(root);
  const ranking = rankAmdCandidates(found);
  const name = basename(path);
  const notes = ranking.warnings.map((w) => `${name}: ${w.en}`);
  const gop = ranking.gops[0];
  if (!gop) {
    const pei = found.peiGops.length ? ' (only a 32-bit PEI GOP, which OVMF cannot run)' : '';
    throw new FirmwareError('not-found', `no x64 AMD GOP driver found in ${path}${pei}`);
  }
  notes.push(`GOP: ${amdGopLabel(gop.candidate.info)} (${gop.reason.en}) at ${gop.candidate.path}`);
  notes.push(...gop.warnings.map((w) => `  warning: ${w.en}`));
  const vbios = ranking.vbioses[0];
  if (vbios) {
    const i = vbios.candidate.info;
    notes.push(
      `VBIOS: 1002:${pciId(i.deviceId)} ${i.apu?.family ?? 'unknown family'} ${i.version ?? ''} (${vbios.reason.en}) at ${vbios.candidate.path}`,
    );
    notes.push(...vbios.warnings.map((w) => `  warning: ${w.en}`));
  } else notes.push('no APU VBIOS found: writing the GOP-only ROM');
  return {
    gop: gop.candidate.bytes,
    vbios: vbios?.candidate.bytes,
    gopDeviceIds: gop.candidate.deviceIds,
    notes,
  };
}

/**
 * The VBIOS of a --vbios file: the file itself, or from an ACPI VFCT table (a copy of
 * /sys/firmware/acpi/tables/VFCT) the image for `deviceId` (the record at `address` first, when
 * the GPU's address is known); without an ID, the only image whose device is among `gopIds` (one
 * GOP serves several APUs: Phoenix 15bf and Hawk Point 1900), else the table's only image;
 * several left is an error asking for the ID.
 */
export function vbiosFromFile(
  bytes: Uint8Array,
  path: string,
  deviceId: number | undefined,
  address?: PciAddress,
  gopIds: readonly number[] = [],
): { vbios: Uint8Array; notes: string[] } {
  if (!isVfct(bytes)) return { vbios: bytes, notes: [] };
  const picked = vbiosFromVfct(bytes, deviceId, address, gopIds);
  const r = picked.record;
  return {
    vbios: picked.image,
    notes: [
      `VBIOS: from the ACPI VFCT table ${basename(path)}, the record for ${vfctPciAddress(r)} [${pciId(r.vendorId)}:${pciId(r.deviceId)}] at 0x${hexDigits(r.offset)}` +
        ` (${picked.info.apu?.family ?? 'unknown family'} ${picked.info.version ?? ''})`.trimEnd(),
      ...picked.warnings.map((w) => `  warning: ${basename(path)}: ${w}`),
    ],
  };
}

/** The GPU device ID a BIOS's own VBIOS is for. */
export function deviceIdOf(src: AmdSources): number | undefined {
  return src.vbios && readPcir(src.vbios, 0)?.deviceId;
}

/** The size limits the ROMs were checked against, each with where it comes from. */
const LIMITS =
  `limits: each ROM <= ${MAX_OPTION_ROM_SIZE >> 20} MiB (PCI Local Bus 3.0 6.3, edk2 EfiRom); ` +
  `the VBIOS initializes <= ${MAX_LEGACY_INIT_BLOCKS} blocks (its size byte); ` +
  `${COMBINED_ROM_SOFT_LIMIT >> 10} KiB for the combined ROM is the discrete-card shape ` +
  '(legacy area 0xC0000-0xDFFFF), not an OVMF limit: warned above it';

function report(written: { path: string; rom: AmdRoms['roms'][number] }[], r: AmdRoms): string {
  const lines = [`GOP: ${amdGopLabel(r.gop)}, ${r.gop.size} bytes, sha256 ${r.gop.sha256}`];
  if (r.vbios)
    lines.push(
      `VBIOS: 1002:${pciId(r.vbios.deviceId)} ${r.vbios.apu?.family ?? 'unknown family'}, ATOM ${r.vbios.version ?? '?'}` +
        `${r.vbios.partNumber ? `, ${r.vbios.partNumber}` : ''}, ${r.vbios.size} bytes, sha256 ${r.vbios.sha256}`,
    );
  for (const { path, rom } of written) {
    lines.push(
      `wrote ${path} (${rom.kind}, romfile= of ${rom.function}): ${rom.rom.length} bytes, sha256 ${rom.sha256}, re-read and verified`,
    );
    for (const img of rom.images)
      lines.push(
        `  image @0x${hexDigits(img.offset, 6)}  PCIR ${pciId(img.vendorId)}:${pciId(img.deviceId)} class ${hexDigits(img.classCode, 6)}  ` +
          `${img.codeType === 3 ? 'EFI   ' : 'legacy'}  ${String(img.length).padStart(7)} bytes${img.last ? '  last' : ''}` +
          `${img.compressed ? '  EFI-compressed' : ''}  sha256 ${img.sha256}`,
      );
  }
  lines.push(LIMITS);
  for (const w of r.warnings) lines.push(`warning: ${w.en}`);
  return lines.join('\n') + '\n';
}

/** Build the AMD ROMs and write them: OUT is the combined ROM (with a VBIOS) or the GOP-only one. */
export async function writeAmdRoms(
  out: string,
  src: AmdSources,
  opts: Omit<AmdRomOptions, 'gop' | 'vbios'>,
  json: boolean,
): Promise<void> {
  const r = await buildAmdRoms({ ...opts, gop: src.gop, vbios: src.vbios }).catch(usageOfMismatch);
  const main = r.roms[0];
  const written = r.roms.map((rom) => ({
    path: rom === main ? out : join(dirname(out), rom.fileName),
    rom,
  }));
  for (const w of written) writeOutput(w.path, w.rom.rom);
  if (json) {
    printJson({
      vendor: 'amd',
      gop: { ...r.gop, pe: undefined, machine: r.gop.pe.machineName },
      vbios: r.vbios && { ...r.vbios },
      deviceId: r.deviceId === undefined ? undefined : '0x' + pciId(r.deviceId),
      family: r.apu?.family,
      audioDeviceId:
        r.apu?.audioDeviceId === undefined ? undefined : '0x' + pciId(r.apu.audioDeviceId),
      roms: written.map(({ path, rom }) => ({
        file: path,
        kind: rom.kind,
        function: rom.function,
        size: rom.rom.length,
        sha256: rom.sha256,
        images: rom.images,
      })),
      limits: LIMITS.replace(/^limits: /, ''),
      warnings: r.warnings.map((w) => w.en),
      notes: src.notes,
    });
  } else process.stdout.write([...src.notes, ''].join('\n') + report(written, r));
}
