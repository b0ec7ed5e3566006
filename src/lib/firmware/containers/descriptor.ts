/**
 * Intel flash descriptor (SPI image): signature 0x0FF0A55A at 0x10, FLMAP0 pointing at the
 * component section (FCBA) and the region table (FRBA). Regions become 'region' nodes; the BIOS
 * region is handed to `ctx.parseBody`, the others stay opaque.
 */
import { ByteView } from '../bytes/view';
import { FirmwareError } from '../errors';
import { addChild, makeNode, type FirmwareNode } from '../tree/node';
import type { ParseContext } from '../tree/context';
import type { FirmwareFormat, KindGuess } from './format';
import { absAt, allBytes, hex } from './util';

export const DESCRIPTOR_SIGNATURE = 0x0ff0a55a;

/** Region names by FLREG index (Intel PCH datasheets; UEFITool uses the same order). */
const REGION_NAMES = [
  'Descriptor',
  'BIOS',
  'ME',
  'GbE',
  'PDR',
  'DevExp1',
  'BIOS2',
  'Microcode',
  'EC',
  'DevExp2',
  'IE',
  '10GbE1',
  '10GbE2',
  'Reserved1',
  'Reserved2',
  'PTT',
] as const;

export function hasDescriptor(bytes: Uint8Array): boolean {
  return bytes.length >= 0x1000 && new ByteView(bytes).u32(0x10) === DESCRIPTOR_SIGNATURE;
}

export interface RegionInfo {
  index: number;
  name: string;
  offset: number;
  size: number;
}

export interface DescriptorInfo {
  version: 1 | 2;
  fcba: number;
  frba: number;
  regions: RegionInfo[];
  warnings: string[];
}

/** Reads the region table; regions are clipped to the image with a warning. */
export function readDescriptor(bytes: Uint8Array, abs = 0): DescriptorInfo {
  const v = new ByteView(bytes, abs);
  if (v.u32(0x10, 'descriptor signature') !== DESCRIPTOR_SIGNATURE) {
    throw new FirmwareError('bad-format', 'no Intel flash descriptor signature at 0x10', {
      offset: abs + 0x10,
    });
  }
  const flmap0 = v.u32(0x14, 'FLMAP0');
  const fcba = (flmap0 & 0xff) << 4;
  const frba = ((flmap0 >>> 16) & 0xff) << 4;
  // v1 descriptors (before Skylake) hard-wire the read clock to 20 MHz (0), as UEFITool checks.
  const flcomp = v.u32(fcba, 'FLCOMP');
  const version: 1 | 2 = ((flcomp >>> 17) & 7) === 0 ? 1 : 2;
  const count = version === 1 ? 5 : 16;
  const warnings: string[] = [];
  const regions: RegionInfo[] = [];
  for (let i = 0; i < count; i++) {
    if (!v.has(frba + i * 4, 4)) break;
    const flreg = v.u32(frba + i * 4, `FLREG${i}`);
    const baseBlk = flreg & 0x7fff;
    const limitBlk = (flreg >>> 16) & 0x7fff;
    // Unused regions read base 0x7FFF (limit 0) or have base above limit.
    if (baseBlk === 0x7fff || baseBlk > limitBlk) continue;
    // UEFITool also treats a zero limit as unused except for the descriptor itself.
    if (limitBlk === 0 && i !== 0) continue;
    const offset = baseBlk * 0x1000;
    let size = (limitBlk + 1 - baseBlk) * 0x1000;
    const name = REGION_NAMES[i];
    if (offset >= bytes.length) {
      warnings.push(
        `${name} region at ${hex(offset)} lies outside the ${hex(bytes.length)}-byte image`,
      );
      continue;
    }
    if (offset + size > bytes.length) {
      warnings.push(
        `${name} region ${hex(offset)}+${hex(size)} runs past the end of the image; clipped`,
      );
      size = bytes.length - offset;
    }
    regions.push({ index: i, name, offset, size });
  }
  // Gigabyte images declare a BIOS region spanning the whole flash; like UEFITool, take the
  // BIOS region to start where the ME region ends.
  const bios = regions.find((r) => r.index === 1);
  if (bios && bios.offset === 0 && bios.size === bytes.length) {
    const me = regions.find((r) => r.index === 2);
    if (!me) {
      throw new FirmwareError(
        'bad-format',
        'the descriptor declares a BIOS region covering the whole image and no ME region to place it after',
        { offset: abs + frba + 4 },
      );
    }
    bios.offset = me.offset + me.size;
    bios.size = bytes.length - bios.offset;
    warnings.push(
      `BIOS region covers the whole image (Gigabyte layout); using ${hex(bios.offset)}..end`,
    );
  }
  regions.sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < regions.length; i++) {
    const p = regions[i - 1];
    const r = regions[i];
    if (r.offset < p.offset + p.size) {
      warnings.push(
        `${r.name} region at ${hex(r.offset)} overlaps ${p.name} region (${hex(p.offset)}+${hex(p.size)})`,
      );
    }
  }
  return { version, fcba, frba, regions, warnings };
}

export async function openDescriptor(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  if (!hasDescriptor(bytes)) return false;
  const info = readDescriptor(bytes, abs ?? 0);
  parent.warnings.push(...info.warnings);
  let pos = 0;
  const addPadding = (from: number, to: number) => {
    if (to <= from) return;
    const raw = bytes.subarray(from, to);
    ctx.budget.takeNode({ offset: absAt(abs, from) });
    const pad = addChild(
      parent,
      makeNode({
        kind: 'padding',
        type: 'padding',
        offset: base + from,
        raw,
        absOffset: absAt(abs, from),
      }),
    );
    if (!allBytes(raw, 0xff) && !allBytes(raw, 0))
      pad.warnings.push('bytes outside every region are not empty');
  };
  const bodies: { node: FirmwareNode; r: RegionInfo }[] = [];
  for (const r of info.regions) {
    if (r.offset > pos) addPadding(pos, r.offset);
    ctx.budget.takeNode({ offset: absAt(abs, r.offset) });
    const node = addChild(
      parent,
      makeNode({
        kind: 'region',
        type: `${r.name} region`,
        name: r.name,
        offset: base + r.offset,
        raw: bytes.subarray(r.offset, r.offset + r.size),
        data: {
          is: 'region',
          index: r.index,
          base: r.offset,
          size: r.size,
          descriptor:
            r.index === 0 ? { version: info.version, fcba: info.fcba, frba: info.frba } : undefined,
        },
        absOffset: absAt(abs, r.offset),
      }),
    );
    if (r.index === 1 || r.index === 6) bodies.push({ node, r });
    pos = Math.max(pos, r.offset + r.size);
  }
  if (pos < bytes.length) addPadding(pos, bytes.length);
  if (!bodies.length) parent.warnings.push('the flash descriptor lists no BIOS region');
  for (const { node, r } of bodies) {
    await ctx.parseBody(node, node.raw, absAt(abs, r.offset));
  }
  return true;
}

const LABEL = 'Intel SPI flash image (with flash descriptor)';

/** The descriptor's region table, for people, or why it cannot be read. */
function describeRegions(b: Uint8Array): string {
  try {
    const d = readDescriptor(b);
    return `descriptor v${d.version}; regions: ${d.regions.map((r) => `${r.name} ${hex(r.offset)}+${hex(r.size)}`).join(', ')}`;
  } catch (e) {
    if (!(e instanceof FirmwareError)) throw e;
    return `descriptor unreadable: ${e.message}`;
  }
}

function probeDescriptor(b: Uint8Array): KindGuess | undefined {
  const v = new ByteView(b);
  if (b.length >= 0x14 && v.u32(0x10) === DESCRIPTOR_SIGNATURE)
    return { kind: 'intel-descriptor', label: LABEL, offset: 0, detail: describeRegions(b) };
  // Named, not opened: nothing here reads the ICH8 layout's regions yet.
  if (b.length >= 4 && v.u32(0) === DESCRIPTOR_SIGNATURE) {
    return {
      kind: 'intel-descriptor',
      label: LABEL,
      offset: 0,
      detail: 'old (ICH8-era) layout with the signature at offset 0',
    };
  }
  return undefined;
}

export const descriptorFormat: FirmwareFormat = {
  name: 'intel-descriptor',
  probe: probeDescriptor,
  open: openDescriptor,
};
