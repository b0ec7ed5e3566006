/**
 * The LZMA SDK's x86 branch converter ("BCJ"), as edk2's LzmaF86 sections use it: the
 * 32-bit relative targets of E8 (call) and E9 (jmp) opcodes are turned into absolute ones
 * before compression (they then repeat and compress better) and back after decompression.
 *
 * A small mask remembers which of the last three bytes were E8/E9 too, so that bytes that
 * merely look like an opcode inside another instruction's operand are skipped the same way
 * on both sides. Only operands whose top byte is 0x00 or 0xFF (near targets) are converted.
 * The last four bytes are never converted. Works in place and returns the same array.
 */

/** For each 3-bit mask: may the candidate be converted at all. */
const MASK_ALLOWED = [true, true, true, false, true, false, false, false];
/** For each 3-bit mask: which operand byte (counted from the top) to check. */
const MASK_BIT_NUMBER = [0, 1, 2, 2, 3, 3, 3, 3];

function isNear(b: number): boolean {
  return b === 0 || b === 0xff;
}

function convert(data: Uint8Array, startIp: number, encoding: boolean): Uint8Array {
  const size = data.length;
  if (size < 5) return data;
  const ip = (startIp + 5) | 0;
  const limit = size - 4;
  let mask = 0;
  // Position of the previous E8/E9 byte seen; far back at the start.
  let prevPos = -5;
  let pos = 0;
  while (pos < limit) {
    const op = data[pos];
    if ((op & 0xfe) !== 0xe8) {
      pos++;
      continue;
    }
    const gap = pos - prevPos;
    if (gap > 3) mask = 0;
    else {
      mask = (mask << (gap - 1)) & 7;
      if (mask !== 0 && (!MASK_ALLOWED[mask] || isNear(data[pos + 4 - MASK_BIT_NUMBER[mask]]))) {
        prevPos = pos;
        mask = ((mask << 1) & 7) | 1;
        pos++;
        continue;
      }
    }
    prevPos = pos;
    if (!isNear(data[pos + 4])) {
      mask = ((mask << 1) & 7) | 1;
      pos++;
      continue;
    }
    let src =
      data[pos + 1] | (data[pos + 2] << 8) | (data[pos + 3] << 16) | (data[pos + 4] << 24) | 0;
    let dest: number;
    for (;;) {
      dest = encoding ? (src + ip + pos) | 0 : (src - (ip + pos)) | 0;
      if (mask === 0) break;
      const shift = MASK_BIT_NUMBER[mask] * 8;
      if (!isNear((dest >>> (24 - shift)) & 0xff)) break;
      src = dest ^ ((1 << (32 - shift)) - 1);
    }
    data[pos + 1] = dest & 0xff;
    data[pos + 2] = (dest >>> 8) & 0xff;
    data[pos + 3] = (dest >>> 16) & 0xff;
    // The top byte is re-derived from bit 24 so that it stays 0x00 or 0xFF.
    data[pos + 4] = (dest >>> 24) & 1 ? 0xff : 0x00;
    pos += 5;
  }
  return data;
}

/** Undoes the conversion (after LZMA decompression). In place; returns `data`. */
export function bcjX86Decode(data: Uint8Array, startIp = 0): Uint8Array {
  return convert(data, startIp, false);
}

/** Applies the conversion (before LZMA compression). In place; returns `data`. */
export function bcjX86Encode(data: Uint8Array, startIp = 0): Uint8Array {
  return convert(data, startIp, true);
}
