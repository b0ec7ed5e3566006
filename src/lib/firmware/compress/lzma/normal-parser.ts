import type { MatchFinder } from './match-finder';
import type { LzmaTuning } from './options';
import * as options from './options';
import * as parser from './parser';
import * as pricing from './prices';
import type { PriceTables } from './prices';
import * as props from './props';
import * as symbols from './state';
import type { SymbolEncoder } from './symbol-coder';

// Local copies: some loaders turn imported bindings into getter calls, far too slow per bit.
const { MATCH_LEN_MAX, P_IS_MATCH, P_IS_REP } = props;
const { POS_MASK } = options;
const { tooFar } = parser;
const { LEN_TABLE, literalPrice, PRICES, repChoicePrice, shortRepPrice } = pricing;
const { nextLiteral, nextMatch, nextRep, nextShortRep } = symbols;

/**
 * The `default` preset's parser, as the LZMA SDK's normal mode: from each position it
 * prices every way of reaching the positions ahead (literal, short rep, the four reps at
 * each length, every match found at each length, and the two-step candidates "match or rep,
 * literal, rep0") over a window of up to 4 KiB, and codes the cheapest path. The window
 * ends early where a match of `niceLen` or more starts: that one is taken whole.
 */

const NUM_OPTS = 1 << 12;
const INFINITY_PRICE = 1 << 30;
/** Back values: a literal, a short rep (one byte at rep0), reps 0..3, matches 4+. */
const BACK_LITERAL = -1;
const BACK_SHORT_REP = -2;
/** A two-step node with no first symbol: just "literal, rep0". */
const BACK_NONE = -3;

/** Bytes of parser nodes the normal parser allocates. */
export const NORMAL_PARSER_BYTES = 16 * 4 * (NUM_OPTS + 1);

export class NormalParser extends parser.Parser {
  private readonly prices: PriceTables;

  // Parser nodes: how each position of the window is best reached.
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
  /** The chosen symbols, in order: lengths and back values. */
  private readonly seqLen = new Int32Array(NUM_OPTS + 1);
  private readonly seqBack = new Int32Array(NUM_OPTS + 1);

  constructor(coder: SymbolEncoder, mf: MatchFinder, t: LzmaTuning, prices: PriceTables) {
    super(coder, mf, t);
    this.prices = prices;
  }

  step(pos: number): number {
    this.prices.refreshDistances();
    const coder = this.coder;
    const count = this.optimum(pos);
    if (count === 0) {
      coder.encodeLiteral(pos);
      return this.literalRun(pos);
    }
    let p = pos;
    for (let k = 0; k < count; k++) {
      const len = this.seqLen[k];
      const back = this.seqBack[k];
      if (back === BACK_LITERAL) coder.encodeLiteral(p);
      else if (back === BACK_SHORT_REP) coder.encodeRep(p, 0, 1);
      else if (back < 4) coder.encodeRep(p, back, len);
      else coder.encodeMatch(p, back - 4, len);
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
    const coder = this.coder;
    const probs = coder.probs;
    const prices = this.prices;
    const nice = this.niceLen;
    const state0 = coder.state;
    const availAll = d.length - pos;
    const avail0 = availAll < MATCH_LEN_MAX ? availAll : MATCH_LEN_MAX;
    if (avail0 < 2) return this.single(1, BACK_LITERAL);

    // Reps at the start; a long one is taken at once.
    let r0 = coder.rep0;
    let r1 = coder.rep1;
    let r2 = coder.rep2;
    let r3 = coder.rep3;
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
      nm = this.capMatches(nm, avail0);
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
    const lenPrices = prices.lenPrices;
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
    price[1] = P[isMatch0 >> 4] + literalPrice(probs, d, pos, state0, r0);
    from[1] = 0;
    back[1] = BACK_LITERAL;
    two[1] = 0;
    if (matchByte === curByte) {
      const sr = repMatchPrice0 + shortRepPrice(probs, state0, posState);
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
      const base = repMatchPrice0 + repChoicePrice(probs, i, state0, posState);
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
        let far = prices.distPrice(dist, 5);
        for (; l <= mainLen; l++) {
          const pr = normal + lenPrices[t + l] + (l < 5 ? prices.distPrice(dist, l) : far);
          if (pr < price[l]) {
            price[l] = pr;
            from[l] = 0;
            back[l] = dist + 4;
            two[l] = 0;
          }
          if (l === mLens[k] && ++k < nm) {
            dist = mDists[k];
            far = prices.distPrice(dist, 5);
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

      this.reachNode(cur);
      const s = optState[cur];
      r0 = optReps[cur * 4];
      r1 = optReps[cur * 4 + 1];
      r2 = optReps[cur * 4 + 2];
      r3 = optReps[cur * 4 + 3];

      const curPrice = price[cur];
      posState = p & POS_MASK;
      const cb = d[p];
      const mb = p > r0 ? d[p - r0 - 1] : -1;
      const isMatch = probs[P_IS_MATCH + (s << 4) + posState];
      const litPrice = curPrice + P[isMatch >> 4] + literalPrice(probs, d, p, s, r0);
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
        const sr = repMatchPrice + shortRepPrice(probs, s, posState);
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
        const l = rep0AfterLiteral(d, p, r0, 0, availFull, nice);
        if (l >= 2) {
          const pr = litPrice + prices.rep0Price(nextLiteral(s), (p + 1) & POS_MASK, l);
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
        const base = repMatchPrice + repChoicePrice(probs, i, s, posState);
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
        const l2 = rep0AfterLiteral(d, p, dist, rl, availFull, nice);
        if (l2 >= 2) {
          const pr =
            base + lenPrices[t + rl] + prices.literalThenRep0Price(p + rl, nextRep(s), dist, l2);
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
        nm = this.capMatches(nm, avail);
      }
      if (newLen >= startLen) {
        const normal = matchPrice + P[probs[P_IS_REP + s] >> 4];
        while (end < cur + newLen) price[++end] = INFINITY_PRICE;
        const t = posState * LEN_TABLE - 2;
        let k = 0;
        while (mLens[k] < startLen) k++;
        let dist = mDists[k];
        // The distance price no longer depends on the length from 5 on: once per match.
        let far = prices.distPrice(dist, 5);
        for (let l = startLen; ; l++) {
          const pr = normal + lenPrices[t + l] + (l < 5 ? prices.distPrice(dist, l) : far);
          if (pr < price[cur + l]) {
            price[cur + l] = pr;
            from[cur + l] = cur;
            back[cur + l] = dist + 4;
            two[cur + l] = 0;
          }
          if (l === mLens[k]) {
            // Match, literal, rep0.
            const l2 = rep0AfterLiteral(d, p, dist, l, availFull, nice);
            if (l2 >= 2) {
              const pr2 = pr + prices.literalThenRep0Price(p + l, nextMatch(s), dist, l2);
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
            far = prices.distPrice(dist, 5);
          }
        }
      }
    }

    return this.backward(cur);
  }

  /**
   * Cuts the `nm` matches found to `limit` bytes (the end of the input or of the window):
   * those reaching it become one match of `limit` bytes. Returns the new count.
   */
  private capMatches(nm: number, limit: number): number {
    const mLens = this.mLens;
    while (nm > 0 && mLens[nm - 1] >= limit) nm--;
    mLens[nm] = limit;
    return nm + 1;
  }

  /** Sets the state and reps at node `cur` from the step that reaches it. */
  private reachNode(cur: number): void {
    const from = this.optFrom;
    const back = this.optBack;
    const optState = this.optState;
    const optReps = this.optReps;
    const f = from[cur];
    let s = optState[f];
    let r0 = optReps[f * 4];
    let r1 = optReps[f * 4 + 1];
    let r2 = optReps[f * 4 + 2];
    let r3 = optReps[f * 4 + 3];
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
    if (this.optTwo[cur] !== 0) s = nextRep(nextLiteral(s));
    optState[cur] = s;
    optReps[cur * 4] = r0;
    optReps[cur * 4 + 1] = r1;
    optReps[cur * 4 + 2] = r2;
    optReps[cur * 4 + 3] = r3;
  }

  /**
   * Walks back from node `cur` and lays the symbols out forwards (a two-step node gives up
   * to 3) in seqLen/seqBack; returns their count.
   */
  private backward(cur: number): number {
    const from = this.optFrom;
    const back = this.optBack;
    const len1 = this.optLen1;
    const two = this.optTwo;
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

/**
 * The length of the rep0 match (distance `dist`) that follows a first symbol of `first`
 * bytes at `p` and a literal: the bytes matching from `p + first + 1` on, at most `nice`
 * and within `availFull` bytes of `p`.
 */
function rep0AfterLiteral(
  d: Uint8Array,
  p: number,
  dist: number,
  first: number,
  availFull: number,
  nice: number,
): number {
  const src = p - dist - 1;
  const limit = availFull < first + 1 + nice ? availFull : first + 1 + nice;
  let l = first + 1;
  while (l < limit && d[src + l] === d[p + l]) l++;
  return l - (first + 1);
}
