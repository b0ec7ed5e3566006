import type { MatchFinder } from './match-finder';
import type { LzmaTuning } from './options';
import * as props from './props';
import type { SymbolEncoder } from './symbol-coder';

// Local copies: some loaders turn imported bindings into getter calls, far too slow per bit.
const { MATCH_LEN_MAX } = props;

/**
 * What both parsers share: asking the match finder at a position (indexing only the edges
 * of long matches just coded), measuring rep matches, and coding long runs without matches
 * quickly. A parser's `step` codes one or more symbols from a position and returns where
 * the next step starts.
 */
export abstract class Parser {
  protected readonly data: Uint8Array;
  protected readonly coder: SymbolEncoder;
  private readonly mf: MatchFinder;
  protected readonly niceLen: number;
  private readonly headKeep: number;
  private readonly tailKeep: number;
  private readonly accelStart: number;
  private readonly accelShift: number;

  // Matches at one position; `cachedAt` remembers a position whose matches are already here.
  protected readonly mLens = new Int32Array(MATCH_LEN_MAX + 2);
  protected readonly mDists = new Int32Array(MATCH_LEN_MAX + 2);
  private numMatches = 0;
  private cachedAt = -1;

  constructor(coder: SymbolEncoder, mf: MatchFinder, t: LzmaTuning) {
    this.data = coder.data;
    this.coder = coder;
    this.mf = mf;
    this.niceLen = niceLenOf(t);
    this.headKeep = Math.max(0, t.headKeep | 0);
    this.tailKeep = Math.max(0, t.tailKeep | 0);
    this.accelStart = t.accelStart > 0 ? t.accelStart | 0 : 1 << 30;
    this.accelShift = Math.max(0, Math.min(16, t.accelShift | 0));
  }

  /** Codes from `pos` on; returns the position after what it coded. */
  abstract step(pos: number): number;

  /** Indexes every position before `pos` (the history of a resumed stream). */
  indexUpTo(pos: number): void {
    if (pos > this.mf.pos) this.mf.skip(pos - this.mf.pos);
  }

  protected findAt(pos: number): number {
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
  protected repLen(pos: number, dist: number, limit: number): number {
    const d = this.data;
    const from = pos - dist - 1;
    if (from < 0 || d[from] !== d[pos] || d[from + 1] !== d[pos + 1]) return 0;
    let len = 2;
    while (len < limit && d[from + len] === d[pos + len]) len++;
    return len;
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
  protected literalRun(pos: number): number {
    const run = this.coder.litRun;
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
    for (let p = next; p < to; p++) this.coder.encodeLiteral(p);
    if (this.mf.pos < to) this.mf.jump(to);
    return to;
  }
}

/** The tuning's nice length, kept within 8..273. */
export function niceLenOf(t: LzmaTuning): number {
  return Math.max(8, Math.min(MATCH_LEN_MAX, t.niceLen | 0));
}

/**
 * A short match this far away costs more than its bytes as literals (zlib drops 3-byte
 * matches beyond 4 KiB for the same reason): the greedy parser ignores it, and the optimal
 * parser codes a literal without pricing anything when nothing else is there.
 */
export function tooFar(len: number, dist: number): boolean {
  return len === 2 ? dist >= 1 << 7 : len === 3 ? dist >= 1 << 12 : len === 4 && dist >= 1 << 18;
}
