/**
 * Insyde iFlash packages (H2OFFT/iFdPacker): blocks tagged `$_IFLASH_xxxxxxx` (16 characters),
 * then u32 total size and u32 used size, then the data. `$_IFLASH_BIOSIMG` holds the BIOS image.
 * Layout as documented by platomav/BIOSUtilities (Insyde IFD Extract).
 */
import { ByteView } from '../../bytes/view';
import { FirmwareError } from '../../errors';
import { addChild, makeNode, type FirmwareNode } from '../../tree/node';
import type { ParseContext } from '../../tree/context';
import type { FirmwareFormat, KindGuess } from '../format';
import { absAt, asciiAt, indexOfAscii } from '../util';

export const IFLASH_MARK = '$_IFLASH';
const HEADER = 0x18;
/** What the known tags hold (BIOSUtilities lists the same set). */
const TAG_NAMES: Record<string, string> = {
  BIOSIMG: 'BIOS image',
  BIOSCER: 'BIOS certificate',
  DRV_IMG: 'flash driver',
  EC_IMG: 'embedded controller firmware',
  INI_IMG: 'flasher settings',
  ME_IMG: 'ME firmware',
  ISH_IMG: 'integrated sensor hub firmware',
  IOM_IMG: 'IO manageability firmware',
  OEM_ID: 'OEM identifier',
  PDT_IMG: 'platform descriptor table',
  TBT_IMG: 'Thunderbolt firmware',
};
/** 7-Zip SFX marker Insyde uses for self-extracting packages. */
const SFX_MARK = ';!@InstallEnd@!';

/** Offsets of the `$_IFLASH_` blocks in `bytes` (only those with a sane header). */
export function findIflashBlocks(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const v = new ByteView(bytes);
  let end = 0;
  let i = indexOfAscii(bytes, IFLASH_MARK);
  while (i >= 0) {
    // A marker inside an accepted block's data (or the flasher's own search string) is skipped.
    if (i >= end && i + HEADER <= bytes.length) {
      const total = v.u32(i + 16);
      const used = v.u32(i + 20);
      if (
        used > 0 &&
        total !== 0xffffffff &&
        used <= total &&
        i + HEADER + total <= bytes.length &&
        tagIsText(bytes, i)
      ) {
        out.push(i);
        end = i + HEADER + total;
      }
    }
    i = indexOfAscii(bytes, IFLASH_MARK, i + 8);
  }
  return out;
}

/** Tags are 16 printable characters such as `$_IFLASH_BIOSIMG`. */
function tagIsText(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 16; i++) if (b[at + i] < 0x20 || b[at + i] > 0x7e) return false;
  return true;
}

export function isInsydeSfx(bytes: Uint8Array): boolean {
  return asciiAt(bytes, 0, 'MZ') && indexOfAscii(bytes, SFX_MARK) >= 0;
}

/** An Insyde package: a `$_IFLASH_` block at 0, or an executable holding such blocks. */
export async function openInsyde(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  const atStart = asciiAt(bytes, 0, IFLASH_MARK);
  const isExe = asciiAt(bytes, 0, 'MZ');
  if (!atStart && !isExe) return false;
  const blocks = findIflashBlocks(bytes);
  if (!blocks.length) {
    if (isExe && isInsydeSfx(bytes)) {
      throw new FirmwareError(
        'unsupported',
        'this is an Insyde self-extracting (7-Zip SFX) update package; extract it with 7-Zip or BIOSUtilities Insyde IFD Extract, then open the BIOS image inside',
        { offset: abs },
      );
    }
    if (atStart) {
      throw new FirmwareError('bad-format', 'Insyde $_IFLASH block header is damaged', {
        offset: abs,
      });
    }
    return false;
  }
  ctx.budget.takeNode({ offset: abs });
  const pkg = addChild(
    parent,
    makeNode({
      kind: 'capsule',
      type: 'Insyde iFlash package',
      offset: base,
      raw: bytes,
      data: { is: 'insyde-package', blocks: blocks.length },
      absOffset: abs,
    }),
  );
  let bios = 0;
  for (const at of blocks) {
    const v = new ByteView(bytes, abs ?? 0);
    const tag = v.ascii(at, 16, 'iFlash tag');
    const total = v.u32(at + 16);
    const used = v.u32(at + 20);
    // The block spans `total` bytes after its header; only the first `used` bytes are data.
    const raw = bytes.subarray(at, at + HEADER + total);
    const isBios = tag === '$_IFLASH_BIOSIMG';
    ctx.budget.takeNode({ offset: absAt(abs, at) });
    const node = addChild(
      pkg,
      makeNode({
        kind: isBios ? 'capsule' : 'opaque',
        type: isBios ? 'Insyde BIOS image' : 'Insyde iFlash block',
        name: tag.slice(9).replace(/_+$/, ''),
        offset: at,
        raw,
        headerSize: HEADER,
        data: {
          is: 'insyde-block',
          tag,
          contents: TAG_NAMES[tag.slice(9).replace(/_+$/, '')] ?? 'unknown',
          totalSize: total,
          usedSize: used,
        },
        absOffset: absAt(abs, at),
      }),
    );
    if (isBios && used > 0) {
      bios++;
      await ctx.parseBody(node, raw.subarray(HEADER, HEADER + used), absAt(abs, at + HEADER));
    }
  }
  if (!bios) pkg.warnings.push('the package holds no $_IFLASH_BIOSIMG block');
  return true;
}

/** A `$_IFLASH_` block at 0, or an executable holding such blocks or Insyde's SFX marker. */
function probeInsyde(b: Uint8Array): KindGuess | undefined {
  if (asciiAt(b, 0, IFLASH_MARK))
    return { kind: 'insyde-iflash', label: 'Insyde iFlash BIOS package', offset: 0 };
  if (asciiAt(b, 0, 'MZ') && (findIflashBlocks(b).length || isInsydeSfx(b)))
    return { kind: 'insyde-iflash', label: 'Insyde BIOS update executable', offset: 0 };
  return undefined;
}

export const insydeFormat: FirmwareFormat = {
  name: 'insyde-iflash',
  probe: probeInsyde,
  open: openInsyde,
};
