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

function headNBits(n: number): number {
  return Math.min(22, Math.max(12, 31 - Math.clz32(n | 1)));
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
 * What both finders share: the window, the three heads and their hashing, the cyclic slot
 * of each position, and the frame of a search (short matches from the 2- and 3-byte heads,
 * the last match extended past `niceLen`). A finder adds its bucket structure: how a
 * bucket's earlier positions are searched (`searchBucket`) and how a position is entered
 * without a search (`enterBucket`).
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
  private readonly head2 = new Int32Array(HASH2_SIZE).fill(-1);
  private readonly head3 = new Int32Array(1 << HASH3_BITS).fill(-1);
  private readonly headN: Int32Array;
  private readonly shiftN: number;
  /** Multiplier of the 5th byte in the hash (0: the head hashes 4 bytes). */
  private readonly mul5: number;
  /** The 2- and 3-byte heads' previous positions, left by `insert`. */
  private near2 = -1;
  private near3 = -1;

  constructor(
    data: Uint8Array,
    dictSize: number,
    niceLen: number,
    depth: number,
    hashBytes: 4 | 5,
    start: number,
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
    this.headN = new Int32Array(1 << bits).fill(-1);
    this.shiftN = 32 - bits;
    this.mul5 = hashBytes === 5 ? 0x2545f491 : 0;
  }

  /**
   * Searches the bucket whose newest earlier position is `cur` for matches longer than the
   * `count` already in `lens`/`dists`, entering `p` (slot `cycPos`) on the way; returns the
   * new count.
   */
  protected abstract searchBucket(
    p: number,
    cycPos: number,
    cur: number,
    lenLimit: number,
    lo: number,
    lens: Int32Array,
    dists: Int32Array,
    count: number,
  ): number;

  /** Enters `p` (slot `cycPos`) in the bucket whose newest earlier position is `cur`. */
  protected abstract enterBucket(
    p: number,
    cycPos: number,
    cur: number,
    lenLimit: number,
    lo: number,
  ): void;

  jump(to: number): void {
    const steps = to - this.pos;
    this.pos = to;
    this.cycPos = (this.cycPos + steps) % this.cyc;
  }

  /** The bucket of the 4 (or 5) bytes at `p`. */
  private hashN(d: Uint8Array, p: number): number {
    const w = d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24);
    return (Math.imul(w, HASH_MUL) ^ Math.imul(d[p + 4], this.mul5)) >>> this.shiftN;
  }

  /**
   * Makes `p` the newest position of its three heads. Returns the N-byte bucket's previous
   * newest position; the 2- and 3-byte heads' previous ones go to near2/near3.
   */
  private insert(d: Uint8Array, p: number): number {
    const h2 = d[p] | (d[p + 1] << 8);
    const h3 = Math.imul(h2 | (d[p + 2] << 16), HASH_MUL) >>> (32 - HASH3_BITS);
    const hN = this.hashN(d, p);
    this.near2 = this.head2[h2];
    this.near3 = this.head3[h3];
    const cur = this.headN[hN];
    this.head2[h2] = p;
    this.head3[h3] = p;
    this.headN[hN] = p;
    return cur;
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

    const cur = this.insert(d, p);
    // p + 1 comes next (the optimal parser's next node, the lazy check, or indexing the
    // match just found): read its head now, so that cache miss overlaps this search.
    if (avail > 5) this.sink = this.headN[this.hashN(d, p + 1)];

    const c2 = this.near2;
    const c3 = this.near3;
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
    count = this.searchBucket(p, cycPos, cur, lenLimit, lo, lens, dists, count);
    if (count > 0 && lens[count - 1] === nice) {
      // Extend the longest as far as it goes.
      const k = count - 1;
      const from = p - dists[k] - 1;
      const limit = avail < MATCH_LEN_MAX ? avail : MATCH_LEN_MAX;
      let len = nice;
      while (len < limit && d[from + len] === d[p + len]) len++;
      lens[k] = len;
    }
    return count;
  }

  skip(count: number): void {
    const d = this.data;
    const n = d.length;
    const cyc = this.cyc;
    const nice = this.niceLen;
    const window = this.window;
    let p = this.pos;
    let cycPos = this.cycPos;
    for (const end = p + count; p < end; p++) {
      const avail = n - p;
      if (avail >= 5) {
        const cur = this.insert(d, p);
        this.enterBucket(p, cycPos, cur, avail < nice ? avail : nice, p > window ? p - window : 0);
      }
      cycPos = cycPos + 1 === cyc ? 0 : cycPos + 1;
    }
    this.pos = p;
    this.cycPos = cycPos;
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
  ) {
    super(data, dictSize, niceLen, depth, hashBytes, start);
    this.son = new Int32Array(this.cyc * 2);
  }

  protected searchBucket(
    p: number,
    cycPos: number,
    cur: number,
    lenLimit: number,
    lo: number,
    lens: Int32Array,
    dists: Int32Array,
    count: number,
  ): number {
    const best = count > 0 ? lens[count - 1] : 1;
    return this.walk(p, cycPos, cur, lenLimit, lo, lens, dists, count, best);
  }

  protected enterBucket(
    p: number,
    cycPos: number,
    cur: number,
    lenLimit: number,
    lo: number,
  ): void {
    // No match can be longer than lenLimit, so none is recorded.
    this.walk(p, cycPos, cur, lenLimit, lo, NO_MATCHES, NO_MATCHES, 0, lenLimit);
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
  ) {
    super(data, dictSize, niceLen, depth, hashBytes, start);
    this.chain = new Int32Array(this.cyc);
  }

  protected searchBucket(
    p: number,
    cycPos: number,
    cur: number,
    lenLimit: number,
    lo: number,
    lens: Int32Array,
    dists: Int32Array,
    count: number,
  ): number {
    const d = this.data;
    const chain = this.chain;
    chain[cycPos] = cur;
    let best = count > 0 ? lens[count - 1] : 1;
    if (best >= lenLimit) return count;
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
    return count;
  }

  protected enterBucket(p: number, cycPos: number, cur: number): void {
    this.chain[cycPos] = cur;
  }
}
