/**
 * Match finders for the encoder. Both index every position of the input (the whole input
 * is in memory, so the window is the input itself, cut at the dictionary size) and report
 * matches as (length, distance - 1) pairs with strictly increasing lengths, each the
 * nearest found for its length.
 *
 * - `BinaryTreeFinder` (bt4): a binary search tree of suffixes per 4-byte hash, like the
 *   LZMA SDK's normal mode. Finds the best matches; 8 bytes per input byte of tree.
 * - `HashChainFinder` (hc4): a chain of earlier positions per 4-byte hash, searched to a
 *   small depth. Faster, fewer matches; 4 bytes per input byte.
 * Both add 2- and 3-byte hash heads (64 Ki entries each) and a 4-byte head (up to 4 Mi entries).
 */

const HASH2_SIZE = 1 << 16;
const HASH3_BITS = 16;
/** The 4-byte head table grows with the input (fewer collisions, shorter trees), 4 Ki .. 4 Mi entries. */
function hash4Bits(n: number): number {
  return Math.min(22, Math.max(12, 31 - Math.clz32(n | 1)));
}

export interface MatchFinder {
  /** Position the next `getMatches`/`skip` works on. */
  pos: number;
  /** Fills `lens`/`dists`, returns the number of pairs found at `pos`, and advances. */
  getMatches(lens: Int32Array, dists: Int32Array): number;
  /** Indexes `count` positions without reporting matches. */
  skip(count: number): void;
}

function hash3(d: Uint8Array, p: number): number {
  return (
    (Math.imul(d[p] | (d[p + 1] << 8) | (d[p + 2] << 16), 0x9e3779b1) >>> (32 - HASH3_BITS)) | 0
  );
}

function hash4(d: Uint8Array, p: number, shift: number): number {
  const v = d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24);
  return (Math.imul(v, 0x9e3779b1) >>> shift) | 0;
}

abstract class BaseFinder implements MatchFinder {
  pos = 0;
  protected readonly data: Uint8Array;
  protected readonly window: number;
  protected readonly niceLen: number;
  protected readonly depth: number;
  protected readonly head2 = new Int32Array(HASH2_SIZE).fill(-1);
  protected readonly head3 = new Int32Array(1 << HASH3_BITS).fill(-1);
  protected readonly head4: Int32Array;
  /** 32 - bits of the 4-byte hash. */
  protected readonly shift4: number;

  constructor(data: Uint8Array, dictSize: number, niceLen: number, depth: number) {
    this.data = data;
    // Distances stay below both the dictionary and the index size.
    this.window = Math.max(1, Math.min(dictSize, data.length));
    this.niceLen = niceLen;
    this.depth = depth;
    const bits = hash4Bits(data.length);
    this.head4 = new Int32Array(1 << bits).fill(-1);
    this.shift4 = 32 - bits;
  }

  abstract getMatches(lens: Int32Array, dists: Int32Array): number;
  abstract skip(count: number): void;

  /** Looks up and updates the 2- and 3-byte heads; reports what they give. */
  protected shortMatches(p: number, lenLimit: number, lens: Int32Array, dists: Int32Array): number {
    const d = this.data;
    const h2 = d[p] | (d[p + 1] << 8);
    const c2 = this.head2[h2];
    this.head2[h2] = p;
    const h3 = hash3(d, p);
    const c3 = this.head3[h3];
    this.head3[h3] = p;
    let n = 0;
    let maxLen = 1;
    if (c2 >= 0 && p - c2 <= this.window) {
      lens[0] = 2;
      dists[0] = p - c2 - 1;
      n = 1;
      maxLen = 2;
    }
    if (c3 >= 0 && c3 !== c2 && p - c3 <= this.window && d[c3] === d[p]) {
      let len = 0;
      while (len < lenLimit && d[c3 + len] === d[p + len]) len++;
      if (len > maxLen) {
        lens[n] = len;
        dists[n] = p - c3 - 1;
        n++;
      }
    }
    return n;
  }
}

export class BinaryTreeFinder extends BaseFinder {
  /** Left and right child of each position, cyclic over `window + 1` slots. */
  private readonly son: Int32Array;
  private readonly cyc: number;

  constructor(data: Uint8Array, dictSize: number, niceLen: number, depth: number) {
    super(data, dictSize, niceLen, depth);
    this.cyc = this.window + 1;
    this.son = new Int32Array(this.cyc * 2);
  }

  getMatches(lens: Int32Array, dists: Int32Array): number {
    const p = this.pos;
    const avail = this.data.length - p;
    if (avail < 4) {
      this.pos++;
      return 0;
    }
    const lenLimit = avail < this.niceLen ? avail : this.niceLen;
    let n = this.shortMatches(p, lenLimit, lens, dists);
    const maxLen = n > 0 ? lens[n - 1] : 1;
    n = this.tree(p, lenLimit, maxLen, lens, dists, n);
    this.pos++;
    return n;
  }

  skip(count: number): void {
    const d = this.data;
    for (let k = 0; k < count; k++) {
      const p = this.pos;
      const avail = d.length - p;
      if (avail >= 4) {
        const lenLimit = avail < this.niceLen ? avail : this.niceLen;
        this.head2[d[p] | (d[p + 1] << 8)] = p;
        this.head3[hash3(d, p)] = p;
        this.tree(p, lenLimit, lenLimit, null, null, 0);
      }
      this.pos++;
    }
  }

  /**
   * Inserts `p` as the new root of its hash bucket's tree, splitting the old tree into
   * the parts smaller and larger than the string at `p`; records matches longer than
   * `maxLen` on the way when `lens` is given.
   */
  private tree(
    p: number,
    lenLimit: number,
    maxLen: number,
    lens: Int32Array | null,
    dists: Int32Array | null,
    n: number,
  ): number {
    const d = this.data;
    const son = this.son;
    const cyc = this.cyc;
    const h4 = hash4(d, p, this.shift4);
    let cur = this.head4[h4];
    this.head4[h4] = p;
    const cycPos = p < cyc ? p : p % cyc;
    let ptr0 = cycPos * 2 + 1; // where the next larger subtree hangs
    let ptr1 = cycPos * 2; // where the next smaller subtree hangs
    let len0 = 0;
    let len1 = 0;
    const window = this.window;
    let depth = this.depth;
    for (;;) {
      const delta = p - cur;
      if (cur < 0 || delta > window || depth-- === 0) {
        son[ptr0] = -1;
        son[ptr1] = -1;
        return n;
      }
      const pair = (cur < cyc ? cur : cur % cyc) * 2;
      let len = len0 < len1 ? len0 : len1;
      if (d[cur + len] === d[p + len]) {
        while (++len < lenLimit && d[cur + len] === d[p + len]);
        if (len > maxLen) {
          maxLen = len;
          if (lens !== null && dists !== null) {
            lens[n] = len;
            dists[n] = delta - 1;
            n++;
          }
        }
        if (len >= lenLimit) {
          // Equal up to the limit: `p` takes over `cur`'s children.
          son[ptr1] = son[pair];
          son[ptr0] = son[pair + 1];
          return n;
        }
      }
      if (d[cur + len] < d[p + len]) {
        son[ptr1] = cur;
        ptr1 = pair + 1;
        cur = son[ptr1];
        len1 = len;
      } else {
        son[ptr0] = cur;
        ptr0 = pair;
        cur = son[ptr0];
        len0 = len;
      }
    }
  }
}

export class HashChainFinder extends BaseFinder {
  private readonly chain: Int32Array;
  private readonly cyc: number;

  constructor(data: Uint8Array, dictSize: number, niceLen: number, depth: number) {
    super(data, dictSize, niceLen, depth);
    this.cyc = this.window + 1;
    this.chain = new Int32Array(this.cyc);
  }

  getMatches(lens: Int32Array, dists: Int32Array): number {
    const d = this.data;
    const p = this.pos;
    const avail = d.length - p;
    this.pos++;
    if (avail < 4) return 0;
    const lenLimit = avail < this.niceLen ? avail : this.niceLen;
    let n = this.shortMatches(p, lenLimit, lens, dists);
    let maxLen = n > 0 ? lens[n - 1] : 1;
    const h4 = hash4(d, p, this.shift4);
    let cur = this.head4[h4];
    this.head4[h4] = p;
    this.chain[p < this.cyc ? p : p % this.cyc] = cur;
    if (maxLen >= lenLimit) return n;
    const chain = this.chain;
    const cyc = this.cyc;
    const window = this.window;
    let depth = this.depth;
    while (cur >= 0 && p - cur <= window && depth-- > 0) {
      // Cheap reject: a longer match must agree at the current best length.
      if (d[cur + maxLen] === d[p + maxLen] && d[cur] === d[p]) {
        let len = 1;
        while (len < lenLimit && d[cur + len] === d[p + len]) len++;
        if (len > maxLen) {
          maxLen = len;
          lens[n] = len;
          dists[n] = p - cur - 1;
          n++;
          if (len >= lenLimit) break;
        }
      }
      cur = chain[cur < cyc ? cur : cur % cyc];
    }
    return n;
  }

  skip(count: number): void {
    const d = this.data;
    for (let k = 0; k < count; k++) {
      const p = this.pos++;
      if (d.length - p < 4) continue;
      this.head2[d[p] | (d[p + 1] << 8)] = p;
      this.head3[hash3(d, p)] = p;
      const h4 = hash4(d, p, this.shift4);
      this.chain[p < this.cyc ? p : p % this.cyc] = this.head4[h4];
      this.head4[h4] = p;
    }
  }
}
