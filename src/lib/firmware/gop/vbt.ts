/**
 * Intel Video BIOS Table ("$VBT"): header, BDB header and the child-device count.
 * Validation follows what the Linux i915 driver accepts (intel_bios.c): a "$VBT" signature,
 * vbt_size within the data, and a whole BDB ("BIOS_DATA_BLOCK ") inside vbt_size.
 */
import { FirmwareError } from '../errors';
import { ByteView } from '../bytes/view';
import { vbtGeneration, type VbtGeneration } from './generations';

export interface VbtInfo {
  /** Where the "$VBT" header starts in the scanned data. */
  offset: number;
  /** vbt_size from the header: the bytes the VBT really uses. */
  size: number;
  /** Bytes available from `offset` to the end of the given data (stored VBTs are often padded). */
  storedSize: number;
  /** The 20-byte signature, e.g. "$VBT TIGERLAKE", trimmed. */
  signature: string;
  /** The signature after "$VBT ", e.g. "TIGERLAKE". */
  platform: string;
  version: number;
  headerSize: number;
  bdbOffset: number;
  bdbSize: number;
  bdbVersion: number;
  checksum: number;
  /** All vbt_size bytes sum to 0 mod 256; many real VBTs fail this and still work. */
  checksumOk: boolean;
  /** The graphics generation it is for (platform string, else BDB version); a guess either way. */
  generation: VbtGeneration | undefined;
  /** Non-empty child device entries in BDB block 2, when that block is present and sane. */
  childDevices: number | undefined;
  /** Exactly vbt_size bytes (a view into the input). */
  bytes: Uint8Array;
}

const VBT_HEADER_MIN = 0x30; // signature[20] + 4 u16/u8 fields + bdb_offset + aim_offset[4]
const BDB_HEADER_SIZE = 22;
const BDB_SIGNATURE = 'BIOS_DATA_BLOCK';
const BLOCK_GENERAL_DEFINITIONS = 2;
const BLOCK_MIPI_SEQUENCE = 53;

function ascii(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function bad(msg: string, offset: number): never {
  throw new FirmwareError('bad-format', `not a valid VBT: ${msg}`, { offset });
}

/** Parse and validate the VBT whose "$VBT" header starts at `offset`. */
export function parseVbt(bytes: Uint8Array, offset = 0): VbtInfo {
  if (offset < 0 || offset + VBT_HEADER_MIN > bytes.length)
    bad('too short for a VBT header', offset);
  const v = new ByteView(bytes.subarray(offset), offset);
  const sigBytes = v.slice(0, 20, 'VBT signature');
  if (
    sigBytes[0] !== 0x24 ||
    sigBytes[1] !== 0x56 ||
    sigBytes[2] !== 0x42 ||
    sigBytes[3] !== 0x54
  ) {
    bad('no "$VBT" signature', offset);
  }
  const signature = ascii(sigBytes).trim();
  const platform = signature.slice(4).trim();
  const version = v.u16(20);
  const headerSize = v.u16(22);
  const size = v.u16(24);
  const checksum = v.u8(26);
  const bdbOffset = v.u32(28);
  if (size > v.length) bad(`vbt_size ${size} runs past the data (${v.length} bytes)`, offset + 24);
  if (headerSize < 24 || headerSize > size)
    bad(`header_size ${headerSize} is out of range`, offset + 22);
  if (bdbOffset + BDB_HEADER_SIZE > size)
    bad(`BDB header at ${bdbOffset} is outside vbt_size`, offset + 28);
  // i915 writes the signature as "BIOS_DATA_BLOCK " (16 bytes); only the text part is compared.
  if (!ascii(v.slice(bdbOffset, 16)).startsWith(BDB_SIGNATURE)) {
    bad('no "BIOS_DATA_BLOCK" signature at bdb_offset', offset + bdbOffset);
  }
  const bdbVersion = v.u16(bdbOffset + 16);
  const bdbHeaderSize = v.u16(bdbOffset + 18);
  const bdbSize = v.u16(bdbOffset + 20);
  if (bdbOffset + bdbSize > size)
    bad(`BDB of ${bdbSize} bytes runs past vbt_size`, offset + bdbOffset + 20);
  const vbt = v.slice(0, size);
  let sum = 0;
  for (const b of vbt) sum += b;
  return {
    offset,
    size,
    storedSize: bytes.length - offset,
    signature,
    platform,
    version,
    headerSize,
    bdbOffset,
    bdbSize,
    bdbVersion,
    checksum,
    checksumOk: (sum & 0xff) === 0,
    generation: vbtGeneration(platform, bdbVersion),
    childDevices: countChildDevices(vbt, bdbOffset, bdbHeaderSize, bdbSize),
    bytes: vbt,
  };
}

/** Walk the BDB blocks to block 2 and count its non-empty child device entries. */
function countChildDevices(
  vbt: Uint8Array,
  bdbOffset: number,
  bdbHeaderSize: number,
  bdbSize: number,
): number | undefined {
  const end = bdbOffset + bdbSize;
  let p = bdbOffset + bdbHeaderSize;
  while (p + 3 <= end) {
    const id = vbt[p];
    let blockSize = vbt[p + 1] | (vbt[p + 2] << 8);
    // MIPI sequence blocks from version 3 on carry a 32-bit size after their version byte.
    if (id === BLOCK_MIPI_SEQUENCE && p + 8 <= end && vbt[p + 3] >= 3) {
      blockSize = (vbt[p + 4] | (vbt[p + 5] << 8) | (vbt[p + 6] << 16) | (vbt[p + 7] << 24)) >>> 0;
    }
    const data = p + 3;
    if (data + blockSize > end) return undefined;
    if (id === BLOCK_GENERAL_DEFINITIONS) {
      if (blockSize < 5) return undefined;
      const childSize = vbt[data + 4];
      if (childSize < 4) return undefined;
      let n = 0;
      for (let c = data + 5; c + childSize <= data + blockSize; c += childSize) {
        if (vbt[c + 2] | (vbt[c + 3] << 8)) n++; // device_type 0 = empty slot
      }
      return n;
    }
    p = data + blockSize;
  }
  return undefined;
}

/** Every valid VBT in the data, in order; invalid "$VBT" matches are skipped. */
export function findVbts(bytes: Uint8Array): VbtInfo[] {
  const found: VbtInfo[] = [];
  for (let i = 0; i + VBT_HEADER_MIN <= bytes.length; i++) {
    if (
      bytes[i] !== 0x24 ||
      bytes[i + 1] !== 0x56 ||
      bytes[i + 2] !== 0x42 ||
      bytes[i + 3] !== 0x54
    )
      continue;
    try {
      const vbt = parseVbt(bytes, i);
      found.push(vbt);
      i += vbt.size - 1;
    } catch (e) {
      if (!(e instanceof FirmwareError)) throw e;
    }
  }
  return found;
}
