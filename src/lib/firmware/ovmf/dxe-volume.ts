/** Replace/insert files in a volume while keeping its FvLength: free space shrinks or grows. */
import { FirmwareError } from '../errors';
import { buildPadFile } from './ffs-build';
import { listFiles, readVolume } from './fv-walk';

/** FFS data alignment from the attributes (bits 3..5, plus bit 1 for the 2^(4+) range of FFS3). */
function fileAlignment(attributes: number): number {
  const exp = [0, 4, 7, 9, 10, 12, 15, 16][(attributes >> 3) & 7];
  return 1 << Math.max(exp, 3);
}

/**
 * A copy of the volume `vol` without the files named in `remove`, with `add` (complete FFS files)
 * appended after the last file. Files before the first removed one keep their offsets; later files
 * move but keep their bytes (pad files there are regenerated where alignment needs them).
 */
export function rewriteVolume(
  vol: Uint8Array,
  remove: readonly string[],
  add: Uint8Array[],
): Uint8Array {
  const info = readVolume(vol, 0);
  if (info.length !== vol.length)
    throw new FirmwareError('bad-format', 'volume bytes and FvLength differ');
  const { files, end } = listFiles(vol, info);
  const gone = new Set(remove.map((g) => g.toUpperCase()));
  const firstGone = files.findIndex((f) => gone.has(f.guid));
  const out = new Uint8Array(vol.length).fill(info.erasePolarity ? 0xff : 0);
  let at: number;
  let rest: Uint8Array[];
  if (firstGone < 0) {
    out.set(vol.subarray(0, end), 0);
    at = end;
    rest = [];
  } else {
    out.set(vol.subarray(0, files[firstGone].offset), 0);
    at = files[firstGone].offset;
    rest = files
      .slice(firstGone)
      .filter((f) => !gone.has(f.guid) && f.type !== 0xf0)
      .map((f) => vol.subarray(f.offset, f.offset + f.size));
  }
  for (const f of [...rest, ...add]) {
    at = (at + 7) & ~7;
    const hdr = f[19] & 1 ? 32 : 24;
    const align = fileAlignment(f[19]);
    if (align > 8 && (at + hdr) % align !== 0) {
      let pad = (align - ((at + hdr + 24) % align)) % align;
      pad += 24;
      if (at + pad > out.length) break;
      out.set(buildPadFile(pad, info.erasePolarity), at);
      at = (at + pad + 7) & ~7;
    }
    if (at + f.length > out.length) {
      const need =
        at +
        f.length -
        out.length +
        [...rest, ...add]
          .slice([...rest, ...add].indexOf(f) + 1)
          .reduce((n, x) => n + ((x.length + 7) & ~7), 0);
      throw new FirmwareError(
        'no-space',
        `the files do not fit in the volume: ${need} more bytes are needed`,
        { offset: at },
      );
    }
    out.set(f, at);
    at += f.length;
  }
  return out;
}
