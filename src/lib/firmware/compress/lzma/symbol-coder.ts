import * as options from './options';
import type { PriceTables } from './prices';
import * as props from './props';
import { RangeEncoder } from './range-coder';
import { distSlot, nextLiteral, nextMatch, nextRep, nextShortRep } from './state';

// Local copies: some loaders turn imported bindings into getter calls, far too slow per bit.
const {
  END_POS_MODEL_INDEX,
  LEN_CHOICE,
  LEN_CHOICE2,
  LEN_HIGH,
  LEN_LOW,
  LEN_MID,
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
} = props;
const { LC, POS_MASK } = options;

/**
 * The symbol coder: codes literals, matches and rep matches through the range encoder and
 * keeps what the decoder will keep — the adaptive probabilities, the state (what the last
 * symbols were) and the four most recent distances (reps). The parsers decide what to
 * code; this only codes it.
 */

export class SymbolEncoder {
  readonly data: Uint8Array;
  readonly probs: Uint16Array;
  readonly rc: RangeEncoder;
  /** Told how often each length coder and distance model is used, to refresh its prices. */
  private readonly prices: PriceTables | null;
  state = 0;
  rep0 = 0;
  rep1 = 0;
  rep2 = 0;
  rep3 = 0;
  /** Bytes coded since the last match or rep of 3 or more bytes. */
  litRun = 0;

  constructor(
    data: Uint8Array,
    probs: Uint16Array,
    rc: RangeEncoder,
    prices: PriceTables | null,
    state = 0,
    reps: readonly number[] = [0, 0, 0, 0],
  ) {
    this.data = data;
    this.probs = probs;
    this.rc = rc;
    this.prices = prices;
    this.state = state;
    [this.rep0, this.rep1, this.rep2, this.rep3] = reps;
  }

  /** The distance of rep `idx` (0..3). */
  repDist(idx: number): number {
    return idx === 0 ? this.rep0 : idx === 1 ? this.rep1 : idx === 2 ? this.rep2 : this.rep3;
  }

  encodeLiteral(pos: number): void {
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

  private encodeLen(coder: number, len: number, posState: number): void {
    const l = len - 2;
    const rc = this.rc;
    const probs = this.probs;
    if (l < 8) {
      rc.encodeBit(probs, coder + LEN_CHOICE, 0);
      rc.encodeTree(probs, coder + LEN_LOW + (posState << 3), 3, l);
    } else if (l < 16) {
      rc.encodeBit(probs, coder + LEN_CHOICE, 1);
      rc.encodeBit(probs, coder + LEN_CHOICE2, 0);
      rc.encodeTree(probs, coder + LEN_MID + (posState << 3), 3, l - 8);
    } else {
      rc.encodeBit(probs, coder + LEN_CHOICE, 1);
      rc.encodeBit(probs, coder + LEN_CHOICE2, 1);
      rc.encodeTree(probs, coder + LEN_HIGH, 8, l - 16);
    }
    this.prices?.lenCoded((coder === P_LEN ? 0 : 4) + posState);
  }

  encodeMatch(pos: number, dist: number, len: number): void {
    const probs = this.probs;
    const rc = this.rc;
    const posState = pos & POS_MASK;
    rc.encodeBit(probs, P_IS_MATCH + (this.state << 4) + posState, 1);
    rc.encodeBit(probs, P_IS_REP + this.state, 0);
    this.encodeLen(P_LEN, len, posState);
    const lenState = len - 2 < 3 ? len - 2 : 3;
    const slot = distSlot(dist);
    rc.encodeTree(probs, P_POS_SLOT + (lenState << 6), 6, slot);
    if (slot >= 4) {
      const numDirect = (slot >> 1) - 1;
      const base = (2 | (slot & 1)) << numDirect;
      const extra = dist - base;
      if (slot < END_POS_MODEL_INDEX)
        rc.encodeReverse(probs, P_SPEC_POS + base - slot - 1, numDirect, extra);
      else {
        rc.encodeDirect(extra >>> 4, numDirect - 4);
        rc.encodeReverse(probs, P_ALIGN, 4, extra & 15);
      }
    }
    this.prices?.distanceCoded(slot >= END_POS_MODEL_INDEX);
    this.rep3 = this.rep2;
    this.rep2 = this.rep1;
    this.rep1 = this.rep0;
    this.rep0 = dist;
    this.state = nextMatch(this.state);
    this.litRun = len >= 3 ? 0 : this.litRun + len;
  }

  /** Rep match `idx` (0..3) of `len` bytes; len 1 with idx 0 is the short rep. */
  encodeRep(pos: number, idx: number, len: number): void {
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

  /** Writes out the pending bytes: the stream is then complete. */
  finish(): Uint8Array {
    return this.rc.finish();
  }
}
