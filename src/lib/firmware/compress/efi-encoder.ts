/**
 * Encoder for the EFI 1.1 compression format (UEFI spec, "Compression Algorithm Specification"),
 * the counterpart of ./efi.ts: LZ77 over an 8 KiB window (matches of 3..256 bytes), then per block
 * three static Huffman codes — char/length, the code that codes the char/length code lengths, and
 * position — each written as the decoder reads it. The Tiano variant differs only in the width of
 * the position-table count (5 bits instead of 4); with the same 8 KiB window both are valid.
 *
 * Codes are canonical in symbol order (what the decoder's table builder assumes), complete (the
 * decoder rejects anything else: a code with one used symbol gets a second, unused one) and at
 * most 16 bits long. Same input, same bytes.
 */
import type { EfiVariant } from './efi';

const MAX_MATCH = 256;
const THRESHOLD = 3;
const NC = 0xff + MAX_MATCH + 2 - THRESHOLD; // 510 char/length symbols
const CBIT = 9;
const NT = 19;
const TBIT = 5;
const DICBIT = 13;
const WINDOW = 1 << DICBIT;
/** Position symbols 0..DICBIT: a distance below 2^13 has at most 13 significant bits. */
const NP = DICBIT + 1;
const MAX_CODE_BITS = 16;
/** Symbols per block: the block header's count is 16 bits. */
const BLOCK_SYMBOLS = 0xfff0;
const HASH_BITS = 14;
/** How many earlier positions with the same 3-byte hash are tried for each match. */
const MAX_CHAIN = 512;

class BitWriter {
  private buf = new Uint8Array(1 << 16);
  private length = 0;
  private acc = 0;
  private n = 0;

  put(bits: number, value: number): void {
    for (let i = bits - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >>> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }

  private flushByte(): void {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = this.acc & 0xff;
    this.acc = 0;
    this.n = 0;
  }

  finish(): Uint8Array {
    if (this.n) {
      this.acc <<= 8 - this.n;
      this.flushByte();
    }
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Huffman code lengths (at most 16 bits) for `freq`, forming a complete code: symbols with a
 * count get a length, others 0. At least two symbols are given lengths (a one-symbol code is not
 * complete), borrowing unused ones when needed.
 */
export function huffmanLengths(freq: Uint32Array): Uint8Array {
  const n = freq.length;
  const used: number[] = [];
  for (let i = 0; i < n; i++) if (freq[i]) used.push(i);
  for (let i = 0; used.length < 2 && i < n; i++) if (!freq[i]) used.push(i);
  const weight = (s: number) => freq[s] || 0;
  // Leaves by weight, then symbol: the order both decides depths and breaks ties reproducibly.
  used.sort((a, b) => weight(a) - weight(b) || a - b);
  // Two-queue Huffman over leaves and internal nodes; parent links give the depths.
  const count = used.length;
  const w = new Float64Array(2 * count);
  const parent = new Int32Array(2 * count).fill(-1);
  for (let i = 0; i < count; i++) w[i] = weight(used[i]);
  let leaf = 0;
  let inner = count;
  let next = count;
  const take = () => (leaf < count && (inner >= next || w[leaf] <= w[inner]) ? leaf++ : inner++);
  for (; next < 2 * count - 1; next++) {
    const a = take();
    const b = take();
    w[next] = w[a] + w[b];
    parent[a] = parent[b] = next;
  }
  const depth = new Int32Array(2 * count);
  for (let i = 2 * count - 3; i >= 0; i--) depth[i] = depth[parent[i]] + 1;
  // Lengths over 16 are folded to 16, then the code is made complete again by lengthening
  // shorter codes (the adjustment edk2's compressor makes).
  const perLength = new Uint32Array(MAX_CODE_BITS + 1);
  for (let i = 0; i < count; i++) perLength[Math.min(depth[i], MAX_CODE_BITS)]++;
  let kraft = 0;
  for (let l = 1; l <= MAX_CODE_BITS; l++) kraft += perLength[l] << (MAX_CODE_BITS - l);
  while (kraft > 1 << MAX_CODE_BITS) {
    perLength[MAX_CODE_BITS]--;
    for (let l = MAX_CODE_BITS - 1; l > 0; l--) {
      if (perLength[l]) {
        perLength[l]--;
        perLength[l + 1] += 2;
        break;
      }
    }
    kraft--;
  }
  // The most frequent symbols get the shortest codes.
  const lengths = new Uint8Array(n);
  let k = count - 1;
  for (let l = 1; l <= MAX_CODE_BITS; l++)
    for (let j = 0; j < perLength[l]; j++) lengths[used[k--]] = l;
  return lengths;
}

/** Canonical codes in symbol order, as the decoder's table builder assigns them. */
function canonicalCodes(lengths: Uint8Array): Uint16Array {
  const count = new Uint32Array(MAX_CODE_BITS + 2);
  for (const l of lengths) count[l]++;
  const start = new Uint32Array(MAX_CODE_BITS + 2);
  for (let l = 1; l <= MAX_CODE_BITS; l++)
    start[l + 1] = start[l] + (count[l] << (MAX_CODE_BITS - l));
  const codes = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (!l) continue;
    codes[s] = start[l] >>> (MAX_CODE_BITS - l);
    start[l] += 1 << (MAX_CODE_BITS - l);
  }
  return codes;
}

/** Bit length of a match distance: its position symbol. */
function positionSymbol(distance: number): number {
  return distance === 0 ? 0 : 32 - Math.clz32(distance);
}

/** One LZ77 symbol: a literal (length 0) or a match of `length` bytes `distance + 1` back. */
interface Token {
  length: number;
  value: number;
}

function matchLength(data: Uint8Array, a: number, b: number, max: number): number {
  let n = 0;
  while (n < max && data[a + n] === data[b + n]) n++;
  return n;
}

/** Greedy LZ77 with one step of lazy matching, over hash chains of 3-byte prefixes. */
function tokenize(data: Uint8Array): Token[] {
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(data.length).fill(-1);
  const hash = (i: number) =>
    (((data[i] << 10) ^ (data[i + 1] << 5) ^ data[i + 2]) * 2654435761) >>> (32 - HASH_BITS);
  let inserted = 0;
  const insertUpTo = (end: number) => {
    for (; inserted < end && inserted + 2 < data.length; inserted++) {
      const h = hash(inserted);
      prev[inserted] = head[h];
      head[h] = inserted;
    }
  };
  const best = (i: number): { length: number; distance: number } => {
    insertUpTo(i);
    const max = Math.min(MAX_MATCH, data.length - i);
    let length = 0;
    let distance = 0;
    if (max < THRESHOLD) return { length, distance };
    let cand = head[hash(i)];
    for (let chain = 0; cand >= 0 && i - cand <= WINDOW - 1 && chain < MAX_CHAIN; chain++) {
      if (data[cand + length] === data[i + length]) {
        const l = matchLength(data, cand, i, max);
        if (l > length) {
          length = l;
          distance = i - cand - 1;
          if (l === max) break;
        }
      }
      cand = prev[cand];
    }
    return length >= THRESHOLD ? { length, distance } : { length: 0, distance: 0 };
  };
  const tokens: Token[] = [];
  let i = 0;
  let pending = best(0);
  while (i < data.length) {
    const here = pending;
    if (here.length === 0) {
      tokens.push({ length: 0, value: data[i] });
      i++;
      pending = best(i);
      continue;
    }
    // Lazy: a longer match one byte on is worth a literal now.
    const after = i + 1 < data.length ? best(i + 1) : { length: 0, distance: 0 };
    if (after.length > here.length) {
      tokens.push({ length: 0, value: data[i] });
      i++;
      pending = after;
      continue;
    }
    tokens.push({ length: here.length, value: here.distance });
    i += here.length;
    pending = i < data.length ? best(i) : { length: 0, distance: 0 };
  }
  return tokens;
}

function lastUsed(lengths: Uint8Array): number {
  let n = lengths.length;
  while (n > 0 && lengths[n - 1] === 0) n--;
  return n;
}

/** A pt-style length table: 3 bits up to 6, then 111 and one 1 per step above 7, then a 0. */
function writePtLengths(out: BitWriter, lengths: Uint8Array, nbit: number, special: number) {
  const n = lastUsed(lengths);
  out.put(nbit, n);
  let i = 0;
  while (i < n) {
    const k = lengths[i++];
    if (k <= 6) out.put(3, k);
    else out.put(k - 3, (1 << (k - 3)) - 2);
    if (i === special) {
      while (i < 6 && lengths[i] === 0) i++;
      out.put(2, (i - 3) & 3);
    }
  }
}

/** The char/length code lengths as t-code tokens: 0 one zero, 1 3..18 zeros, 2 20..531 zeros, L+2 a length L. */
function cLengthTokens(cLen: Uint8Array): { token: number; extra: number; bits: number }[] {
  const n = lastUsed(cLen);
  const out: { token: number; extra: number; bits: number }[] = [];
  let i = 0;
  while (i < n) {
    if (cLen[i] !== 0) {
      out.push({ token: cLen[i] + 2, extra: 0, bits: 0 });
      i++;
      continue;
    }
    let run = 0;
    while (i + run < n && cLen[i + run] === 0) run++;
    i += run;
    while (run > 0) {
      if (run <= 2) {
        out.push({ token: 0, extra: 0, bits: 0 });
        run--;
      } else if (run <= 18) {
        out.push({ token: 1, extra: run - 3, bits: 4 });
        run = 0;
      } else if (run === 19) {
        out.push({ token: 0, extra: 0, bits: 0 });
        out.push({ token: 1, extra: 15, bits: 4 });
        run = 0;
      } else {
        const take = Math.min(run, 20 + (1 << CBIT) - 1);
        out.push({ token: 2, extra: take - 20, bits: CBIT });
        run -= take;
      }
    }
  }
  return out;
}

function writeBlock(out: BitWriter, tokens: Token[], pbit: number): void {
  const cFreq = new Uint32Array(NC);
  const pFreq = new Uint32Array(NP);
  for (const t of tokens) {
    if (t.length === 0) cFreq[t.value]++;
    else {
      cFreq[t.length + 256 - THRESHOLD]++;
      pFreq[positionSymbol(t.value)]++;
    }
  }
  const cLen = huffmanLengths(cFreq);
  const pLen = huffmanLengths(pFreq);
  const cTokens = cLengthTokens(cLen);
  const tFreq = new Uint32Array(NT);
  for (const t of cTokens) tFreq[t.token]++;
  const tLen = huffmanLengths(tFreq);
  const [cCode, pCode, tCode] = [canonicalCodes(cLen), canonicalCodes(pLen), canonicalCodes(tLen)];

  out.put(16, tokens.length);
  writePtLengths(out, tLen, TBIT, 3);
  out.put(CBIT, lastUsed(cLen));
  for (const t of cTokens) {
    out.put(tLen[t.token], tCode[t.token]);
    if (t.bits) out.put(t.bits, t.extra);
  }
  writePtLengths(out, pLen, pbit, -1);
  for (const t of tokens) {
    if (t.length === 0) {
      out.put(cLen[t.value], cCode[t.value]);
      continue;
    }
    const c = t.length + 256 - THRESHOLD;
    out.put(cLen[c], cCode[c]);
    const p = positionSymbol(t.value);
    out.put(pLen[p], pCode[p]);
    if (p > 1) out.put(p - 1, t.value & ((1 << (p - 1)) - 1));
  }
}

/** `data` as an EFI 1.1 (or Tiano) compressed stream: u32 compressed size, u32 size, bits. */
export function efiCompress(data: Uint8Array, variant: EfiVariant = 'efi'): Uint8Array {
  const pbit = variant === 'efi' ? 4 : 5;
  const bits = new BitWriter();
  const tokens = data.length ? tokenize(data) : [];
  for (let at = 0; at < tokens.length; at += BLOCK_SYMBOLS)
    writeBlock(bits, tokens.slice(at, at + BLOCK_SYMBOLS), pbit);
  const body = bits.finish();
  const out = new Uint8Array(8 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length, true);
  view.setUint32(4, data.length, true);
  out.set(body, 8);
  return out;
}
