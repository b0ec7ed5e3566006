/**
 * The encoder half of the LZMA range coder and the price model the optimal parser uses.
 * `low` is kept as a double (it needs 33 bits: 32 plus the carry); `range` as an unsigned
 * 32-bit value in a double. Output goes to a growable byte buffer.
 */

/** Prices are in 1/16 bit: price of a bit with probability p (11-bit) is PRICES[p >> 4]. */
export const PRICE_SHIFT = 4;
export const PRICES: Uint32Array = (() => {
  const t = new Uint32Array(2048 >> 4);
  for (let k = 0; k < t.length; k++) {
    const p = (k << 4) + 8; // middle of the bucket
    t[k] = Math.round(-Math.log2(p / 2048) * (1 << PRICE_SHIFT));
  }
  return t;
})();

export function bitPrice(prob: number, bit: number): number {
  return PRICES[(bit === 0 ? prob : 2048 - prob) >> 4];
}

export class RangeEncoder {
  private low = 0;
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  buf: Uint8Array;
  pos = 0;

  constructor(initialCapacity: number) {
    this.buf = new Uint8Array(Math.max(64, initialCapacity));
  }

  private put(b: number): void {
    if (this.pos >= this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.pos++] = b;
  }

  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= 0x100000000) {
      const carry = low >= 0x100000000 ? 1 : 0;
      let temp = this.cache;
      do {
        this.put((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = (low >>> 24) & 0xff;
    }
    this.cacheSize++;
    this.low = (low & 0xffffff) * 256;
  }

  encodeBit(probs: Uint16Array, i: number, bit: number): void {
    const p = probs[i];
    const bound = (this.range >>> 11) * p;
    if (bit === 0) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >> 5);
    } else {
      this.low += bound;
      this.range -= bound;
      probs[i] = p - (p >> 5);
    }
    while (this.range < 0x1000000) {
      this.range = this.range * 256;
      this.shiftLow();
    }
  }

  /**
   * A literal byte: 8 bits through the bit tree at `base`; with `matchByte` >= 0, the
   * matched-literal contexts are used while the bits agree with it. Same result as eight
   * encodeBit calls, with the coder state in locals.
   */
  encodeLiteral(probs: Uint16Array, base: number, byte: number, matchByte: number): void {
    let low = this.low;
    let range = this.range;
    let m = 1;
    let same = matchByte >= 0;
    for (let i = 7; i >= 0; i--) {
      const bit = (byte >> i) & 1;
      let idx: number;
      if (same) {
        const mb = (matchByte >> i) & 1;
        idx = base + ((1 + mb) << 8) + m;
        same = mb === bit;
      } else idx = base + m;
      const p = probs[idx];
      const bound = (range >>> 11) * p;
      if (bit === 0) {
        range = bound;
        probs[idx] = p + ((2048 - p) >> 5);
      } else {
        low += bound;
        range -= bound;
        probs[idx] = p - (p >> 5);
      }
      if (range < 0x1000000) {
        range *= 256;
        this.low = low;
        this.shiftLow();
        low = this.low;
      }
      m = (m << 1) | bit;
    }
    this.low = low;
    this.range = range;
  }

  /** Bits with a fixed probability of one half, most significant first. */
  encodeDirect(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.range = this.range >>> 1;
      if ((value >>> i) & 1) this.low += this.range;
      while (this.range < 0x1000000) {
        this.range = this.range * 256;
        this.shiftLow();
      }
    }
  }

  /** Writes out the pending bytes; the stream is then complete. */
  finish(): Uint8Array {
    for (let i = 0; i < 5; i++) this.shiftLow();
    return this.buf.subarray(0, this.pos);
  }
}
