import * as options from './options';
import * as props from './props';
import * as symbols from './state';

// Local copies: some loaders turn imported bindings into getter calls, far too slow per bit.
const {
  END_POS_MODEL_INDEX,
  LEN_CHOICE,
  LEN_CHOICE2,
  LEN_HIGH,
  LEN_LOW,
  LEN_MID,
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
} = props;
const { LC, POS_MASK } = options;
const { distSlot, nextLiteral } = symbols;

/**
 * What symbols would cost, for the parsers to compare choices: prices of single decisions
 * read straight from the probabilities, and tables (lengths, distances) refreshed as the
 * LZMA SDK refreshes them — lengths per position state after as many uses as the table has
 * entries, distances every 128 matches, align bits every 16 far matches.
 *
 * Prices are in 1/16 bit: the price of a bit with probability p (11-bit) is PRICES[p >> 4].
 * Every entry before rounding lies at least 0.0017 away from a .5, far beyond the error of
 * any engine's Math.log2, so all engines build the same table (and the same streams).
 */
export const PRICE_SHIFT = 4;
export const PRICES: Uint32Array = (() => {
  const t = new Uint32Array(2048 >> 4);
  for (let k = 0; k < t.length; k++) {
    const p = (k << 4) + 8; // middle of the bucket
    t[k] = Math.round(-Math.log2(p / 2048) * (1 << PRICE_SHIFT));
  }
  return t;
})();

/** Lengths 2..273 at index len - 2 of each length table. */
export const LEN_TABLE = MATCH_LEN_MAX - 1;

/** Price of the literal at `pos` in `state`, with rep0 giving the match byte (isMatch not included). */
export function literalPrice(
  probs: Uint16Array,
  d: Uint8Array,
  pos: number,
  state: number,
  rep0: number,
): number {
  const prev = pos > 0 ? d[pos - 1] : 0;
  const base = P_LITERAL + 0x300 * (prev >> (8 - LC));
  const byte = d[pos] | 0x100;
  let price = 0;
  let m = 1;
  let i = 7;
  if (state >= 7) {
    const matchByte = d[pos - rep0 - 1];
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
  }
  for (; i >= 0; i--) {
    const bit = (byte >> i) & 1;
    const p = probs[base + m];
    price += PRICES[(bit === 0 ? p : 2048 - p) >> 4];
    m = (m << 1) | bit;
  }
  return price;
}

/** Price of choosing rep `idx` (after isMatch=1, isRep=1), without the length. */
export function repChoicePrice(
  probs: Uint16Array,
  idx: number,
  state: number,
  posState: number,
): number {
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

/** Price of a short rep (one byte at rep0) after isMatch=1, isRep=1. */
export function shortRepPrice(probs: Uint16Array, state: number, posState: number): number {
  return (
    PRICES[probs[P_IS_REP_G0 + state] >> 4] +
    PRICES[probs[P_IS_REP0_LONG + (state << 4) + posState] >> 4]
  );
}

/** Price of isMatch=1, isRep=1: the start of every rep and short rep. */
export function repMatchPrice(probs: Uint16Array, state: number, posState: number): number {
  return (
    PRICES[(2048 - probs[P_IS_MATCH + (state << 4) + posState]) >> 4] +
    PRICES[(2048 - probs[P_IS_REP + state]) >> 4]
  );
}

function treePrice(probs: Uint16Array, base: number, bits: number, sym: number): number {
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

function reversePrice(probs: Uint16Array, base: number, bits: number, sym: number): number {
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

/** The refreshed price tables of lengths and distances, for the normal (optimal) parser. */
export class PriceTables {
  private readonly data: Uint8Array;
  private readonly probs: Uint16Array;
  /** Per length coder (0..3 match, 4..7 rep, by pos state): lengths 2..lenTableMax. */
  readonly lenPrices = new Int32Array(2 * 4 * LEN_TABLE);
  private readonly lenCounters = new Int32Array(2 * 4);
  private readonly lenTableMax: number;
  private readonly slotPrices = new Int32Array(4 * 64);
  private readonly distPrices = new Int32Array(4 * NUM_FULL_DISTANCES);
  private readonly alignPrices = new Int32Array(16);
  private matchCount = 0;
  private alignCount = 0;

  constructor(data: Uint8Array, probs: Uint16Array, lenTableMax: number) {
    this.data = data;
    this.probs = probs;
    this.lenTableMax = lenTableMax;
    for (let i = 0; i < 8; i++) this.fillLenPrices(i);
    this.fillDistPrices();
    this.fillAlignPrices();
  }

  /** A length was coded with length coder `k` (0..3 match, 4..7 rep, by pos state). */
  lenCoded(k: number): void {
    if (--this.lenCounters[k] <= 0) this.fillLenPrices(k);
  }

  /** A match distance was coded; `aligned` when its low 4 bits went through the align model. */
  distanceCoded(aligned: boolean): void {
    this.matchCount++;
    if (aligned) this.alignCount++;
  }

  /** Refills the distance tables when enough matches have moved their probabilities. */
  refreshDistances(): void {
    if (this.matchCount >= 128) this.fillDistPrices();
    if (this.alignCount >= 16) this.fillAlignPrices();
  }

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
      lp[t + l] = c0 + treePrice(probs, coder + LEN_LOW + (ps << 3), 3, l);
    for (let l = 8; l < 16 && l <= max; l++)
      lp[t + l] = c10 + treePrice(probs, coder + LEN_MID + (ps << 3), 3, l - 8);
    for (let l = 16; l <= max; l++) lp[t + l] = c11 + treePrice(probs, coder + LEN_HIGH, 8, l - 16);
    this.lenCounters[k] = max + 1;
  }

  private fillDistPrices(): void {
    const probs = this.probs;
    const slotPrices = this.slotPrices;
    const distPrices = this.distPrices;
    for (let ls = 0; ls < 4; ls++) {
      for (let slot = 0; slot < 64; slot++) {
        let p = treePrice(probs, P_POS_SLOT + (ls << 6), 6, slot);
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
      const extra = reversePrice(probs, P_SPEC_POS + base - slot - 1, numDirect, dist - base);
      for (let ls = 0; ls < 4; ls++)
        distPrices[ls * NUM_FULL_DISTANCES + dist] = slotPrices[ls * 64 + slot] + extra;
    }
    this.matchCount = 0;
  }

  private fillAlignPrices(): void {
    for (let i = 0; i < 16; i++) this.alignPrices[i] = reversePrice(this.probs, P_ALIGN, 4, i);
    this.alignCount = 0;
  }

  /** Price of the distance of a match of `len` bytes. */
  distPrice(dist: number, len: number): number {
    const ls = len - 2 < 3 ? len - 2 : 3;
    if (dist < NUM_FULL_DISTANCES) return this.distPrices[ls * NUM_FULL_DISTANCES + dist];
    return this.slotPrices[ls * 64 + distSlot(dist)] + this.alignPrices[dist & 15];
  }

  /**
   * Price of a literal at `pos` (isMatch=0 included) followed by a rep0 match of `repLen`
   * bytes: the tail of the LZMA SDK's two-step candidates "match or rep, literal, rep0".
   */
  literalThenRep0Price(pos: number, state: number, rep0: number, repLen: number): number {
    const probs = this.probs;
    return (
      PRICES[probs[P_IS_MATCH + (state << 4) + (pos & POS_MASK)] >> 4] +
      literalPrice(probs, this.data, pos, state, rep0) +
      this.rep0Price(nextLiteral(state), (pos + 1) & POS_MASK, repLen)
    );
  }

  /** Price of a whole rep0 match of `len` bytes (isMatch=1 included). */
  rep0Price(state: number, posState: number, len: number): number {
    const probs = this.probs;
    return (
      repMatchPrice(probs, state, posState) +
      repChoicePrice(probs, 0, state, posState) +
      this.lenPrices[(4 + posState) * LEN_TABLE + len - 2]
    );
  }
}
