/**
 * The encoder half of the LZMA range coder.
 *
 * `range` is kept as an int32 holding the unsigned 32-bit value (every use goes through
 * `>>>` or `Math.imul`, which read it modulo 2^32); `low` needs 33 bits (32 plus the carry)
 * and is a double. The multi-bit methods keep both in locals and code each bit without a
 * branch on its value: literal and distance bits are close to random, and a mispredicted
 * branch per bit costs more than the arithmetic.
 */

/** The encoder's state in the middle of a stream: see resume.ts for how it is derived. */
export interface RangeEncoderState {
  /** Bytes already final: the stream goes on after them. */
  emitted: Uint8Array;
  /** The byte that may still receive a carry, and 1 + the number of 0xFF bytes after it. */
  cache: number;
  cacheSize: number;
  low: number;
  range: number;
}

export class RangeEncoder {
  private low = 0;
  private range = -1;
  private cache = 0;
  private cacheSize = 1;
  buf: Uint8Array;
  pos = 0;

  constructor(initialCapacity: number, from?: RangeEncoderState) {
    this.buf = new Uint8Array(Math.max(64, initialCapacity + (from?.emitted.length ?? 0)));
    if (from) {
      this.buf.set(from.emitted);
      this.pos = from.emitted.length;
      this.cache = from.cache;
      this.cacheSize = from.cacheSize;
      this.low = from.low;
      this.range = from.range | 0;
    }
  }

  /** Emits the top byte of `low` (or defers it while it may still receive a carry). */
  private shiftLow(low: number): number {
    if (low < 0xff000000 || low >= 0x100000000) {
      const carry = low >= 0x100000000 ? 1 : 0;
      let pos = this.pos;
      if (pos + this.cacheSize > this.buf.length) {
        const grown = new Uint8Array(this.buf.length * 2 + this.cacheSize);
        grown.set(this.buf.subarray(0, pos));
        this.buf = grown;
      }
      const buf = this.buf;
      buf[pos++] = (this.cache + carry) & 0xff;
      for (let k = this.cacheSize - 1; k > 0; k--) buf[pos++] = (0xff + carry) & 0xff;
      this.pos = pos;
      this.cacheSize = 0;
      this.cache = (low >>> 24) & 0xff;
    }
    this.cacheSize++;
    return (low & 0xffffff) * 256;
  }

  encodeBit(probs: Uint16Array, i: number, bit: number): void {
    const p = probs[i];
    let range = this.range;
    const bound = Math.imul(range >>> 11, p);
    if (bit === 0) {
      range = bound;
      probs[i] = p + ((2048 - p) >> 5);
    } else {
      this.low += bound >>> 0;
      range = (range - bound) | 0;
      probs[i] = p - (p >> 5);
    }
    if (range >>> 24 === 0) {
      range <<= 8;
      this.low = this.shiftLow(this.low);
    }
    this.range = range;
  }

  /** `bits` bits of `sym`, most significant first, through the bit tree at `base`. */
  encodeTree(probs: Uint16Array, base: number, bits: number, sym: number): void {
    let low = this.low;
    let range = this.range;
    let m = 1;
    for (let i = bits - 1; i >= 0; i--) {
      const bit = (sym >>> i) & 1;
      const mask = -bit;
      const idx = base + m;
      const p = probs[idx];
      const bound = Math.imul(range >>> 11, p);
      low += (bound & mask) >>> 0;
      range = (bound + ((range - bound - bound) & mask)) | 0;
      probs[idx] = p + (((2048 - p) >> 5) & ~mask) - ((p >> 5) & mask);
      if (range >>> 24 === 0) {
        range <<= 8;
        low = this.shiftLow(low);
      }
      m = (m << 1) | bit;
    }
    this.low = low;
    this.range = range;
  }

  /** `bits` bits of `sym`, least significant first, through the bit tree at `base`. */
  encodeReverse(probs: Uint16Array, base: number, bits: number, sym: number): void {
    let low = this.low;
    let range = this.range;
    let m = 1;
    for (let i = 0; i < bits; i++) {
      const bit = (sym >>> i) & 1;
      const mask = -bit;
      const idx = base + m;
      const p = probs[idx];
      const bound = Math.imul(range >>> 11, p);
      low += (bound & mask) >>> 0;
      range = (bound + ((range - bound - bound) & mask)) | 0;
      probs[idx] = p + (((2048 - p) >> 5) & ~mask) - ((p >> 5) & mask);
      if (range >>> 24 === 0) {
        range <<= 8;
        low = this.shiftLow(low);
      }
      m = (m << 1) | bit;
    }
    this.low = low;
    this.range = range;
  }

  /**
   * A literal byte through the coder at `base`; with `matchByte` >= 0, the matched-literal
   * contexts are used while the bits agree with it.
   */
  encodeLiteral(probs: Uint16Array, base: number, byte: number, matchByte: number): void {
    let low = this.low;
    let range = this.range;
    let m = 1;
    let i = 7;
    if (matchByte >= 0) {
      for (; i >= 0; i--) {
        const bit = (byte >> i) & 1;
        const mb = (matchByte >> i) & 1;
        const mask = -bit;
        const idx = base + ((1 + mb) << 8) + m;
        const p = probs[idx];
        const bound = Math.imul(range >>> 11, p);
        low += (bound & mask) >>> 0;
        range = (bound + ((range - bound - bound) & mask)) | 0;
        probs[idx] = p + (((2048 - p) >> 5) & ~mask) - ((p >> 5) & mask);
        if (range >>> 24 === 0) {
          range <<= 8;
          low = this.shiftLow(low);
        }
        m = (m << 1) | bit;
        if (mb !== bit) {
          i--;
          break;
        }
      }
    }
    for (; i >= 0; i--) {
      const bit = (byte >> i) & 1;
      const mask = -bit;
      const idx = base + m;
      const p = probs[idx];
      const bound = Math.imul(range >>> 11, p);
      low += (bound & mask) >>> 0;
      range = (bound + ((range - bound - bound) & mask)) | 0;
      probs[idx] = p + (((2048 - p) >> 5) & ~mask) - ((p >> 5) & mask);
      if (range >>> 24 === 0) {
        range <<= 8;
        low = this.shiftLow(low);
      }
      m = (m << 1) | bit;
    }
    this.low = low;
    this.range = range;
  }

  /** Bits with a fixed probability of one half, most significant first. */
  encodeDirect(value: number, count: number): void {
    let low = this.low;
    let range = this.range;
    for (let i = count - 1; i >= 0; i--) {
      range = range >>> 1;
      low += range & -((value >>> i) & 1);
      if (range >>> 24 === 0) {
        range <<= 8;
        low = this.shiftLow(low);
      }
    }
    this.low = low;
    this.range = range | 0;
  }

  /** Writes out the pending bytes; the stream is then complete. */
  finish(): Uint8Array {
    let low = this.low;
    for (let i = 0; i < 5; i++) low = this.shiftLow(low);
    this.low = low;
    return this.buf.subarray(0, this.pos);
  }
}
