/** 8-bit sum of a range (a valid EFI 8-bit checksummed range sums to 0). */
export function sum8(b: Uint8Array, start = 0, end = b.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s += b[i];
  return s & 0xff;
}

/** 16-bit sum of little-endian words (FV headers sum to 0). `end - start` must be even. */
export function sum16(b: Uint8Array, start = 0, end = b.length): number {
  let s = 0;
  for (let i = start; i + 1 < end; i += 2) s += b[i] | (b[i + 1] << 8);
  return s & 0xffff;
}

/** The byte that makes sum8 of the range plus it equal zero. */
export function checksum8(b: Uint8Array, start = 0, end = b.length): number {
  return (0x100 - sum8(b, start, end)) & 0xff;
}

export function checksum16(b: Uint8Array, start = 0, end = b.length): number {
  return (0x10000 - sum16(b, start, end)) & 0xffff;
}

let crcTable: Int32Array | undefined;

/** CRC-32 (IEEE 802.3, as EFI_CRC32_GUIDED_SECTION and the FMP/PFS formats use). */
export function crc32(b: Uint8Array, start = 0, end = b.length, seed = 0): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  const t = crcTable;
  let c = ~seed;
  for (let i = start; i < end; i++) c = t[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
