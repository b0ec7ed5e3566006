/**
 * Match finders for the encoder. The whole input is in memory, so the window is the input
 * itself, reaching back at most `window` = min(dictionary size, input size) bytes. Both
 * finders report matches at their current position as (length, distance - 1) pairs with
 * strictly increasing lengths; a match that reaches `niceLen` is extended up to 273 bytes.
 *
 * - `BinaryTreeFinder`: per hash bucket, a binary search tree of the earlier positions
 *   ordered by the strings that start there, as in the LZMA SDK's normal mode. Inserting
 *   a position walks the tree once and yields its best matches on the way. 8 bytes per
 *   window byte.
 * - `HashChainFinder`: per hash bucket, a chain of earlier positions, searched to `depth`
 *   links. Cheaper to update, fewer matches. 4 bytes per window byte.
 *
 * Both keep 2- and 3-byte heads (64 Ki entries each) for the nearest short matches, and
 * a head of 4 Ki .. 4 Mi entries, growing with the input, for the tree or chain buckets.
 * The buckets are keyed by the first 4 bytes (bt4/hc4, as LZMA SDK does) or 5 bytes
 * (`hashBytes`): with 5, the common 4-byte prefixes of machine code and tables no longer
 * pile up in one bucket, so trees are shallower and chains hold better candidates (on the
 * OVMF DXE payload 30% fewer tree steps, and hash chains find matches 1.3% smaller), while
 * 4-byte matches still come from the 3-byte head, extended.
 *
 * Positions are stored as plain numbers (-1 = none); `cycPos` is the slot of the current
 * position in the cyclic son or chain array, which wraps only when the input is longer
 * than the window. The last 4 positions of the input are never searched.
 */

const MATCH_LEN_MAX = 273;
const HASH2_SIZE = 1 << 16;
const HASH3_BITS = 16;
const HASH_MUL = 0x9e3779b1 | 0;
/** Where a search that can find nothing records its matches. */
const NO_MATCHES = new Int32Array(0);

/** Bucket heads set to empty at a time while a finder is set up. */
const HEAD_FILL_STEP = 1 << 20;

function headNBits(n: number): number {
  return Math.min(22, Math.max(12, 31 - Math.clz32(n | 1)));
}

/** The 3-byte head's slot of `v3`, the 3 bytes at a position (little-endian). */
function hash3(v3: number): number {
  return Math.imul(v3, HASH_MUL) >>> (32 - HASH3_BITS);
}

/**
 * The tree or chain bucket of `v4`, the 4 bytes at a position (little-endian), and of the
 * 5th byte `b4` when `mul5` is not 0.
 */
function hashN(v4: number, b4: number, mul5: number, shiftN: number): number {
  return (Math.imul(v4, HASH_MUL) ^ Math.imul(b4, mul5)) >>> shiftN;
}

/**
 * The nearest matches at `p`: from `c2` and `c3`, the previous positions with the same
 * first 2 and 3 bytes, up to `lenLimit` bytes, as (length, distance - 1) pairs of
 * increasing length. Returns their count.
 */
function nearMatches(
  d: Uint8Array,
  p: number,
  c2: number,
  c3: number,
  lo: number,
  lenLimit: number,
  lens: Int32Array,
  dists: Int32Array,
): number {
  let count = 0;
  let best = 1;
  if (c2 >= lo) {
    let len = 2;
    while (len < lenLimit && d[c2 + len] === d[p + len]) len++;
    best = len;
    lens[0] = len;
    dists[0] = p - c2 - 1;
    count = 1;
  }
  if (c3 !== c2 && c3 >= lo && d[c3] === d[p] && d[c3 + 1] === d[p + 1]) {
    let len = 2;
    while (len < lenLimit && d[c3 + len] === d[p + len]) len++;
    if (len > best) {
      lens[count] = len;
      dists[count] = p - c3 - 1;
      count++;
    }
  }
  return count;
}

/** The longest of `count` matches, when it reached `nice`, extended as far as it goes. */
function extendLongest(
  d: Uint8Array,
  p: number,
  avail: number,
  nice: number,
  lens: Int32Array,
  dists: Int32Array,
  count: number,
): void {
  const k = count - 1;
  if (k < 0 || lens[k] !== nice) return;
  const from = p - dists[k] - 1;
  const limit = avail < MATCH_LEN_MAX ? avail : MATCH_LEN_MAX;
  let len = nice;
  while (len < limit && d[from + len] === d[p + len]) len++;
  lens[k] = len;
}

/**
 * Bytes a finder allocates for an input of `n` bytes and a dictionary of `dictSize`:
 * `slotBytes` per window position (8 tree, 4 chain), the bucket head and the short heads.
 * (A finder that starts at a later position needs only the span from there on.)
 */
export function finderBytes(n: number, dictSize: number, slotBytes: number): number {
  const window = Math.max(1, Math.min(dictSize, n));
  return (window + 1) * slotBytes + 4 * (1 << headNBits(n)) + 4 * (HASH2_SIZE + (1 << HASH3_BITS));
}

export interface MatchFinder {
  /** The next position `getMatches`/`skip` works on. */
  pos: number;
  /** Fills `lens`/`dists`, returns the number of pairs found at `pos`, advances by one. */
  getMatches(lens: Int32Array, dists: Int32Array): number;
  /** Indexes `count` positions without reporting matches. */
  skip(count: number): void;
  /** Moves to `to` without indexing the positions in between. */
  jump(to: number): void;
}

/**
 * What both finders hold: the window, the three heads (hashed by hash3 and hashN), the
 * cyclic slot of the current position, and how to move on without indexing (jump). Each
 * finder adds its bucket structure and its own getMatches/skip loops, which keep every
 * field they use in locals (a shared loop calling per-finder methods measured 5-25%
 * slower); both report the nearest matches with nearMatches and extend with extendLongest.
 */
abstract class HashedFinder implements MatchFinder {
  pos = 0;
  /** Holds a value read only to bring its cache line in early. */
  sink = 0;
  protected cycPos = 0;
  protected readonly data: Uint8Array;
  protected readonly window: number;
  /** Slots in the cyclic son or chain array. */
  protected readonly cyc: number;
  protected readonly niceLen: number;
  protected readonly depth: number;
  protected readonly head2 = new Int32Array(HASH2_SIZE).fill(-1);
  protected readonly head3 = new Int32Array(1 << HASH3_BITS).fill(-1);
  protected readonly headN: Int32Array;
  protected readonly shiftN: number;
  /** Multiplier of the 5th byte in the hash (0: the head hashes 4 bytes). */
  protected readonly mul5: number;

  constructor(
    data: Uint8Array,
    dictSize: number,
    niceLen: number,
    depth: number,
    hashBytes: 4 | 5,
    start: number,
    onStep?: () => void,
  ) {
    this.data = data;
    this.window = Math.max(1, Math.min(dictSize, data.length));
    // Nothing before `start` is ever indexed, so no candidate lies further back than the
    // span from there: the cyclic buffer needs no more slots than that.
    const span = Math.max(1, data.length - start);
    this.cyc = Math.min(this.window, span) + 1;
    this.pos = start;
    this.niceLen = niceLen;
    this.depth = depth;
    const bits = headNBits(span);
    // Up to 16 MiB: filled in parts, with a report between them (a busy browser took 100 ms).
    this.headN = new Int32Array(1 << bits);
    for (let at = 0; at < this.headN.length; at += HEAD_FILL_STEP) {
      this.headN.fill(-1, at, at + HEAD_FILL_STEP);
      onStep?.();
    }
    this.shiftN = 32 - bits;
    this.mul5 = hashBytes === 5 ? 0x2545f491 : 0;
  }

  abstract getMatches(lens: Int32Array, dists: Int32Array): number;
  abstract skip(count: number): void;

  jump(to: number): void {
    const steps = to - this.pos;
    this.pos = to;
    this.cycPos = (this.cycPos + steps) % this.cyc;
  }
}

/** Per bucket, a binary search tree of the earlier positions, ordered by their strings. */
export class BinaryTreeFinder extends HashedFinder {
  /** Smaller and larger child of each slot. */
  private readonly son: Int32Array;

  constructor(
    data: Uint8Array,
    dictSize: number,
    niceLen: number,
    depth: number,
    hashBytes: 4 | 5,
    start = 0,
    /** Called between the parts of setting up (megabytes of tables on a large input). */
    onStep?: () => void,
  ) {
    super(data, dictSize, niceLen, depth, hashBytes, start, onStep);
    this.son = new Int32Array(this.cyc * 2);
    onStep?.();
  }

  getMatches(lens: Int32Array, dists: Int32Array): number {
    const d = this.data;
    const p = this.pos;
    const avail = d.length - p;
    const cycPos = this.cycPos;
    this.pos = p + 1;
    this.cycPos = cycPos + 1 === this.cyc ? 0 : cycPos + 1;
    if (avail < 5) return 0;
    const nice = this.niceLen;
    const lenLimit = avail < nice ? avail : nice;
    const lo = p > this.window ? p - this.window : 0;

    const headN = this.headN;
    const h2 = d[p] | (d[p + 1] << 8);
    const v3 = h2 | (d[p + 2] << 16);
    const h3 = hash3(v3);
    const hN = hashN(v3 | (d[p + 3] << 24), d[p + 4], this.mul5, this.shiftN);
    const c2 = this.head2[h2];
    const c3 = this.head3[h3];
    const cur = headN[hN];
    // The optimal parser asks for p + 1 next: read its head now, so that cache miss
    // overlaps this tree walk instead of starting the next one.
    if (avail > 5) {
      const w = d[p + 1] | (d[p + 2] << 8) | (d[p + 3] << 16) | (d[p + 4] << 24);
      this.sink = headN[hashN(w, d[p + 5], this.mul5, this.shiftN)];
    }
    this.head2[h2] = p;
    this.head3[h3] = p;
    headN[hN] = p;

    let count = nearMatches(d, p, c2, c3, lo, lenLimit, lens, dists);
    const best = count > 0 ? lens[count - 1] : 1;
    count = this.walk(p, cycPos, cur, lenLimit, lo, lens, dists, count, best);
    extendLongest(d, p, avail, nice, lens, dists, count);
    return count;
  }

  skip(count: number): void {
    const d = this.data;
    const n = d.length;
    const cyc = this.cyc;
    const nice = this.niceLen;
    const window = this.window;
    const head2 = this.head2;
    const head3 = this.head3;
    const headN = this.headN;
    const shiftN = this.shiftN;
    const mul5 = this.mul5;
    let p = this.pos;
    let cycPos = this.cycPos;
    for (const end = p + count; p < end; p++) {
      const avail = n - p;
      if (avail >= 5) {
        const h2 = d[p] | (d[p + 1] << 8);
        const v3 = h2 | (d[p + 2] << 16);
        head2[h2] = p;
        head3[hash3(v3)] = p;
        const hN = hashN(v3 | (d[p + 3] << 24), d[p + 4], mul5, shiftN);
        const cur = headN[hN];
        headN[hN] = p;
        // No match can be longer than lenLimit, so none is recorded.
        const lenLimit = avail < nice ? avail : nice;
        const lo = p > window ? p - window : 0;
        this.walk(p, cycPos, cur, lenLimit, lo, NO_MATCHES, NO_MATCHES, 0, lenLimit);
      }
      cycPos = cycPos + 1 === cyc ? 0 : cycPos + 1;
    }
    this.pos = p;
    this.cycPos = cycPos;
  }

  /**
   * Walks the tree from its root `cur` and re-roots it at `p` (slot `cycPos`): the earlier
   * positions whose strings sort below p's go to its smaller side, the others to its larger
   * side. Matches longer than `best` go to `lens`/`dists` after the `count` already there;
   * returns the new count.
   */
  private walk(
    p: number,
    cycPos: number,
    cur: number,
    lenLimit: number,
    lo: number,
    lens: Int32Array,
    dists: Int32Array,
    count: number,
    best: number,
  ): number {
    const d = this.data;
    const son = this.son;
    const cyc = this.cyc;
    let ptr0 = cycPos * 2 + 1;
    let ptr1 = cycPos * 2;
    let len0 = 0;
    let len1 = 0;
    let depth = this.depth;
    for (;;) {
      const delta = p - cur;
      if (cur < lo || depth-- === 0) {
        son[ptr0] = -1;
        son[ptr1] = -1;
        break;
      }
      const pair = (delta > cycPos ? cycPos - delta + cyc : cycPos - delta) * 2;
      // Both children at once (one cache line), before the comparison that picks one.
      const smaller = son[pair];
      const larger = son[pair + 1];
      let len = len0 < len1 ? len0 : len1;
      let a = d[cur + len];
      let b = d[p + len];
      if (a === b) {
        while (++len < lenLimit) {
          a = d[cur + len];
          b = d[p + len];
          if (a !== b) break;
        }
        if (len > best) {
          best = len;
          lens[count] = len;
          dists[count] = delta - 1;
          count++;
        }
        if (len >= lenLimit) {
          son[ptr1] = smaller;
          son[ptr0] = larger;
          break;
        }
      }
      if (a < b) {
        son[ptr1] = cur;
        ptr1 = pair + 1;
        cur = larger;
        len1 = len;
      } else {
        son[ptr0] = cur;
        ptr0 = pair;
        cur = smaller;
        len0 = len;
      }
    }
    return count;
  }
}

/** Per bucket, a chain of the earlier positions, newest first, searched to `depth` links. */
export class HashChainFinder extends HashedFinder {
  /** The previous position with the same hash, per slot. */
  private readonly chain: Int32Array;

  constructor(
    data: Uint8Array,
    dictSize: number,
    niceLen: number,
    depth: number,
    hashBytes: 4 | 5,
    start = 0,
    /** Called between the parts of setting up (megabytes of tables on a large input). */
    onStep?: () => void,
  ) {
    super(data, dictSize, niceLen, depth, hashBytes, start, onStep);
    this.chain = new Int32Array(this.cyc);
    onStep?.();
  }

  getMatches(lens: Int32Array, dists: Int32Array): number {
    const d = this.data;
    const p = this.pos;
    const avail = d.length - p;
    const cycPos = this.cycPos;
    this.pos = p + 1;
    this.cycPos = cycPos + 1 === this.cyc ? 0 : cycPos + 1;
    if (avail < 5) return 0;
    const nice = this.niceLen;
    const lenLimit = avail < nice ? avail : nice;
    const lo = p > this.window ? p - this.window : 0;

    const headN = this.headN;
    const h2 = d[p] | (d[p + 1] << 8);
    const v3 = h2 | (d[p + 2] << 16);
    const h3 = hash3(v3);
    const hN = hashN(v3 | (d[p + 3] << 24), d[p + 4], this.mul5, this.shiftN);
    const c2 = this.head2[h2];
    const c3 = this.head3[h3];
    let cur = headN[hN];
    // p + 1 comes next (the lazy check, or indexing the match just found): read its head
    // now, so that cache miss overlaps this chain walk.
    if (avail > 5) {
      const w = d[p + 1] | (d[p + 2] << 8) | (d[p + 3] << 16) | (d[p + 4] << 24);
      this.sink = headN[hashN(w, d[p + 5], this.mul5, this.shiftN)];
    }
    this.head2[h2] = p;
    this.head3[h3] = p;
    headN[hN] = p;
    const chain = this.chain;
    chain[cycPos] = cur;

    let count = nearMatches(d, p, c2, c3, lo, lenLimit, lens, dists);
    let best = count > 0 ? lens[count - 1] : 1;
    if (best < lenLimit) {
      // Only matches of 4+ bytes can come from the chain.
      let need = best < 3 ? 3 : best;
      const cyc = this.cyc;
      let depth = this.depth;
      while (cur >= lo && depth-- > 0) {
        const delta = p - cur;
        const next = chain[delta > cycPos ? cycPos - delta + cyc : cycPos - delta];
        if (d[cur + need] === d[p + need] && d[cur] === d[p]) {
          let len = 1;
          while (len < lenLimit && d[cur + len] === d[p + len]) len++;
          if (len > best) {
            best = len;
            lens[count] = len;
            dists[count] = delta - 1;
            count++;
            if (len >= lenLimit) break;
            need = len;
          }
        }
        cur = next;
      }
    }
    extendLongest(d, p, avail, nice, lens, dists, count);
    return count;
  }

  skip(count: number): void {
    const d = this.data;
    const n = d.length;
    const chain = this.chain;
    const cyc = this.cyc;
    const head2 = this.head2;
    const head3 = this.head3;
    const headN = this.headN;
    const shiftN = this.shiftN;
    const mul5 = this.mul5;
    let p = this.pos;
    let cycPos = this.cycPos;
    for (const end = p + count; p < end; p++) {
      if (n - p >= 5) {
        const h2 = d[p] | (d[p + 1] << 8);
        const v3 = h2 | (d[p + 2] << 16);
        head2[h2] = p;
        head3[hash3(v3)] = p;
        const hN = hashN(v3 | (d[p + 3] << 24), d[p + 4], mul5, shiftN);
        chain[cycPos] = headN[hN];
        headN[hN] = p;
      }
      cycPos = cycPos + 1 === cyc ? 0 : cycPos + 1;
    }
    this.pos = p;
    this.cycPos = cycPos;
  }
}
