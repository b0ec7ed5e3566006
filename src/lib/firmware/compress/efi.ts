/**
 * Decoder for the EFI 1.1 and Tiano compression formats (UEFI spec "Compression Algorithm
 * Specification"; edk2 BaseUefiDecompressLib / TianoDecompress). Both are LZ77 + static Huffman
 * blocks; they differ only in the width of the count field of the position-code table:
 * 4 bits for EFI 1.1 (8 KiB window), 5 bits for Tiano (512 KiB window).
 *
 * Layout: u32 compressed size, u32 original size, then an MSB-first bit stream of blocks.
 * Each block: u16 symbol count, the "pt" code lengths for the char-length code, the char/length
 * code lengths, the position code lengths, then symbols.
 */
import type { Budget } from '../budget';
import { dataViewOf } from '../bytes/view';
import { FirmwareError } from '../errors';

export type EfiVariant = 'efi' | 'tiano';

export interface EfiDecompressOptions {
  budget?: Budget;
  /** Refuse streams whose declared original size is larger (default 256 MiB). */
  maxOutput?: number;
}

const MAX_MATCH = 256;
const THRESHOLD = 3;
/** Literal bytes + match lengths THRESHOLD..MAX_MATCH. */
const NC = 0xff + MAX_MATCH + 2 - THRESHOLD; // 510
const CBIT = 9;
const NT = 16 + 3; // code lengths 0..16 plus three run-length codes
const TBIT = 5;
const MAXNP = 31; // (1 << max pbit) - 1
const NPT = 0x1f; // max(NT, MAXNP)
const C_TABLE_BITS = 12;
const PT_TABLE_BITS = 8;
const DEFAULT_MAX_OUTPUT = 256 << 20;

function ended(done: number, size: number, offset: number): never {
  fail(`compressed data ended before the output was complete (${done} of ${size} bytes)`, offset);
}

function fail(msg: string, offset?: number): never {
  throw new FirmwareError('decompress', `EFI/Tiano decompression: ${msg}`, { offset });
}

/** MSB-first bit reader; reading past the data yields zeros (as the reference does), tracked. */
class BitReader {
  private pos = 0; // bit position
  constructor(
    private readonly src: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {}

  private byte(i: number): number {
    const j = this.start + i;
    return j < this.end ? this.src[j] : 0;
  }

  /** The next 32 bits, not consumed. */
  peek32(): number {
    const i = this.pos >>> 3;
    const s = this.pos & 7;
    const v =
      ((this.byte(i) << 24) |
        (this.byte(i + 1) << 16) |
        (this.byte(i + 2) << 8) |
        this.byte(i + 3)) >>>
      0;
    if (s === 0) return v;
    return ((v << s) | (this.byte(i + 4) >>> (8 - s))) >>> 0;
  }

  peek(n: number): number {
    return n === 0 ? 0 : this.peek32() >>> (32 - n);
  }

  skip(n: number): void {
    this.pos += n;
  }

  get(n: number): number {
    const v = this.peek(n);
    this.pos += n;
    return v;
  }

  /** Bits consumed beyond the end of the data. */
  overrun(): number {
    return Math.max(0, this.pos - (this.end - this.start) * 8);
  }
}

class Decoder {
  readonly left = new Uint16Array(2 * NC - 1);
  readonly right = new Uint16Array(2 * NC - 1);
  readonly cLen = new Uint8Array(NC);
  readonly ptLen = new Uint8Array(NPT);
  readonly cTable = new Uint16Array(1 << C_TABLE_BITS);
  readonly ptTable = new Uint16Array(1 << PT_TABLE_BITS);
  blockSize = 0;
  /**
   * This block's char/length code, and its position code, have a single symbol: such symbols
   * take no bits (a position above 1 still reads its extra bits), so every remaining symbol of
   * the block repeats the one just decoded.
   */
  cSingle = false;
  pSingle = false;

  constructor(
    readonly bits: BitReader,
    readonly pbit: number,
  ) {}

  /** Canonical Huffman decode table plus an overflow tree in left/right; rejects incomplete codes. */
  makeTable(nChar: number, bitLen: Uint8Array, tableBits: number, table: Uint16Array): void {
    const count = new Uint32Array(17);
    const start = new Uint32Array(18);
    const weight = new Uint32Array(17);
    for (let i = 0; i < nChar; i++) {
      const l = bitLen[i];
      if (l > 16) fail('code length over 16 bits');
      count[l]++;
    }
    start[1] = 0;
    for (let i = 1; i <= 16; i++) start[i + 1] = start[i] + (count[i] << (16 - i));
    if (start[17] !== 1 << 16) fail('bad Huffman table (lengths do not form a complete code)');
    const juBits = 16 - tableBits;
    for (let i = 1; i <= tableBits; i++) {
      start[i] >>>= juBits;
      weight[i] = 1 << (tableBits - i);
    }
    for (let i = tableBits + 1; i <= 16; i++) weight[i] = 1 << (16 - i);
    const size = 1 << tableBits;
    const idx = start[tableBits + 1] >>> juBits;
    if (idx !== 0 && idx < size) table.fill(0, idx, size);
    let avail = nChar;
    const mask = 1 << (15 - tableBits);
    for (let ch = 0; ch < nChar; ch++) {
      const len = bitLen[ch];
      if (len === 0) continue;
      const next = start[len] + weight[len];
      if (len <= tableBits) {
        if (next > size) fail('bad Huffman table');
        table.fill(ch, start[len], next);
      } else {
        let code = start[len];
        // The reference walks from a table slot through left/right; "ref" names the slot.
        let refArr: Uint16Array = table;
        let refIdx = code >>> juBits;
        if (refIdx >= size) fail('bad Huffman table');
        for (let n = len - tableBits; n > 0; n--) {
          if (refArr[refIdx] === 0) {
            if (avail >= this.left.length) fail('Huffman tree overflow');
            this.left[avail] = 0;
            this.right[avail] = 0;
            refArr[refIdx] = avail++;
          }
          const node = refArr[refIdx];
          if (node >= this.left.length) fail('bad Huffman tree');
          refArr = code & mask ? this.right : this.left;
          refIdx = node;
          code <<= 1;
        }
        refArr[refIdx] = ch;
      }
      start[len] = next;
    }
  }

  /** Follow the overflow tree for codes longer than the table width. */
  private walk(sym: number, limit: number, tableBits: number): number {
    const window = this.bits.peek32();
    let mask = (1 << (31 - tableBits)) >>> 0;
    for (let steps = 0; sym >= limit; steps++) {
      if (steps > 16 || sym >= this.left.length) fail('corrupt Huffman code');
      sym = window & mask ? this.right[sym] : this.left[sym];
      mask >>>= 1;
    }
    return sym;
  }

  /** Returns true for a single-symbol (0-bit) table. */
  readPtLen(nn: number, nbit: number, special: number): boolean {
    const b = this.bits;
    const number = b.get(nbit);
    if (number === 0) {
      const c = b.get(nbit);
      if (c >= nn) fail('bad single-code table');
      this.ptTable.fill(c);
      this.ptLen.fill(0, 0, nn);
      return true;
    }
    if (number > nn) fail('too many code lengths');
    let i = 0;
    while (i < number && i < NPT) {
      let c = b.peek(3);
      if (c === 7) {
        let mask = 1 << (31 - 3);
        const w = b.peek32();
        while (mask & w) {
          mask >>>= 1;
          c++;
        }
        if (c > 16) fail('code length over 16 bits');
      }
      b.skip(c < 7 ? 3 : c - 3);
      this.ptLen[i++] = c;
      if (i === special) {
        let z = b.get(2);
        while (z-- > 0 && i < NPT) this.ptLen[i++] = 0;
      }
    }
    while (i < nn) this.ptLen[i++] = 0;
    this.makeTable(nn, this.ptLen, PT_TABLE_BITS, this.ptTable);
    return false;
  }

  readCLen(): boolean {
    const b = this.bits;
    const number = b.get(CBIT);
    if (number === 0) {
      const c = b.get(CBIT);
      if (c >= NC) fail('bad single-code table');
      this.cLen.fill(0);
      this.cTable.fill(c);
      return true;
    }
    if (number > NC) fail('too many code lengths');
    let i = 0;
    while (i < number) {
      let c = this.ptTable[b.peek(PT_TABLE_BITS)];
      if (c >= NT) c = this.walk(c, NT, PT_TABLE_BITS);
      b.skip(this.ptLen[c]);
      if (c <= 2) {
        let run = c === 0 ? 1 : c === 1 ? b.get(4) + 3 : b.get(CBIT) + 20;
        while (run-- > 0 && i < NC) this.cLen[i++] = 0;
      } else {
        this.cLen[i++] = c - 2;
      }
    }
    this.cLen.fill(0, i);
    this.makeTable(NC, this.cLen, C_TABLE_BITS, this.cTable);
    return false;
  }

  decodeC(): number {
    const b = this.bits;
    if (this.blockSize === 0) {
      this.blockSize = b.get(16);
      this.readPtLen(NT, TBIT, 3);
      this.cSingle = this.readCLen();
      this.pSingle = this.readPtLen(MAXNP, this.pbit, -1);
    }
    // A u16, as in the reference decoder: a block that declares 0 symbols holds 65536.
    this.blockSize = (this.blockSize - 1) & 0xffff;
    let c = this.cTable[b.peek(C_TABLE_BITS)];
    if (c >= NC) c = this.walk(c, NC, C_TABLE_BITS);
    b.skip(this.cLen[c]);
    return c;
  }

  decodeP(): number {
    const b = this.bits;
    let v = this.ptTable[b.peek(PT_TABLE_BITS)];
    if (v >= MAXNP) v = this.walk(v, MAXNP, PT_TABLE_BITS);
    b.skip(this.ptLen[v]);
    return v > 1 ? (1 << (v - 1)) + b.get(v - 1) : v;
  }
}

/**
 * out[o, o + len) = the LZ77 copy from `from` (which may overlap: a period of o - from bytes
 * repeats). Long copies go through copyWithin, doubling the written part for overlaps: a tiny
 * stream of cheap match codes can declare hundreds of MiB, and must not take seconds.
 */
function lzCopy(out: Uint8Array, o: number, from: number, len: number): void {
  const period = o - from;
  if (len <= 32) {
    for (let k = 0; k < len; k++) out[o + k] = out[from + k];
    return;
  }
  if (period >= len) {
    out.copyWithin(o, from, from + len);
    return;
  }
  for (let k = 0; k < period; k++) out[o + k] = out[from + k];
  // Whole periods are written; copy them onto the rest, twice as much each time.
  let done = period;
  while (done < len) {
    const n = Math.min(done - (done % period), len - done);
    out.copyWithin(o + done, o, o + n);
    done += n;
  }
}

/** The two sizes at the head of an EFI/Tiano stream, checked against the input. */
export function efiHeader(input: Uint8Array): { compressedSize: number; originalSize: number } {
  if (input.length < 8) {
    throw new FirmwareError(
      'truncated',
      'EFI/Tiano compressed data is shorter than its 8-byte header',
      {
        offset: 0,
      },
    );
  }
  const dv = dataViewOf(input);
  return { compressedSize: dv.getUint32(0, true), originalSize: dv.getUint32(4, true) };
}

export function efiDecompress(
  input: Uint8Array,
  variant: EfiVariant,
  opts: EfiDecompressOptions = {},
): Uint8Array {
  const { compressedSize, originalSize } = efiHeader(input);
  const maxOutput = opts.maxOutput ?? DEFAULT_MAX_OUTPUT;
  if (compressedSize > input.length - 8) {
    throw new FirmwareError(
      'decompress',
      `EFI/Tiano header declares ${compressedSize} compressed bytes but only ${input.length - 8} follow`,
      { offset: 0 },
    );
  }
  if (originalSize > maxOutput) {
    throw new FirmwareError(
      'budget',
      `EFI/Tiano stream declares ${originalSize} bytes, over the limit of ${maxOutput}`,
      { offset: 4 },
    );
  }
  opts.budget?.takeDecompressed(originalSize, { offset: 0 });
  const out = new Uint8Array(originalSize);
  if (originalSize === 0) return out;
  const bits = new BitReader(input, 8, 8 + compressedSize);
  const d = new Decoder(bits, variant === 'efi' ? 4 : 5);
  let o = 0;
  while (o < originalSize) {
    const c = d.decodeC();
    if (c < 256) {
      out[o] = c;
      // A single-symbol code repeats this literal for the rest of the block, at no bit cost.
      const n = d.cSingle ? Math.min(d.blockSize + 1, originalSize - o) : 1;
      if (n > 1) {
        lzCopy(out, o + 1, o, n - 1);
        d.blockSize -= n - 1;
      }
      o += n;
    } else {
      const matchLen = c - (256 - THRESHOLD);
      const p = d.decodeP();
      const from = o - p - 1;
      if (from < 0) fail(`match reaches before the start of the output at ${o}`);
      // Likewise the same match for the rest of the block: one periodic run.
      const repeats = d.cSingle && d.pSingle && p <= 1 ? d.blockSize + 1 : 1;
      const len = Math.min(matchLen * repeats, originalSize - o);
      lzCopy(out, o, from, len);
      if (repeats > 1) d.blockSize = 0;
      o += len;
    }
    // Reading past the end of the data cannot end well (see below); stop at once rather than
    // decode up to the declared size from zero bits.
    if (bits.overrun() > 0) ended(o, originalSize, 8 + compressedSize);
  }
  if (bits.overrun() > 0) ended(o, originalSize, 8 + compressedSize);
  return out;
}

export interface EfiOrTianoResult {
  bytes: Uint8Array;
  variant: EfiVariant;
}

/**
 * Try EFI 1.1 then Tiano; the first that decodes cleanly and passes `validate` wins
 * (the formats share a header, so only decoding tells them apart).
 */
export function efiOrTianoDecompress(
  input: Uint8Array,
  opts: EfiDecompressOptions & {
    validate?: (out: Uint8Array, variant: EfiVariant) => boolean;
  } = {},
): EfiOrTianoResult {
  let firstError: unknown;
  for (const variant of ['efi', 'tiano'] as const) {
    try {
      // The budget is charged once, for the variant that is kept.
      const bytes = efiDecompress(input, variant, { maxOutput: opts.maxOutput });
      if (opts.validate && !opts.validate(bytes, variant)) continue;
      opts.budget?.takeDecompressed(bytes.length, { offset: 0 });
      return { bytes, variant };
    } catch (e) {
      if (e instanceof FirmwareError && e.code === 'budget') throw e;
      firstError ??= e;
    }
  }
  if (firstError instanceof FirmwareError) throw firstError;
  throw new FirmwareError('decompress', 'data is neither valid EFI 1.1 nor Tiano compressed data', {
    offset: 0,
    cause: firstError,
  });
}
