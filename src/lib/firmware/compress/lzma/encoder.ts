import { FirmwareError } from '../../errors';
import { BinaryTreeFinder, finderBytes, HashChainFinder, type MatchFinder } from './match-finder';
import * as props from './props';
import * as coder from './range-coder';
import type { RangeEncoder as RangeEncoderType, RangeEncoderState } from './range-coder';

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
const { PRICES, RangeEncoder } = coder;

/**
 * LZMA encoder writing what edk2's LzmaCompress writes: properties 0x5D (lc=3 lp=0 pb=2),
 * the dictionary size, the 8-byte uncompressed size, the stream, no end marker.
 *
 * `default`: binary-tree match finder (nice length 32, depth 20) and a price-based optimal
 * parse over windows of up to 4 KiB, including the two-step candidates "match or rep,
 * literal, rep0" of the LZMA SDK's normal mode. `fast`: hash-chain finder (nice length 64,
 * depth 4) with greedy parsing and a one-step lazy check as in liblzma's fast mode, which
 * also drops short matches too far away to pay (see tooFar). Both finders key their
 * buckets by 5 bytes rather than 4 (see match-finder.ts).
 *
 * Where the time goes and how it is kept down:
 * - Matches of `niceLen` or more are taken whole (extended up to 273 bytes), and only the
 *   first `headKeep` and last `tailKeep` positions inside them are indexed: strings that
 *   start in the middle are copies of strings the finder already holds. Consecutive long
 *   matches count as one stretch, and a long rep match is taken before the finder is
 *   asked at all, so a run of one byte (free space) is a chain of 273-byte rep0 matches
 *   costing one byte comparison per byte.
 * - In long stretches without matches (compressed or encrypted blobs), fewer positions
 *   are searched (see literalRun).
 * - Prices come from tables refreshed as LZMA SDK does (lengths per position state after
 *   as many uses as the table has entries, distances every 128 matches); the parse
 *   arrays, match buffers and range coder are allocated once per call.
 *
 * Memory, beyond the input and the output (w = min(input size, dictionary size)):
 * `default` 8w bytes of tree, `fast` 4w bytes of chain; both add 0.5 MiB of 2/3-byte
 * heads, a bucket head of 4 bytes per input byte up to 16 MiB, the coder's output buffer
 * (an eighth of the input to start with, doubled when the output outgrows it) and ~0.3 MiB
 * of tables; lzmaCompressMemory gives the sum. For the 13.5 MB OVMF DXE payload: 121 MiB
 * (`default`, 9.4 bytes per input byte) and 70 MiB (`fast`, 5.4 bytes per input byte).
 * Only the tree slots of positions actually indexed are ever written, so on inputs with
 * much free space the resident part is smaller (bench/lzma.ts prints both). Resuming a
 * stream (resume.ts), the finder covers only the input from 64 KiB before the resume point.
 *
 * Deterministic: the same input and options give the same bytes, in Node and browsers.
 */

export interface LzmaCompressOptions {
  preset?: 'default' | 'fast';
  /** Written to the header and bounds match distances; default 16 MiB like edk2. */
  dictSize?: number;
  /** Called with the number of input bytes consumed, about every 16 KiB. */
  onProgress?: (consumed: number) => void;
  /** Polled about every 16 KiB; when it returns true a FirmwareError('cancelled') is thrown. */
  shouldCancel?: () => boolean;
  /** Overrides the preset's search settings (for benchmarks and tuning). */
  tuning?: Partial<LzmaTuning>;
  /**
   * Continue an existing stream instead of starting one (see resume.ts): the input's first
   * `resume.pos` bytes are what that stream decodes to, and coding starts at `resume.pos`.
   */
  resume?: LzmaResumePoint;
}

/** An LZMA stream cut between two symbols: everything the encoder needs to carry it on. */
export interface LzmaResumePoint {
  /** Input bytes the kept part of the stream already codes. */
  pos: number;
  probs: Uint16Array;
  state: number;
  reps: [number, number, number, number];
  coder: RangeEncoderState;
  /** A carry from symbols after the cut had reached the kept bytes (they were one less). */
  borrowed: boolean;
}

/** Bytes before the resume point the match finder indexes, so new data can match them. */
const RESUME_HISTORY = 1 << 16;

export interface LzmaTuning {
  /** Binary tree or hash chain. */
  finder: 'bt' | 'hc';
  /** Bytes that key the tree/chain buckets (4 as LZMA SDK's bt4/hc4, or 5). */
  hashBytes: 4 | 5;
  parser: 'optimal' | 'greedy';
  /** Matches this long are taken at once. */
  niceLen: number;
  /** Candidates examined per position. */
  depth: number;
  /** Positions indexed at the start of a long match's inside. */
  headKeep: number;
  /** Positions indexed at the end of a long match's inside. */
  tailKeep: number;
  /** After this many literals in a row with nothing found, search with a stride (0 = never). */
  accelStart: number;
  /** The stride doubles every 2^accelShift literals beyond accelStart, up to 32. */
  accelShift: number;
}

export const LZMA_PRESETS: Record<'default' | 'fast', LzmaTuning> = {
  default: {
    finder: 'bt',
    hashBytes: 5,
    parser: 'optimal',
    niceLen: 32,
    depth: 20,
    headKeep: 1,
    tailKeep: 16,
    accelStart: 256,
    accelShift: 4,
  },
  fast: {
    finder: 'hc',
    hashBytes: 5,
    parser: 'greedy',
    niceLen: 64,
    depth: 4,
    headKeep: 1,
    tailKeep: 8,
    accelStart: 256,
    accelShift: 4,
  },
};

const LC = 3;
const LP = 0;
const PB = 2;
const POS_MASK = (1 << PB) - 1;
const DEFAULT_DICT = 1 << 24;
const CHECK_EVERY = 1 << 14;

const NUM_OPTS = 1 << 12;
const INFINITY_PRICE = 1 << 30;
/** Back values: a literal, a short rep (one byte at rep0), reps 0..3, matches 4+. */
const BACK_LITERAL = -1;
const BACK_SHORT_REP = -2;
/** A two-step node with no first symbol: just "literal, rep0". */
const BACK_NONE = -3;
const LEN_TABLE = MATCH_LEN_MAX - 1; // lengths 2..273 at index len - 2

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

/**
 * A short match this far away costs more than its bytes as literals (zlib drops 3-byte
 * matches beyond 4 KiB for the same reason): the greedy parser ignores it, and the optimal
 * parser codes a literal without pricing anything when nothing else is there.
 */
function tooFar(len: number, dist: number): boolean {
  return len === 2 ? dist >= 1 << 7 : len === 3 ? dist >= 1 << 12 : len === 4 && dist >= 1 << 18;
}

function distSlot(dist: number): number {
  if (dist < 4) return dist;
  const n = 31 - Math.clz32(dist);
  return (n << 1) | ((dist >>> (n - 1)) & 1);
}

/**
 * Bytes lzmaCompress allocates for an input of `inputLength` bytes besides the input and
 * the returned stream: the finder, the coder's first output buffer (it doubles when the
 * output outgrows it) and the fixed tables (probabilities, prices, parser nodes).
 */
export function lzmaCompressMemory(inputLength: number, opts: LzmaCompressOptions = {}): number {
  const t = { ...LZMA_PRESETS[opts.preset === 'fast' ? 'fast' : 'default'], ...opts.tuning };
  const dictSize = opts.dictSize ?? DEFAULT_DICT;
  const fixed = 2 * probCount(LC, LP) + 4 * (2 * 4 * LEN_TABLE) + 16 * 4 * (NUM_OPTS + 1) + 8192;
  return (
    finderBytes(inputLength, dictSize, t.finder === 'hc' ? 4 : 8) +
    Math.max(64, (inputLength >> 3) + 1024) +
    fixed
  );
}

export function lzmaCompress(input: Uint8Array, opts: LzmaCompressOptions = {}): Uint8Array {
  const dictSize = opts.dictSize ?? DEFAULT_DICT;
  if (!Number.isInteger(dictSize) || dictSize < 4096 || dictSize > 0xffffffff) {
    throw new FirmwareError(
      'bad-input',
      `LZMA dictionary size ${dictSize} is out of range (4 KiB .. 4 GiB)`,
    );
  }
  const resume = opts.resume;
  if (resume && (resume.pos > input.length || resume.probs.length !== probCount(LC, LP))) {
    throw new FirmwareError('bad-input', 'the LZMA resume point does not fit this input');
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
  private readonly headKeep: number;
  private readonly tailKeep: number;
  private readonly accelStart: number;
  private readonly accelShift: number;
  /** Bytes coded since the last match or rep of 3 or more bytes. */
  private litRun = 0;
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
  private readonly lenPrices = new Int32Array(2 * 4 * LEN_TABLE);
  private readonly lenCounters = new Int32Array(2 * 4);
  /** Lengths priced in lenPrices (2..lenTableMax). */
  private readonly lenTableMax: number;
  private readonly slotPrices = new Int32Array(4 * 64);
  private readonly distPrices = new Int32Array(4 * NUM_FULL_DISTANCES);
  private readonly alignPrices = new Int32Array(16);
  private matchCount = 0;
  private alignCount = 0;

  // Optimal parser nodes: how each position of the window is best reached.
  private readonly optPrice = new Int32Array(NUM_OPTS + 1);
  /** Where the step into this node starts. */
  private readonly optFrom = new Int32Array(NUM_OPTS + 1);
  /** First symbol of the step (BACK_*, rep index, or match distance + 4). */
  private readonly optBack = new Int32Array(NUM_OPTS + 1);
  /** Length of the first symbol when the step is two-step (then a literal and a rep0 follow). */
  private readonly optLen1 = new Int32Array(NUM_OPTS + 1);
  /** 1 when the step is "first symbol, literal, rep0". */
  private readonly optTwo = new Uint8Array(NUM_OPTS + 1);
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
    this.lenTableMax = this.fast ? 2 : this.niceLen;
    const depth = Math.max(1, t.depth | 0);
    const hashBytes = t.hashBytes === 4 ? 4 : 5;
    this.headKeep = Math.max(0, t.headKeep | 0);
    this.tailKeep = Math.max(0, t.tailKeep | 0);
    this.accelStart = t.accelStart > 0 ? t.accelStart | 0 : 1 << 30;
    this.accelShift = Math.max(0, Math.min(16, t.accelShift | 0));
    const resume = opts.resume;
    // Resuming, only the recent history is indexed: older matches would save little and cost time.
    const first = resume ? resume.pos - Math.min(resume.pos, RESUME_HISTORY) : 0;
    this.mf =
      t.finder === 'hc'
        ? new HashChainFinder(data, dictSize, this.niceLen, depth, hashBytes, first)
        : new BinaryTreeFinder(data, dictSize, this.niceLen, depth, hashBytes, first);
    this.rc = new RangeEncoder(((data.length - (resume?.pos ?? 0)) >> 3) + 1024, resume?.coder);
    if (resume) {
      this.probs.set(resume.probs);
      this.state = resume.state;
      [this.rep0, this.rep1, this.rep2, this.rep3] = resume.reps;
    }
  }

  run(): Uint8Array {
    const n = this.data.length;
    let pos = this.opts.resume?.pos ?? 0;
    // The tables are allocated by now (tens of milliseconds on a large input): say so.
    this.opts.onProgress?.(pos);
    if (pos > this.mf.pos) this.mf.skip(pos - this.mf.pos);
    let nextCheck = pos + CHECK_EVERY;
    if (!this.fast) {
      for (let i = 0; i < 8; i++) this.fillLenPrices(i);
      this.fillDistPrices();
      this.fillAlignPrices();
    }
    while (pos < n) {
      if (pos >= nextCheck) {
        nextCheck = pos + CHECK_EVERY;
        if (this.opts.shouldCancel?.()) throw new FirmwareError('cancelled', 'compression stopped');
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
    const mf = this.mf;
    const gap = pos - mf.pos;
    if (gap > 0) {
      // The inside of long matches just emitted: index its edges only.
      const head = this.headKeep;
      const tail = this.tailKeep;
      if (gap > head + tail) {
        if (head > 0) mf.skip(head);
        mf.jump(pos - tail);
        if (tail > 0) mf.skip(tail);
      } else mf.skip(gap);
    }
    this.numMatches = mf.getMatches(this.mLens, this.mDists);
    this.cachedAt = pos;
    return this.numMatches;
  }

  /** Length of the match at `pos` with distance `dist` (0-based), up to `limit`; 0 below 2. */
  private repLen(pos: number, dist: number, limit: number): number {
    const d = this.data;
    const from = pos - dist - 1;
    if (from < 0 || d[from] !== d[pos] || d[from + 1] !== d[pos + 1]) return 0;
    let len = 2;
    while (len < limit && d[from + len] === d[pos + len]) len++;
    return len;
  }

  // ---- Encoding primitives (update the state as the decoder will) ----

  private encodeLiteral(pos: number): void {
    const d = this.data;
    const probs = this.probs;
    const rc = this.rc;
    rc.encodeBit(probs, P_IS_MATCH + (this.state << 4) + (pos & POS_MASK), 0);
    const prev = pos > 0 ? d[pos - 1] : 0;
    const base = P_LITERAL + 0x300 * (prev >> (8 - LC));
    rc.encodeLiteral(probs, base, d[pos], this.state >= 7 ? d[pos - this.rep0 - 1] : -1);
    this.state = nextLiteral(this.state);
    this.litRun++;
  }

  private encodeTree(base: number, bits: number, sym: number): void {
    this.rc.encodeTree(this.probs, base, bits, sym);
  }

  private encodeReverse(base: number, bits: number, sym: number): void {
    this.rc.encodeReverse(this.probs, base, bits, sym);
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
    if (!this.fast) {
      const k = (coder === P_LEN ? 0 : 4) + posState;
      if (--this.lenCounters[k] <= 0) this.fillLenPrices(k);
    }
  }

  private encodeMatch(pos: number, dist: number, len: number): void {
    const probs = this.probs;
    const rc = this.rc;
    const posState = pos & POS_MASK;
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
    this.litRun = len >= 3 ? 0 : this.litRun + len;
  }

  /** Rep match `idx` (0..3) of `len` bytes; len 1 with idx 0 is the short rep. */
  private encodeRep(pos: number, idx: number, len: number): void {
    const probs = this.probs;
    const rc = this.rc;
    const s = this.state;
    const posState = pos & POS_MASK;
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
    this.litRun = len >= 3 ? 0 : this.litRun + len;
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

  /**
   * Called after a literal at `pos` for which nothing was found. In long stretches without
   * a match of 3+ bytes (compressed or encrypted blobs) fewer positions are searched and
   * indexed: every 2nd, 4th, 8th, 16th, then two per 32 bytes — the multiple of 32 (an
   * anchor) and one probe whose offset in the block changes from block to block. The
   * positions in between are coded as literals directly. A later copy of such a stretch
   * is still found: at once when it lies a multiple of 32 bytes away (blobs are usually
   * aligned), otherwise within 32 blocks, when a probe lands on a copy of an anchor.
   * Returns the next position to search.
   */
  private literalRun(pos: number): number {
    const run = this.litRun;
    const next = pos + 1;
    if (run <= this.accelStart) return next;
    const log2 = (run - this.accelStart) >> this.accelShift;
    if (log2 === 0) return next;
    let to: number;
    if (log2 < 5) {
      const stride = 1 << log2;
      to = (next + stride - 1) & -stride;
    } else {
      const block = next & -32;
      const probe = block + (((block >>> 5) * 13 + 7) & 31);
      to = next === block || next <= probe ? (next === block ? next : probe) : block + 32;
    }
    if (to > this.data.length) to = this.data.length;
    for (let p = next; p < to; p++) this.encodeLiteral(p);
    if (this.mf.pos < to) this.mf.jump(to);
    return to;
  }

  // ---- Fast mode: greedy with a one-step lazy check, as liblzma's fast mode ----

  private stepFast(pos: number): number {
    const d = this.data;
    const avail = Math.min(d.length - pos, MATCH_LEN_MAX);
    if (avail < 2) {
      this.encodeLiteral(pos);
      return pos + 1;
    }
    const nice = this.niceLen;
    let repLen = 0;
    let repIdx = 0;
    for (let i = 0; i < 4; i++) {
      const l = this.repLen(pos, this.repDist(i), avail);
      if (l >= nice) {
        this.encodeRep(pos, i, l);
        return pos + l;
      }
      if (l > repLen) {
        repLen = l;
        repIdx = i;
      }
    }
    const n = this.findAt(pos);
    let mainLen = 0;
    let mainDist = 0;
    if (n > 0) {
      let k = n - 1;
      mainLen = this.mLens[k];
      mainDist = this.mDists[k];
      if (mainLen >= nice) {
        this.encodeMatch(pos, mainDist, mainLen);
        return pos + mainLen;
      }
      // Prefer a much nearer match one byte shorter.
      while (k > 0 && this.mLens[k - 1] + 1 === mainLen && mainDist >>> 7 > this.mDists[k - 1]) {
        k--;
        mainLen = this.mLens[k];
        mainDist = this.mDists[k];
      }
      if (tooFar(mainLen, mainDist)) mainLen = 0;
    }
    if (
      repLen >= 2 &&
      (repLen + 1 >= mainLen ||
        (repLen + 2 >= mainLen && mainDist >= 1 << 9) ||
        (repLen + 3 >= mainLen && mainDist >= 1 << 15))
    ) {
      this.encodeRep(pos, repIdx, repLen);
      return pos + repLen;
    }
    if (mainLen < 2 || avail <= 2) {
      if (pos > this.rep0 && d[pos] === d[pos - this.rep0 - 1] && this.shortRepIsCheaper(pos)) {
        this.encodeRep(pos, 0, 1);
      } else {
        this.encodeLiteral(pos);
        if (mainLen < 2 && repLen < 2) return this.literalRun(pos);
      }
      return pos + 1;
    }
    // Lazy: does the next position give a clearly better match, or a rep nearly as long?
    const n2 = this.findAt(pos + 1);
    if (n2 > 0) {
      const nextDist = this.mDists[n2 - 1];
      const nextLen = tooFar(this.mLens[n2 - 1], nextDist) ? 0 : this.mLens[n2 - 1];
      if (
        (nextLen >= mainLen && nextDist < mainDist) ||
        (nextLen === mainLen + 1 && !(nextDist >>> 7 > mainDist)) ||
        nextLen > mainLen + 1 ||
        (nextLen + 1 >= mainLen && mainLen >= 3 && mainDist >>> 7 > nextDist)
      ) {
        this.encodeLiteral(pos);
        return pos + 1;
      }
    }
    const limit = mainLen - 1 > 2 ? mainLen - 1 : 2;
    for (let i = 0; i < 4; i++) {
      if (this.repLen(pos + 1, this.repDist(i), limit) >= limit) {
        this.encodeLiteral(pos);
        return pos + 1;
      }
    }
    this.encodeMatch(pos, mainDist, mainLen);
    return pos + mainLen;
  }

  private shortRepIsCheaper(pos: number): boolean {
    const probs = this.probs;
    const s = this.state;
    const ps = pos & POS_MASK;
    const isMatch = probs[P_IS_MATCH + (s << 4) + ps];
    const lit = PRICES[isMatch >> 4] + this.literalPrice(pos, s, this.rep0);
    const short =
      PRICES[(2048 - isMatch) >> 4] +
      PRICES[(2048 - probs[P_IS_REP + s]) >> 4] +
      PRICES[probs[P_IS_REP_G0 + s] >> 4] +
      PRICES[probs[P_IS_REP0_LONG + (s << 4) + ps] >> 4];
    return short < lit;
  }

  // ---- Prices ----

  /** Refills the length prices of one coder (0..3 match, 4..7 rep) for one pos state. */
  private fillLenPrices(k: number): void {
    const probs = this.probs;
    const coder = k < 4 ? P_LEN : P_REP_LEN;
    const ps = k & 3;
    const choice = probs[coder + LEN_CHOICE];
    const choice2 = probs[coder + LEN_CHOICE2];
    const c0 = PRICES[choice >> 4];
    const c1 = PRICES[(2048 - choice) >> 4];
    const c10 = c1 + PRICES[choice2 >> 4];
    const c11 = c1 + PRICES[(2048 - choice2) >> 4];
    const t = k * LEN_TABLE;
    const max = this.lenTableMax - 2;
    const lp = this.lenPrices;
    for (let l = 0; l < 8 && l <= max; l++)
      lp[t + l] = c0 + this.treePrice(coder + LEN_LOW + (ps << 3), 3, l);
    for (let l = 8; l < 16 && l <= max; l++)
      lp[t + l] = c10 + this.treePrice(coder + LEN_MID + (ps << 3), 3, l - 8);
    for (let l = 16; l <= max; l++) lp[t + l] = c11 + this.treePrice(coder + LEN_HIGH, 8, l - 16);
    this.lenCounters[k] = max + 1;
  }

  private treePrice(base: number, bits: number, sym: number): number {
    const probs = this.probs;
    let price = 0;
    let m = 1;
    for (let i = bits - 1; i >= 0; i--) {
      const bit = (sym >>> i) & 1;
      const p = probs[base + m];
      price += PRICES[(bit === 0 ? p : 2048 - p) >> 4];
      m = (m << 1) | bit;
    }
    return price;
  }

  private reversePrice(base: number, bits: number, sym: number): number {
    const probs = this.probs;
    let price = 0;
    let m = 1;
    for (let i = 0; i < bits; i++) {
      const bit = (sym >>> i) & 1;
      const p = probs[base + m];
      price += PRICES[(bit === 0 ? p : 2048 - p) >> 4];
      m = (m << 1) | bit;
    }
    return price;
  }

  private fillDistPrices(): void {
    const slotPrices = this.slotPrices;
    const distPrices = this.distPrices;
    for (let ls = 0; ls < 4; ls++) {
      for (let slot = 0; slot < 64; slot++) {
        let p = this.treePrice(P_POS_SLOT + (ls << 6), 6, slot);
        if (slot >= END_POS_MODEL_INDEX) p += ((slot >> 1) - 1 - 4) << 4;
        slotPrices[ls * 64 + slot] = p;
      }
      for (let dist = 0; dist < 4; dist++)
        distPrices[ls * NUM_FULL_DISTANCES + dist] = slotPrices[ls * 64 + dist];
    }
    for (let dist = 4; dist < NUM_FULL_DISTANCES; dist++) {
      const slot = distSlot(dist);
      const numDirect = (slot >> 1) - 1;
      const base = (2 | (slot & 1)) << numDirect;
      const extra = this.reversePrice(P_SPEC_POS + base - slot - 1, numDirect, dist - base);
      for (let ls = 0; ls < 4; ls++)
        distPrices[ls * NUM_FULL_DISTANCES + dist] = slotPrices[ls * 64 + slot] + extra;
    }
    this.matchCount = 0;
  }

  private fillAlignPrices(): void {
    for (let i = 0; i < 16; i++) this.alignPrices[i] = this.reversePrice(P_ALIGN, 4, i);
    this.alignCount = 0;
  }

  /** Price of the distance of a match of `len` bytes. */
  private distPrice(dist: number, len: number): number {
    const ls = len - 2 < 3 ? len - 2 : 3;
    if (dist < NUM_FULL_DISTANCES) return this.distPrices[ls * NUM_FULL_DISTANCES + dist];
    return this.slotPrices[ls * 64 + distSlot(dist)] + this.alignPrices[dist & 15];
  }

  /** Price of the literal at `pos` in `state`, with rep0 giving the match byte. */
  private literalPrice(pos: number, state: number, rep0: number): number {
    const probs = this.probs;
    const d = this.data;
    const prev = pos > 0 ? d[pos - 1] : 0;
    const base = P_LITERAL + 0x300 * (prev >> (8 - LC));
    const byte = d[pos] | 0x100;
    let price = 0;
    let m = 1;
    if (state >= 7) {
      const matchByte = d[pos - rep0 - 1];
      let i = 7;
      for (; i >= 0; i--) {
        const bit = (byte >> i) & 1;
        const mb = (matchByte >> i) & 1;
        const p = probs[base + ((1 + mb) << 8) + m];
        price += PRICES[(bit === 0 ? p : 2048 - p) >> 4];
        m = (m << 1) | bit;
        if (mb !== bit) {
          i--;
          break;
        }
      }
      for (; i >= 0; i--) {
        const bit = (byte >> i) & 1;
        const p = probs[base + m];
        price += PRICES[(bit === 0 ? p : 2048 - p) >> 4];
        m = (m << 1) | bit;
      }
      return price;
    }
    for (let i = 7; i >= 0; i--) {
      const bit = (byte >> i) & 1;
      const p = probs[base + m];
      price += PRICES[(bit === 0 ? p : 2048 - p) >> 4];
      m = (m << 1) | bit;
    }
    return price;
  }

  /** Price of choosing rep `idx` (after isMatch=1, isRep=1), without the length. */
  private repChoicePrice(idx: number, state: number, posState: number): number {
    const probs = this.probs;
    if (idx === 0) {
      return (
        PRICES[probs[P_IS_REP_G0 + state] >> 4] +
        PRICES[(2048 - probs[P_IS_REP0_LONG + (state << 4) + posState]) >> 4]
      );
    }
    const g0 = PRICES[(2048 - probs[P_IS_REP_G0 + state]) >> 4];
    const g1 = probs[P_IS_REP_G1 + state];
    if (idx === 1) return g0 + PRICES[g1 >> 4];
    const g2 = probs[P_IS_REP_G2 + state];
    return g0 + PRICES[(2048 - g1) >> 4] + PRICES[(idx === 2 ? g2 : 2048 - g2) >> 4];
  }

  // ---- Default mode: optimal parsing ----

  private stepOptimal(pos: number): number {
    if (this.matchCount >= 128) this.fillDistPrices();
    if (this.alignCount >= 16) this.fillAlignPrices();
    const count = this.optimum(pos);
    if (count === 0) {
      this.encodeLiteral(pos);
      return this.literalRun(pos);
    }
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
    return p;
  }

  private single(len: number, backValue: number): number {
    this.seqLen[0] = len;
    this.seqBack[0] = backValue;
    return 1;
  }

  /** Chooses the cheapest sequence of symbols from `pos`; returns how many are in seqLen/seqBack. */
  private optimum(pos: number): number {
    const d = this.data;
    const probs = this.probs;
    const nice = this.niceLen;
    const state0 = this.state;
    const availAll = d.length - pos;
    const avail0 = availAll < MATCH_LEN_MAX ? availAll : MATCH_LEN_MAX;
    if (avail0 < 2) return this.single(1, BACK_LITERAL);

    // Reps at the start; a long one is taken at once.
    let r0 = this.rep0;
    let r1 = this.rep1;
    let r2 = this.rep2;
    let r3 = this.rep3;
    const rl0 = this.repLen(pos, r0, avail0);
    if (rl0 >= nice) return this.single(rl0, 0);
    const rl1 = this.repLen(pos, r1, avail0);
    const rl2 = this.repLen(pos, r2, avail0);
    const rl3 = this.repLen(pos, r3, avail0);
    let bestRep = 0;
    let bestRepLen = rl0;
    if (rl1 > bestRepLen) {
      bestRep = 1;
      bestRepLen = rl1;
    }
    if (rl2 > bestRepLen) {
      bestRep = 2;
      bestRepLen = rl2;
    }
    if (rl3 > bestRepLen) {
      bestRep = 3;
      bestRepLen = rl3;
    }
    if (bestRepLen >= nice) return this.single(bestRepLen, bestRep);

    const mLens = this.mLens;
    const mDists = this.mDists;
    let nm = this.findAt(pos);
    let mainLen = nm > 0 ? mLens[nm - 1] : 0;
    if (mainLen >= nice) return this.single(mainLen, mDists[nm - 1] + 4);
    if (mainLen > avail0) {
      mainLen = avail0;
      while (nm > 0 && mLens[nm - 1] >= avail0) nm--;
      mLens[nm] = avail0;
      nm++;
    }

    const curByte = d[pos];
    const matchByte = pos > r0 ? d[pos - r0 - 1] : -1;
    // Nothing to match (a far 2- or 3-byte match costs more than its literals): a plain
    // literal, and count 0 tells the caller.
    if (
      curByte !== matchByte &&
      bestRepLen < 2 &&
      (mainLen < 2 || (mainLen < 4 && tooFar(mainLen, mDists[nm - 1])))
    )
      return 0;

    const price = this.optPrice;
    const from = this.optFrom;
    const back = this.optBack;
    const len1 = this.optLen1;
    const two = this.optTwo;
    const optState = this.optState;
    const optReps = this.optReps;
    const lenPrices = this.lenPrices;
    const P = PRICES;
    optState[0] = state0;
    optReps[0] = r0;
    optReps[1] = r1;
    optReps[2] = r2;
    optReps[3] = r3;

    let posState = pos & POS_MASK;
    const isMatch0 = probs[P_IS_MATCH + (state0 << 4) + posState];
    const matchPrice0 = P[(2048 - isMatch0) >> 4];
    const repMatchPrice0 = matchPrice0 + P[(2048 - probs[P_IS_REP + state0]) >> 4];
    price[1] = P[isMatch0 >> 4] + this.literalPrice(pos, state0, r0);
    from[1] = 0;
    back[1] = BACK_LITERAL;
    two[1] = 0;
    if (matchByte === curByte) {
      const sr =
        repMatchPrice0 +
        P[probs[P_IS_REP_G0 + state0] >> 4] +
        P[probs[P_IS_REP0_LONG + (state0 << 4) + posState] >> 4];
      if (sr < price[1]) {
        price[1] = sr;
        back[1] = BACK_SHORT_REP;
      }
    }
    let end = mainLen > bestRepLen ? mainLen : bestRepLen;
    if (end < 2) return this.single(1, back[1]);
    for (let l = 2; l <= end; l++) price[l] = INFINITY_PRICE;

    for (let i = 0; i < 4; i++) {
      const rl = i === 0 ? rl0 : i === 1 ? rl1 : i === 2 ? rl2 : rl3;
      if (rl < 2) continue;
      const base = repMatchPrice0 + this.repChoicePrice(i, state0, posState);
      const t = (4 + posState) * LEN_TABLE - 2;
      for (let l = rl; l >= 2; l--) {
        const pr = base + lenPrices[t + l];
        if (pr < price[l]) {
          price[l] = pr;
          from[l] = 0;
          back[l] = i;
          two[l] = 0;
        }
      }
    }
    if (mainLen >= 2) {
      const normal = matchPrice0 + P[probs[P_IS_REP + state0] >> 4];
      const t = posState * LEN_TABLE - 2;
      let l = rl0 >= 2 ? rl0 + 1 : 2;
      if (l <= mainLen) {
        let k = 0;
        while (mLens[k] < l) k++;
        let dist = mDists[k];
        let far = this.distPrice(dist, 5);
        for (; l <= mainLen; l++) {
          const pr = normal + lenPrices[t + l] + (l < 5 ? this.distPrice(dist, l) : far);
          if (pr < price[l]) {
            price[l] = pr;
            from[l] = 0;
            back[l] = dist + 4;
            two[l] = 0;
          }
          if (l === mLens[k] && ++k < nm) {
            dist = mDists[k];
            far = this.distPrice(dist, 5);
          }
        }
      }
    }

    let cur = 0;
    for (;;) {
      cur++;
      if (cur >= end) break;
      const p = pos + cur;
      let newLen = 0;
      nm = this.findAt(p);
      if (nm > 0) {
        newLen = mLens[nm - 1];
        if (newLen >= nice) break; // Taken whole at the start of the next call.
      }

      // The state and reps at `cur`, from the step that reaches it.
      const f = from[cur];
      let s = optState[f];
      r0 = optReps[f * 4];
      r1 = optReps[f * 4 + 1];
      r2 = optReps[f * 4 + 2];
      r3 = optReps[f * 4 + 3];
      const bk = back[cur];
      if (bk === BACK_LITERAL) s = nextLiteral(s);
      else if (bk === BACK_SHORT_REP) s = nextShortRep(s);
      else if (bk >= 0 && bk < 4) {
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
      } else if (bk >= 4) {
        s = nextMatch(s);
        r3 = r2;
        r2 = r1;
        r1 = r0;
        r0 = bk - 4;
      }
      // Two-step: a literal and a rep0 follow the first symbol (reps unchanged by both).
      if (two[cur] !== 0) s = nextRep(nextLiteral(s));
      optState[cur] = s;
      optReps[cur * 4] = r0;
      optReps[cur * 4 + 1] = r1;
      optReps[cur * 4 + 2] = r2;
      optReps[cur * 4 + 3] = r3;

      const curPrice = price[cur];
      posState = p & POS_MASK;
      const cb = d[p];
      const mb = p > r0 ? d[p - r0 - 1] : -1;
      const isMatch = probs[P_IS_MATCH + (s << 4) + posState];
      const litPrice = curPrice + P[isMatch >> 4] + this.literalPrice(p, s, r0);
      let nextIsLiteral = false;
      if (litPrice < price[cur + 1]) {
        price[cur + 1] = litPrice;
        from[cur + 1] = cur;
        back[cur + 1] = BACK_LITERAL;
        two[cur + 1] = 0;
        nextIsLiteral = true;
      }
      const matchPrice = curPrice + P[(2048 - isMatch) >> 4];
      const repMatchPrice = matchPrice + P[(2048 - probs[P_IS_REP + s]) >> 4];
      if (mb === cb && !(from[cur + 1] < cur && back[cur + 1] === 0 && two[cur + 1] === 0)) {
        const sr =
          repMatchPrice +
          P[probs[P_IS_REP_G0 + s] >> 4] +
          P[probs[P_IS_REP0_LONG + (s << 4) + posState] >> 4];
        if (sr <= price[cur + 1]) {
          price[cur + 1] = sr;
          from[cur + 1] = cur;
          back[cur + 1] = BACK_SHORT_REP;
          two[cur + 1] = 0;
          nextIsLiteral = true;
        }
      }
      let availFull = d.length - p;
      if (availFull > NUM_OPTS - 1 - cur) availFull = NUM_OPTS - 1 - cur;
      if (availFull < 2) continue;
      const avail = availFull < nice ? availFull : nice;

      // Literal, then rep0.
      if (!nextIsLiteral && mb !== cb && p > r0) {
        const src = p - r0 - 1;
        const limit = availFull < nice + 1 ? availFull : nice + 1;
        let l = 1;
        while (l < limit && d[src + l] === d[p + l]) l++;
        l--;
        if (l >= 2) {
          const s2 = nextLiteral(s);
          const ps2 = (p + 1) & POS_MASK;
          const pr =
            litPrice +
            P[(2048 - probs[P_IS_MATCH + (s2 << 4) + ps2]) >> 4] +
            P[(2048 - probs[P_IS_REP + s2]) >> 4] +
            this.repChoicePrice(0, s2, ps2) +
            lenPrices[(4 + ps2) * LEN_TABLE + l - 2];
          const at = cur + 1 + l;
          while (end < at) price[++end] = INFINITY_PRICE;
          if (pr < price[at]) {
            price[at] = pr;
            from[at] = cur;
            back[at] = BACK_NONE;
            len1[at] = 0;
            two[at] = 1;
          }
        }
      }

      let startLen = 2;
      for (let i = 0; i < 4; i++) {
        const dist = i === 0 ? r0 : i === 1 ? r1 : i === 2 ? r2 : r3;
        const src = p - dist - 1;
        if (src < 0 || d[src] !== cb || d[src + 1] !== d[p + 1]) continue;
        let rl = 2;
        while (rl < avail && d[src + rl] === d[p + rl]) rl++;
        while (end < cur + rl) price[++end] = INFINITY_PRICE;
        const base = repMatchPrice + this.repChoicePrice(i, s, posState);
        const t = (4 + posState) * LEN_TABLE - 2;
        for (let l = rl; l >= 2; l--) {
          const pr = base + lenPrices[t + l];
          if (pr < price[cur + l]) {
            price[cur + l] = pr;
            from[cur + l] = cur;
            back[cur + l] = i;
            two[cur + l] = 0;
          }
        }
        if (i === 0) startLen = rl + 1;

        // Rep, literal, rep0.
        const limit = availFull < rl + 1 + nice ? availFull : rl + 1 + nice;
        let l2 = rl + 1;
        while (l2 < limit && d[src + l2] === d[p + l2]) l2++;
        l2 -= rl + 1;
        if (l2 >= 2) {
          const sRep = nextRep(s);
          const psA = (p + rl) & POS_MASK;
          const s2 = nextLiteral(sRep);
          const psB = (p + rl + 1) & POS_MASK;
          const pr =
            base +
            lenPrices[t + rl] +
            P[probs[P_IS_MATCH + (sRep << 4) + psA] >> 4] +
            this.literalPrice(p + rl, sRep, dist) +
            P[(2048 - probs[P_IS_MATCH + (s2 << 4) + psB]) >> 4] +
            P[(2048 - probs[P_IS_REP + s2]) >> 4] +
            this.repChoicePrice(0, s2, psB) +
            lenPrices[(4 + psB) * LEN_TABLE + l2 - 2];
          const at = cur + rl + 1 + l2;
          while (end < at) price[++end] = INFINITY_PRICE;
          if (pr < price[at]) {
            price[at] = pr;
            from[at] = cur;
            back[at] = i;
            len1[at] = rl;
            two[at] = 1;
          }
        }
      }

      if (newLen > avail) {
        newLen = avail;
        while (nm > 0 && mLens[nm - 1] >= avail) nm--;
        mLens[nm] = avail;
        nm++;
      }
      if (newLen >= startLen) {
        const normal = matchPrice + P[probs[P_IS_REP + s] >> 4];
        while (end < cur + newLen) price[++end] = INFINITY_PRICE;
        const t = posState * LEN_TABLE - 2;
        let k = 0;
        while (mLens[k] < startLen) k++;
        let dist = mDists[k];
        // The distance price no longer depends on the length from 5 on: once per match.
        let far = this.distPrice(dist, 5);
        for (let l = startLen; ; l++) {
          const pr = normal + lenPrices[t + l] + (l < 5 ? this.distPrice(dist, l) : far);
          if (pr < price[cur + l]) {
            price[cur + l] = pr;
            from[cur + l] = cur;
            back[cur + l] = dist + 4;
            two[cur + l] = 0;
          }
          if (l === mLens[k]) {
            // Match, literal, rep0.
            const src = p - dist - 1;
            const limit = availFull < l + 1 + nice ? availFull : l + 1 + nice;
            let l2 = l + 1;
            while (l2 < limit && d[src + l2] === d[p + l2]) l2++;
            l2 -= l + 1;
            if (l2 >= 2) {
              const sM = nextMatch(s);
              const psA = (p + l) & POS_MASK;
              const s2 = nextLiteral(sM);
              const psB = (p + l + 1) & POS_MASK;
              const pr2 =
                pr +
                P[probs[P_IS_MATCH + (sM << 4) + psA] >> 4] +
                this.literalPrice(p + l, sM, dist) +
                P[(2048 - probs[P_IS_MATCH + (s2 << 4) + psB]) >> 4] +
                P[(2048 - probs[P_IS_REP + s2]) >> 4] +
                this.repChoicePrice(0, s2, psB) +
                lenPrices[(4 + psB) * LEN_TABLE + l2 - 2];
              const at = cur + l + 1 + l2;
              while (end < at) price[++end] = INFINITY_PRICE;
              if (pr2 < price[at]) {
                price[at] = pr2;
                from[at] = cur;
                back[at] = dist + 4;
                len1[at] = l;
                two[at] = 1;
              }
            }
            if (++k === nm) break;
            dist = mDists[k];
            far = this.distPrice(dist, 5);
          }
        }
      }
    }

    // Walk back from `cur` and lay the symbols out forwards (a two-step node gives up to 3).
    let count = 0;
    const seqLen = this.seqLen;
    const seqBack = this.seqBack;
    for (let at = cur; at > 0;) {
      const f = from[at];
      if (two[at] !== 0) {
        const l1 = len1[at];
        const repStart = f + l1 + 1;
        seqLen[count] = at - repStart;
        seqBack[count++] = 0;
        seqLen[count] = 1;
        seqBack[count++] = BACK_LITERAL;
        if (l1 > 0) {
          seqLen[count] = l1;
          seqBack[count++] = back[at];
        }
      } else {
        seqLen[count] = at - f;
        seqBack[count++] = back[at];
      }
      at = f;
    }
    for (let i = 0, j = count - 1; i < j; i++, j--) {
      const tl = seqLen[i];
      seqLen[i] = seqLen[j];
      seqLen[j] = tl;
      const tb = seqBack[i];
      seqBack[i] = seqBack[j];
      seqBack[j] = tb;
    }
    return count;
  }
}
