import { FirmwareError } from '../../errors';
import { BinaryTreeFinder, HashChainFinder, type MatchFinder } from './match-finder';
import * as props from './props';
import * as coder from './range-coder';
import type { RangeEncoder as RangeEncoderType } from './range-coder';

// Local copies: some loaders turn imported bindings into getter calls, far too slow per bit.
const {
  encodePropsByte,
  END_POS_MODEL_INDEX,
  LEN_CHOICE,
  LEN_CHOICE2,
  LEN_HIGH,
  LEN_LOW,
  LEN_MID,
  LZMA_HEADER_SIZE,
  MATCH_LEN_MAX,
  NUM_FULL_DISTANCES,
  P_ALIGN,
  P_IS_MATCH,
  P_IS_REP,
  P_IS_REP0_LONG,
  P_IS_REP_G0,
  P_IS_REP_G1,
  P_IS_REP_G2,
  P_LEN,
  P_LITERAL,
  P_POS_SLOT,
  P_REP_LEN,
  P_SPEC_POS,
  PROB_INIT,
  probCount,
} = props;
const { bitPrice, PRICES, RangeEncoder } = coder;

/**
 * LZMA encoder writing what edk2's LzmaCompress writes: properties 0x5D (lc=3 lp=0 pb=2),
 * the dictionary size, the 8-byte uncompressed size, the stream, no end marker.
 *
 * `default`: binary-tree match finder (bt4, nice length 64) and a price-based optimal
 * parse over windows of up to 4 KiB, in the manner of the LZMA SDK's normal mode.
 * `fast`: hash-chain finder (hc4, depth 32, nice length 128) with greedy parsing and a
 * one-step lazy check.
 *
 * Memory, beyond input and output (n = min(input size, dictionary size)): `default` 8n
 * bytes of tree, `fast` 4n bytes of chain; both add 0.5 MiB of 2/3-byte hash heads, a
 * 4-byte hash head of at most 4 bytes per input byte (capped at 16 MiB) and ~0.2 MiB of
 * parser state. For the 13.5 MB OVMF DXE payload: about 125 MB (default), 70 MB (fast).
 *
 * Long runs of one byte (half of an OVMF payload is 0xFF) cost next to nothing: a match
 * of `niceLen` or more is taken at once and only the last `niceLen` positions inside it
 * are indexed (see advanceTo).
 *
 * Deterministic: the same input and options give the same bytes.
 */

export interface LzmaCompressOptions {
  preset?: 'default' | 'fast';
  /** Written to the header and bounds match distances; default 16 MiB like edk2. */
  dictSize?: number;
  /** Called with the number of input bytes consumed, about every 64 KiB. */
  onProgress?: (consumed: number) => void;
  /** Polled about every 64 KiB; when it returns true a FirmwareError('budget') is thrown. */
  shouldCancel?: () => boolean;
  /** Overrides the preset's search settings (for benchmarks and tuning). */
  tuning?: Partial<LzmaTuning>;
}

export interface LzmaTuning {
  finder: 'bt4' | 'hc4';
  parser: 'optimal' | 'greedy';
  /** Matches this long are taken at once. */
  niceLen: number;
  /** Candidates examined per position. */
  depth: number;
  /** Positions indexed at the start of a long match's inside (the rest but the last niceLen are not). */
  skipKeep?: number;
}

export const LZMA_PRESETS: Record<'default' | 'fast', LzmaTuning> = {
  default: { finder: 'bt4', parser: 'optimal', niceLen: 64, depth: 48 },
  fast: { finder: 'hc4', parser: 'greedy', niceLen: 128, depth: 32 },
};

const LC = 3;
const LP = 0;
const PB = 2;
const DEFAULT_DICT = 1 << 24;
const CHECK_EVERY = 1 << 16;

const NUM_OPTS = 1 << 12;
const INFINITY_PRICE = 1 << 30;
/** Back values in the parser: a literal, a short rep (one byte at rep0), reps 0..3, matches 4+. */
const BACK_LITERAL = -1;
const BACK_SHORT_REP = -2;
const LEN_TABLE = MATCH_LEN_MAX - 1; // lengths 2..273 (index len - 2), plus one slack

function nextLiteral(s: number): number {
  return s < 4 ? 0 : s < 10 ? s - 3 : s - 6;
}
function nextMatch(s: number): number {
  return s < 7 ? 7 : 10;
}
function nextRep(s: number): number {
  return s < 7 ? 8 : 11;
}
function nextShortRep(s: number): number {
  return s < 7 ? 9 : 11;
}

function distSlot(dist: number): number {
  if (dist < 4) return dist;
  const n = 31 - Math.clz32(dist);
  return (n << 1) | ((dist >>> (n - 1)) & 1);
}

export function lzmaCompress(input: Uint8Array, opts: LzmaCompressOptions = {}): Uint8Array {
  const dictSize = opts.dictSize ?? DEFAULT_DICT;
  if (!Number.isInteger(dictSize) || dictSize < 4096 || dictSize > 0xffffffff) {
    throw new FirmwareError(
      'bad-input',
      `LZMA dictionary size ${dictSize} is out of range (4 KiB .. 4 GiB)`,
    );
  }
  const enc = new Encoder(input, dictSize, opts);
  const body = enc.run();
  const out = new Uint8Array(LZMA_HEADER_SIZE + body.length);
  out[0] = encodePropsByte({ lc: LC, lp: LP, pb: PB });
  out[1] = dictSize & 0xff;
  out[2] = (dictSize >>> 8) & 0xff;
  out[3] = (dictSize >>> 16) & 0xff;
  out[4] = (dictSize >>> 24) & 0xff;
  let n = input.length;
  for (let i = 5; i < 13; i++) {
    out[i] = n % 256;
    n = Math.floor(n / 256);
  }
  out.set(body, LZMA_HEADER_SIZE);
  return out;
}

class Encoder {
  private readonly data: Uint8Array;
  private readonly opts: LzmaCompressOptions;
  private readonly fast: boolean;
  private readonly niceLen: number;
  /** Positions indexed at the start of a skipped match (see advanceTo). */
  private readonly skipKeep: number;
  private readonly probs = new Uint16Array(probCount(LC, LP)).fill(PROB_INIT);
  private readonly rc: RangeEncoderType;
  private readonly mf: MatchFinder;
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;

  // Matches at one position; `cachedAt` remembers a position whose matches are already here.
  private readonly mLens = new Int32Array(MATCH_LEN_MAX + 2);
  private readonly mDists = new Int32Array(MATCH_LEN_MAX + 2);
  private numMatches = 0;
  private cachedAt = -1;

  // Price tables.
  private readonly lenPrices = new Uint32Array(2 * 4 * LEN_TABLE);
  private readonly lenCounters = new Int32Array(2);
  private readonly slotPrices = new Uint32Array(4 * 64);
  private readonly distPrices = new Uint32Array(4 * NUM_FULL_DISTANCES);
  private readonly alignPrices = new Uint32Array(16);
  private matchCount = 0;
  private alignCount = 0;

  // Optimal parser nodes.
  private readonly optPrice = new Int32Array(NUM_OPTS + 1);
  private readonly optPrev = new Int32Array(NUM_OPTS + 1);
  private readonly optBack = new Int32Array(NUM_OPTS + 1);
  private readonly optState = new Uint8Array(NUM_OPTS + 1);
  private readonly optReps = new Int32Array((NUM_OPTS + 1) * 4);
  private readonly seqLen = new Int32Array(NUM_OPTS + 1);
  private readonly seqBack = new Int32Array(NUM_OPTS + 1);

  constructor(data: Uint8Array, dictSize: number, opts: LzmaCompressOptions) {
    this.data = data;
    this.opts = opts;
    const t: LzmaTuning = {
      ...LZMA_PRESETS[opts.preset === 'fast' ? 'fast' : 'default'],
      ...opts.tuning,
    };
    this.fast = t.parser === 'greedy';
    this.niceLen = Math.max(8, Math.min(MATCH_LEN_MAX, t.niceLen | 0));
    const depth = Math.max(1, t.depth | 0);
    this.skipKeep = t.skipKeep ?? 4;
    this.mf =
      t.finder === 'hc4'
        ? new HashChainFinder(data, dictSize, this.niceLen, depth)
        : new BinaryTreeFinder(data, dictSize, this.niceLen, depth);
    this.rc = new RangeEncoder((data.length >> 2) + 1024);
  }

  run(): Uint8Array {
    const n = this.data.length;
    let pos = 0;
    let nextCheck = CHECK_EVERY;
    if (!this.fast) this.refreshPrices(true);
    while (pos < n) {
      if (pos >= nextCheck) {
        nextCheck = pos + CHECK_EVERY;
        if (this.opts.shouldCancel?.()) throw new FirmwareError('budget', 'compression cancelled');
        this.opts.onProgress?.(pos);
      }
      pos = this.fast ? this.stepFast(pos) : this.stepOptimal(pos);
    }
    this.opts.onProgress?.(n);
    return this.rc.finish();
  }

  // ---- Match finding glue ----

  private findAt(pos: number): number {
    if (this.cachedAt === pos) return this.numMatches;
    if (this.mf.pos !== pos) this.mf.skip(pos - this.mf.pos);
    this.numMatches = this.mf.getMatches(this.mLens, this.mDists);
    this.cachedAt = pos;
    return this.numMatches;
  }

  /**
   * Moves the finder to `pos`, past the inside of a match just emitted. Strings that start
   * inside a match and end inside it are copies of strings already indexed at the match
   * source, so only the last `niceLen` positions (whose strings reach past the match) are
   * indexed; this is what makes long runs of one byte cost almost nothing.
   */
  private advanceTo(pos: number): void {
    const mf = this.mf;
    const gap = pos - mf.pos;
    if (gap <= 0) return;
    const keep = this.niceLen;
    if (gap > keep + this.skipKeep) {
      mf.skip(this.skipKeep);
      mf.pos = pos - keep;
      mf.skip(keep);
    } else mf.skip(gap);
  }

  private matchLen(pos: number, dist: number, limit: number): number {
    const d = this.data;
    const from = pos - dist - 1;
    if (from < 0) return 0;
    let len = 0;
    while (len < limit && d[from + len] === d[pos + len]) len++;
    return len;
  }

  // ---- Encoding primitives (update the state as the decoder will) ----

  private literalBase(pos: number): number {
    const prev = pos > 0 ? this.data[pos - 1] : 0;
    return P_LITERAL + 0x300 * (((pos & ((1 << LP) - 1)) << LC) + (prev >> (8 - LC)));
  }

  private encodeLiteral(pos: number): void {
    const probs = this.probs;
    const rc = this.rc;
    const posState = pos & ((1 << PB) - 1);
    rc.encodeBit(probs, P_IS_MATCH + (this.state << 4) + posState, 0);
    const base = this.literalBase(pos);
    rc.encodeLiteral(
      probs,
      base,
      this.data[pos],
      this.state >= 7 ? this.data[pos - this.rep0 - 1] : -1,
    );
    this.state = nextLiteral(this.state);
  }

  private encodeTree(base: number, bits: number, sym: number): void {
    let m = 1;
    for (let i = bits - 1; i >= 0; i--) {
      const bit = (sym >>> i) & 1;
      this.rc.encodeBit(this.probs, base + m, bit);
      m = (m << 1) | bit;
    }
  }

  private encodeReverse(base: number, bits: number, sym: number): void {
    let m = 1;
    for (let i = 0; i < bits; i++) {
      const bit = (sym >>> i) & 1;
      this.rc.encodeBit(this.probs, base + m, bit);
      m = (m << 1) | bit;
    }
  }

  private encodeLen(coder: number, len: number, posState: number): void {
    const l = len - 2;
    const rc = this.rc;
    const probs = this.probs;
    if (l < 8) {
      rc.encodeBit(probs, coder + LEN_CHOICE, 0);
      this.encodeTree(coder + LEN_LOW + (posState << 3), 3, l);
    } else if (l < 16) {
      rc.encodeBit(probs, coder + LEN_CHOICE, 1);
      rc.encodeBit(probs, coder + LEN_CHOICE2, 0);
      this.encodeTree(coder + LEN_MID + (posState << 3), 3, l - 8);
    } else {
      rc.encodeBit(probs, coder + LEN_CHOICE, 1);
      rc.encodeBit(probs, coder + LEN_CHOICE2, 1);
      this.encodeTree(coder + LEN_HIGH, 8, l - 16);
    }
    const which = coder === P_LEN ? 0 : 1;
    this.lenCounters[which]--;
  }

  private encodeMatch(pos: number, dist: number, len: number): void {
    const probs = this.probs;
    const rc = this.rc;
    const posState = pos & ((1 << PB) - 1);
    rc.encodeBit(probs, P_IS_MATCH + (this.state << 4) + posState, 1);
    rc.encodeBit(probs, P_IS_REP + this.state, 0);
    this.encodeLen(P_LEN, len, posState);
    const lenState = len - 2 < 3 ? len - 2 : 3;
    const slot = distSlot(dist);
    this.encodeTree(P_POS_SLOT + (lenState << 6), 6, slot);
    if (slot >= 4) {
      const numDirect = (slot >> 1) - 1;
      const base = (2 | (slot & 1)) << numDirect;
      const extra = dist - base;
      if (slot < END_POS_MODEL_INDEX)
        this.encodeReverse(P_SPEC_POS + base - slot - 1, numDirect, extra);
      else {
        rc.encodeDirect(extra >>> 4, numDirect - 4);
        this.encodeReverse(P_ALIGN, 4, extra & 15);
        this.alignCount++;
      }
    }
    this.rep3 = this.rep2;
    this.rep2 = this.rep1;
    this.rep1 = this.rep0;
    this.rep0 = dist;
    this.state = nextMatch(this.state);
    this.matchCount++;
  }

  /** Rep match `idx` (0..3) of `len` bytes; len 1 with idx 0 is the short rep. */
  private encodeRep(pos: number, idx: number, len: number): void {
    const probs = this.probs;
    const rc = this.rc;
    const s = this.state;
    const posState = pos & ((1 << PB) - 1);
    rc.encodeBit(probs, P_IS_MATCH + (s << 4) + posState, 1);
    rc.encodeBit(probs, P_IS_REP + s, 1);
    if (idx === 0) {
      rc.encodeBit(probs, P_IS_REP_G0 + s, 0);
      rc.encodeBit(probs, P_IS_REP0_LONG + (s << 4) + posState, len === 1 ? 0 : 1);
    } else {
      rc.encodeBit(probs, P_IS_REP_G0 + s, 1);
      const dist = idx === 1 ? this.rep1 : idx === 2 ? this.rep2 : this.rep3;
      if (idx === 1) rc.encodeBit(probs, P_IS_REP_G1 + s, 0);
      else {
        rc.encodeBit(probs, P_IS_REP_G1 + s, 1);
        rc.encodeBit(probs, P_IS_REP_G2 + s, idx === 2 ? 0 : 1);
        if (idx === 3) this.rep3 = this.rep2;
        this.rep2 = this.rep1;
      }
      this.rep1 = this.rep0;
      this.rep0 = dist;
    }
    if (len === 1) {
      this.state = nextShortRep(s);
      return;
    }
    this.encodeLen(P_REP_LEN, len, posState);
    this.state = nextRep(s);
  }

  private repDist(idx: number): number {
    return idx === 0 ? this.rep0 : idx === 1 ? this.rep1 : idx === 2 ? this.rep2 : this.rep3;
  }

  // ---- Fast mode: greedy with a one-step lazy check ----

  private stepFast(pos: number): number {
    const d = this.data;
    const avail = Math.min(d.length - pos, MATCH_LEN_MAX);
    if (avail < 2) {
      this.encodeLiteral(pos);
      return pos + 1;
    }
    let repLen = 0;
    let repIdx = 0;
    for (let i = 0; i < 4; i++) {
      const l = this.matchLen(pos, this.repDist(i), avail);
      if (l > repLen) {
        repLen = l;
        repIdx = i;
      }
    }
    if (repLen >= this.niceLen) {
      this.encodeRep(pos, repIdx, repLen);
      this.advanceTo(pos + repLen);
      return pos + repLen;
    }
    const n = this.findAt(pos);
    let mainLen = 0;
    let mainDist = 0;
    if (n > 0) {
      let k = n - 1;
      mainLen = this.mLens[k];
      mainDist = this.mDists[k];
      // Prefer a much nearer match one byte shorter.
      while (k > 0 && this.mLens[k - 1] + 1 === mainLen && mainDist >>> 7 > this.mDists[k - 1]) {
        k--;
        mainLen = this.mLens[k];
        mainDist = this.mDists[k];
      }
      if (mainLen > avail) mainLen = avail;
    }
    if (mainLen >= this.niceLen) {
      this.encodeMatch(pos, mainDist, mainLen);
      this.advanceTo(pos + mainLen);
      return pos + mainLen;
    }
    if (mainLen === 2 && mainDist >= 0x80) mainLen = 0;
    if (
      repLen >= 2 &&
      (repLen + 1 >= mainLen ||
        (repLen + 2 >= mainLen && mainDist >= 1 << 9) ||
        (repLen + 3 >= mainLen && mainDist >= 1 << 15))
    ) {
      this.encodeRep(pos, repIdx, repLen);
      this.advanceTo(pos + repLen);
      return pos + repLen;
    }
    if (mainLen < 2) {
      if (pos > this.rep0 && d[pos] === d[pos - this.rep0 - 1] && this.shortRepIsCheaper(pos)) {
        this.encodeRep(pos, 0, 1);
      } else this.encodeLiteral(pos);
      return pos + 1;
    }
    // Lazy: would the next position give a clearly better match, or a rep nearly as long?
    const limit = mainLen - 1 > 2 ? mainLen - 1 : 2;
    for (let i = 0; i < 4; i++) {
      if (this.matchLen(pos + 1, this.repDist(i), limit) >= limit) {
        this.encodeLiteral(pos);
        return pos + 1;
      }
    }
    const n2 = this.findAt(pos + 1);
    if (n2 > 0) {
      const nextLen = this.mLens[n2 - 1];
      const nextDist = this.mDists[n2 - 1];
      if (
        (nextLen >= mainLen && nextDist < mainDist) ||
        (nextLen === mainLen + 1 && !(mainDist >>> 7 > nextDist)) ||
        nextLen > mainLen + 1 ||
        (nextLen + 1 >= mainLen && mainLen >= 3 && nextDist >>> 7 > mainDist)
      ) {
        this.encodeLiteral(pos);
        return pos + 1;
      }
    }
    this.encodeMatch(pos, mainDist, mainLen);
    this.advanceTo(pos + mainLen);
    return pos + mainLen;
  }

  // ---- Prices ----

  private shortRepIsCheaper(pos: number): boolean {
    const probs = this.probs;
    const s = this.state;
    const ps = pos & ((1 << PB) - 1);
    const lit =
      bitPrice(probs[P_IS_MATCH + (s << 4) + ps], 0) + this.literalPrice(pos, s, this.rep0);
    const short =
      bitPrice(probs[P_IS_MATCH + (s << 4) + ps], 1) +
      bitPrice(probs[P_IS_REP + s], 1) +
      bitPrice(probs[P_IS_REP_G0 + s], 0) +
      bitPrice(probs[P_IS_REP0_LONG + (s << 4) + ps], 0);
    return short < lit;
  }

  private refreshPrices(all: boolean): void {
    if (all || this.lenCounters[0] <= 0) this.fillLenPrices(0);
    if (all || this.lenCounters[1] <= 0) this.fillLenPrices(1);
    if (all || this.matchCount >= 128) this.fillDistPrices();
    if (all || this.alignCount >= 16) this.fillAlignPrices();
  }

  private fillLenPrices(which: number): void {
    const probs = this.probs;
    const coder = which === 0 ? P_LEN : P_REP_LEN;
    const c0 = bitPrice(probs[coder + LEN_CHOICE], 0);
    const c1 = bitPrice(probs[coder + LEN_CHOICE], 1);
    const c10 = c1 + bitPrice(probs[coder + LEN_CHOICE2], 0);
    const c11 = c1 + bitPrice(probs[coder + LEN_CHOICE2], 1);
    const highPrices = new Uint32Array(256);
    for (let s = 0; s < 256; s++) highPrices[s] = this.treePrice(coder + LEN_HIGH, 8, s);
    for (let ps = 0; ps < 1 << PB; ps++) {
      const t = (which * 4 + ps) * LEN_TABLE;
      for (let l = 0; l < 8; l++)
        this.lenPrices[t + l] = c0 + this.treePrice(coder + LEN_LOW + (ps << 3), 3, l);
      for (let l = 0; l < 8; l++)
        this.lenPrices[t + 8 + l] = c10 + this.treePrice(coder + LEN_MID + (ps << 3), 3, l);
      for (let l = 16; l < LEN_TABLE; l++) this.lenPrices[t + l] = c11 + highPrices[l - 16];
    }
    this.lenCounters[which] = 64;
  }

  private treePrice(base: number, bits: number, sym: number): number {
    let price = 0;
    let m = 1;
    for (let i = bits - 1; i >= 0; i--) {
      const bit = (sym >>> i) & 1;
      price += bitPrice(this.probs[base + m], bit);
      m = (m << 1) | bit;
    }
    return price;
  }

  private reversePrice(base: number, bits: number, sym: number): number {
    let price = 0;
    let m = 1;
    for (let i = 0; i < bits; i++) {
      const bit = (sym >>> i) & 1;
      price += bitPrice(this.probs[base + m], bit);
      m = (m << 1) | bit;
    }
    return price;
  }

  private fillDistPrices(): void {
    for (let ls = 0; ls < 4; ls++) {
      for (let slot = 0; slot < 64; slot++) {
        let p = this.treePrice(P_POS_SLOT + (ls << 6), 6, slot);
        if (slot >= END_POS_MODEL_INDEX) p += ((slot >> 1) - 1 - 4) << 4;
        this.slotPrices[ls * 64 + slot] = p;
      }
      for (let dist = 0; dist < NUM_FULL_DISTANCES; dist++) {
        const slot = distSlot(dist);
        let p = this.slotPrices[ls * 64 + slot];
        if (slot >= 4) {
          const numDirect = (slot >> 1) - 1;
          const base = (2 | (slot & 1)) << numDirect;
          p += this.reversePrice(P_SPEC_POS + base - slot - 1, numDirect, dist - base);
        }
        this.distPrices[ls * NUM_FULL_DISTANCES + dist] = p;
      }
    }
    this.matchCount = 0;
  }

  private fillAlignPrices(): void {
    for (let i = 0; i < 16; i++) this.alignPrices[i] = this.reversePrice(P_ALIGN, 4, i);
    this.alignCount = 0;
  }

  private distPrice(dist: number, len: number): number {
    const ls = len - 2 < 3 ? len - 2 : 3;
    if (dist < NUM_FULL_DISTANCES) return this.distPrices[ls * NUM_FULL_DISTANCES + dist];
    return this.slotPrices[ls * 64 + distSlot(dist)] + this.alignPrices[dist & 15];
  }

  private literalPrice(pos: number, state: number, rep0: number): number {
    const probs = this.probs;
    const d = this.data;
    const prev = pos > 0 ? d[pos - 1] : 0;
    const base = P_LITERAL + 0x300 * (((pos & ((1 << LP) - 1)) << LC) + (prev >> (8 - LC)));
    const byte = d[pos];
    let price = 0;
    let m = 1;
    if (state >= 7) {
      const matchByte = d[pos - rep0 - 1];
      let same = true;
      for (let i = 7; i >= 0; i--) {
        const bit = (byte >> i) & 1;
        let p: number;
        if (same) {
          const mb = (matchByte >> i) & 1;
          p = probs[base + ((1 + mb) << 8) + m];
          same = mb === bit;
        } else p = probs[base + m];
        price += PRICES[(bit === 0 ? p : 2048 - p) >> 4];
        m = (m << 1) | bit;
      }
    } else {
      for (let i = 7; i >= 0; i--) {
        const bit = (byte >> i) & 1;
        const p = probs[base + m];
        price += PRICES[(bit === 0 ? p : 2048 - p) >> 4];
        m = (m << 1) | bit;
      }
    }
    return price;
  }

  /** Price of choosing rep `idx` (after isMatch=1, isRep=1), without the length. */
  private repChoicePrice(idx: number, state: number, posState: number): number {
    const probs = this.probs;
    if (idx === 0) {
      return (
        bitPrice(probs[P_IS_REP_G0 + state], 0) +
        bitPrice(probs[P_IS_REP0_LONG + (state << 4) + posState], 1)
      );
    }
    let p = bitPrice(probs[P_IS_REP_G0 + state], 1);
    if (idx === 1) p += bitPrice(probs[P_IS_REP_G1 + state], 0);
    else
      p += bitPrice(probs[P_IS_REP_G1 + state], 1) + bitPrice(probs[P_IS_REP_G2 + state], idx - 2);
    return p;
  }

  // ---- Default mode: optimal parsing ----

  private stepOptimal(pos: number): number {
    this.refreshPrices(false);
    const count = this.optimum(pos);
    let p = pos;
    for (let k = 0; k < count; k++) {
      const len = this.seqLen[k];
      const back = this.seqBack[k];
      if (back === BACK_LITERAL) this.encodeLiteral(p);
      else if (back === BACK_SHORT_REP) this.encodeRep(p, 0, 1);
      else if (back < 4) this.encodeRep(p, back, len);
      else this.encodeMatch(p, back - 4, len);
      p += len;
    }
    if (this.cachedAt !== p) this.advanceTo(p);
    return p;
  }

  /** Chooses the cheapest sequence of operations from `pos`; returns how many are in seqLen/seqBack. */
  private optimum(pos: number): number {
    const d = this.data;
    const probs = this.probs;
    const nice = this.niceLen;
    const posMask = (1 << PB) - 1;
    const state0 = this.state;
    const availAll = d.length - pos;
    const avail0 = availAll < MATCH_LEN_MAX ? availAll : MATCH_LEN_MAX;

    // Reps at the start.
    let bestRep = 0;
    const repLens = [0, 0, 0, 0];
    if (avail0 >= 2) {
      for (let i = 0; i < 4; i++) {
        repLens[i] = this.matchLen(pos, this.repDist(i), avail0);
        if (repLens[i] > repLens[bestRep]) bestRep = i;
      }
    }
    if (repLens[bestRep] >= nice) return this.single(repLens[bestRep], bestRep);
    let n = this.findAt(pos);
    let mainLen = n > 0 ? this.mLens[n - 1] : 0;
    if (mainLen > avail0) {
      mainLen = avail0;
      while (n > 0 && this.mLens[n - 1] >= avail0) n--;
      this.mLens[n] = avail0;
      n++;
    }
    if (mainLen >= nice) return this.single(mainLen, this.mDists[n - 1] + 4);

    const curByte = d[pos];
    const matchByte = pos > this.rep0 ? d[pos - this.rep0 - 1] : -1;
    if (mainLen < 2 && curByte !== matchByte && repLens[bestRep] < 2)
      return this.single(1, BACK_LITERAL);

    const price = this.optPrice;
    const prev = this.optPrev;
    const back = this.optBack;
    const optState = this.optState;
    const optReps = this.optReps;
    optState[0] = state0;
    optReps[0] = this.rep0;
    optReps[1] = this.rep1;
    optReps[2] = this.rep2;
    optReps[3] = this.rep3;

    let posState = pos & posMask;
    const matchPrice0 = bitPrice(probs[P_IS_MATCH + (state0 << 4) + posState], 1);
    const repMatchPrice0 = matchPrice0 + bitPrice(probs[P_IS_REP + state0], 1);
    price[1] =
      bitPrice(probs[P_IS_MATCH + (state0 << 4) + posState], 0) +
      this.literalPrice(pos, state0, this.rep0);
    prev[1] = 0;
    back[1] = BACK_LITERAL;
    if (matchByte === curByte) {
      const sr =
        repMatchPrice0 +
        bitPrice(probs[P_IS_REP_G0 + state0], 0) +
        bitPrice(probs[P_IS_REP0_LONG + (state0 << 4) + posState], 0);
      if (sr < price[1]) {
        price[1] = sr;
        back[1] = BACK_SHORT_REP;
      }
    }
    let end = mainLen > repLens[bestRep] ? mainLen : repLens[bestRep];
    if (end < 1) end = 1;
    for (let l = 2; l <= end; l++) price[l] = INFINITY_PRICE;

    const lenPrices = this.lenPrices;
    for (let i = 0; i < 4; i++) {
      const rl = repLens[i];
      if (rl < 2) continue;
      const base = repMatchPrice0 + this.repChoicePrice(i, state0, posState);
      const t = (4 + posState) * LEN_TABLE - 2;
      for (let l = rl; l >= 2; l--) {
        const p = base + lenPrices[t + l];
        if (p < price[l]) {
          price[l] = p;
          prev[l] = 0;
          back[l] = i;
        }
      }
    }
    if (mainLen >= 2) {
      const normal = matchPrice0 + bitPrice(probs[P_IS_REP + state0], 0);
      const t = posState * LEN_TABLE - 2;
      let l = repLens[0] >= 2 ? repLens[0] + 1 : 2;
      let k = 0;
      while (k < n && this.mLens[k] < l) k++;
      let far = this.distPrice(this.mDists[k], 5);
      for (; l <= mainLen; l++) {
        if (this.mLens[k] < l) {
          while (this.mLens[k] < l) k++;
          far = this.distPrice(this.mDists[k], 5);
        }
        const dist = this.mDists[k];
        const p = normal + lenPrices[t + l] + (l < 5 ? this.distPrice(dist, l) : far);
        if (p < price[l]) {
          price[l] = p;
          prev[l] = 0;
          back[l] = dist + 4;
        }
      }
    }

    let cur = 0;
    for (;;) {
      cur++;
      if (cur >= end) break;
      // The state and reps at `cur`, from its chosen predecessor.
      const pv = prev[cur];
      const bk = back[cur];
      let s = optState[pv];
      let r0 = optReps[pv * 4];
      let r1 = optReps[pv * 4 + 1];
      let r2 = optReps[pv * 4 + 2];
      let r3 = optReps[pv * 4 + 3];
      if (bk === BACK_LITERAL) s = nextLiteral(s);
      else if (bk === BACK_SHORT_REP) s = nextShortRep(s);
      else if (bk < 4) {
        s = nextRep(s);
        if (bk === 1) {
          const t = r1;
          r1 = r0;
          r0 = t;
        } else if (bk === 2) {
          const t = r2;
          r2 = r1;
          r1 = r0;
          r0 = t;
        } else if (bk === 3) {
          const t = r3;
          r3 = r2;
          r2 = r1;
          r1 = r0;
          r0 = t;
        }
      } else {
        s = nextMatch(s);
        r3 = r2;
        r2 = r1;
        r1 = r0;
        r0 = bk - 4;
      }
      optState[cur] = s;
      optReps[cur * 4] = r0;
      optReps[cur * 4 + 1] = r1;
      optReps[cur * 4 + 2] = r2;
      optReps[cur * 4 + 3] = r3;

      const p = pos + cur;
      let nm = this.findAt(p);
      let newLen = nm > 0 ? this.mLens[nm - 1] : 0;
      if (newLen >= nice) break; // Take it whole in the next call.

      const curPrice = price[cur];
      posState = p & posMask;
      const cb = d[p];
      const mb = p > r0 ? d[p - r0 - 1] : -1;
      const lit =
        curPrice +
        bitPrice(probs[P_IS_MATCH + (s << 4) + posState], 0) +
        this.literalPrice(p, s, r0);
      if (cur + 1 > end) {
        end = cur + 1;
        price[end] = INFINITY_PRICE;
      }
      if (lit < price[cur + 1]) {
        price[cur + 1] = lit;
        prev[cur + 1] = cur;
        back[cur + 1] = BACK_LITERAL;
      }
      const matchPrice = curPrice + bitPrice(probs[P_IS_MATCH + (s << 4) + posState], 1);
      const repMatchPrice = matchPrice + bitPrice(probs[P_IS_REP + s], 1);
      if (mb === cb) {
        const sr =
          repMatchPrice +
          bitPrice(probs[P_IS_REP_G0 + s], 0) +
          bitPrice(probs[P_IS_REP0_LONG + (s << 4) + posState], 0);
        if (sr < price[cur + 1]) {
          price[cur + 1] = sr;
          prev[cur + 1] = cur;
          back[cur + 1] = BACK_SHORT_REP;
        }
      }
      let avail = d.length - p;
      if (avail > MATCH_LEN_MAX) avail = MATCH_LEN_MAX;
      if (avail > NUM_OPTS - 1 - cur) avail = NUM_OPTS - 1 - cur;
      if (avail < 2) continue;

      let rep0Len = 0;
      for (let i = 0; i < 4; i++) {
        const dist = i === 0 ? r0 : i === 1 ? r1 : i === 2 ? r2 : r3;
        const rl = this.matchLen(p, dist, avail);
        if (rl < 2) continue;
        if (i === 0) rep0Len = rl;
        while (end < cur + rl) price[++end] = INFINITY_PRICE;
        const base = repMatchPrice + this.repChoicePrice(i, s, posState);
        const t = (4 + posState) * LEN_TABLE - 2;
        for (let l = rl; l >= 2; l--) {
          const pr = base + lenPrices[t + l];
          if (pr < price[cur + l]) {
            price[cur + l] = pr;
            prev[cur + l] = cur;
            back[cur + l] = i;
          }
        }
      }

      if (newLen > avail) {
        newLen = avail;
        while (nm > 0 && this.mLens[nm - 1] >= avail) nm--;
        this.mLens[nm] = avail;
        nm++;
      }
      if (newLen >= 2) {
        const normal = matchPrice + bitPrice(probs[P_IS_REP + s], 0);
        while (end < cur + newLen) price[++end] = INFINITY_PRICE;
        const t = posState * LEN_TABLE - 2;
        let l = rep0Len >= 2 ? rep0Len + 1 : 2;
        if (l > newLen) l = newLen + 1;
        let k = 0;
        while (k < nm && this.mLens[k] < l) k++;
        // The distance price no longer depends on the length from 5 on: once per match.
        let far = k < nm ? this.distPrice(this.mDists[k], 5) : 0;
        for (; l <= newLen; l++) {
          if (this.mLens[k] < l) {
            while (this.mLens[k] < l) k++;
            far = this.distPrice(this.mDists[k], 5);
          }
          const dist = this.mDists[k];
          const pr = normal + lenPrices[t + l] + (l < 5 ? this.distPrice(dist, l) : far);
          if (pr < price[cur + l]) {
            price[cur + l] = pr;
            prev[cur + l] = cur;
            back[cur + l] = dist + 4;
          }
        }
      }
    }

    // Walk back from `cur` and lay the path out forwards.
    let count = 0;
    for (let at = cur; at > 0; at = prev[at]) count++;
    let k = count;
    for (let at = cur; at > 0; at = prev[at]) {
      k--;
      this.seqLen[k] = at - prev[at];
      this.seqBack[k] = back[at];
    }
    return count;
  }

  private single(len: number, backValue: number): number {
    this.seqLen[0] = len;
    this.seqBack[0] = backValue;
    return 1;
  }
}
