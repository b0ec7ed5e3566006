import * as options from './options';
import * as parser from './parser';
import * as prices from './prices';
import * as props from './props';

// Local copies: some loaders turn imported bindings into getter calls, far too slow per bit.
const { MATCH_LEN_MAX, P_IS_MATCH } = props;
const { POS_MASK } = options;
const { tooFar } = parser;
const { literalPrice, PRICES, repMatchPrice, shortRepPrice } = prices;

/**
 * The `fast` preset's parser, as liblzma's fast mode: take the longest match (or a rep
 * nearly as long), unless the next position gives a clearly better one (a one-step lazy
 * check). Short matches too far away to pay are dropped (tooFar). No price tables: only
 * "short rep or literal" is priced, from the probabilities directly.
 */
export class FastParser extends parser.Parser {
  step(pos: number): number {
    const d = this.data;
    const coder = this.coder;
    const avail = Math.min(d.length - pos, MATCH_LEN_MAX);
    if (avail < 2) {
      coder.encodeLiteral(pos);
      return pos + 1;
    }
    const nice = this.niceLen;
    let repLen = 0;
    let repIdx = 0;
    for (let i = 0; i < 4; i++) {
      const l = this.repLen(pos, coder.repDist(i), avail);
      if (l >= nice) {
        coder.encodeRep(pos, i, l);
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
        coder.encodeMatch(pos, mainDist, mainLen);
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
      coder.encodeRep(pos, repIdx, repLen);
      return pos + repLen;
    }
    if (mainLen < 2 || avail <= 2) {
      if (pos > coder.rep0 && d[pos] === d[pos - coder.rep0 - 1] && this.shortRepIsCheaper(pos)) {
        coder.encodeRep(pos, 0, 1);
      } else {
        coder.encodeLiteral(pos);
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
        coder.encodeLiteral(pos);
        return pos + 1;
      }
    }
    const limit = mainLen - 1 > 2 ? mainLen - 1 : 2;
    for (let i = 0; i < 4; i++) {
      if (this.repLen(pos + 1, coder.repDist(i), limit) >= limit) {
        coder.encodeLiteral(pos);
        return pos + 1;
      }
    }
    coder.encodeMatch(pos, mainDist, mainLen);
    return pos + mainLen;
  }

  private shortRepIsCheaper(pos: number): boolean {
    const probs = this.coder.probs;
    const s = this.coder.state;
    const ps = pos & POS_MASK;
    const lit =
      PRICES[probs[P_IS_MATCH + (s << 4) + ps] >> 4] +
      literalPrice(probs, this.data, pos, s, this.coder.rep0);
    return repMatchPrice(probs, s, ps) + shortRepPrice(probs, s, ps) < lit;
  }
}
