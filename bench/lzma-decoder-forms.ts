/**
 * The LZMA decoder's range decoding written two ways, timed on the same streams: as in
 * decoder.ts (every normalise and bit decode pasted in place, the coder in locals), and
 * with helpers (a RangeDecoder object whose methods decode a bit, a bit tree, reverse and
 * direct bits, as range-coder.ts does for the encoder). decoder.ts keeps the faster form;
 * its header comment cites this bench. Both must give the same bytes.
 *
 * Run: `npx tsx bench/lzma-decoder-forms.ts [--runs N] [files.lzma...]` (default: the LZMA
 * section of /usr/share/OVMF/OVMF_CODE_4M.fd, and its payload re-encoded with our `fast`
 * preset). The forms take turns, N calls each (default 9); the table shows each one's
 * best CPU time and its ratio to the pasted form.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { lzmaDecompress } from '../src/lib/firmware/compress/lzma/decoder';
import { lzmaCompress } from '../src/lib/firmware/compress/lzma/encoder';
import * as props from '../src/lib/firmware/compress/lzma/props';
import { findLzmaSections } from '../src/lib/firmware/compress/lzma/test-support';

const {
  END_POS_MODEL_INDEX,
  LEN_CHOICE,
  LEN_CHOICE2,
  LEN_HIGH,
  LEN_LOW,
  LEN_MID,
  LZMA_HEADER_SIZE,
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

class RangeDecoder {
  range = -1;
  code = 0;
  constructor(
    protected readonly input: Uint8Array,
    public pos: number,
  ) {
    this.code =
      (input[pos + 1] << 24) | (input[pos + 2] << 16) | (input[pos + 3] << 8) | input[pos + 4];
    this.pos = pos + 5;
  }

  private normalize(): void {
    if (this.range >>> 24 === 0) {
      if (this.pos >= this.input.length) throw new Error('truncated');
      this.range <<= 8;
      this.code = (this.code << 8) | this.input[this.pos++];
    }
  }

  bit(probs: Uint16Array, i: number): number {
    const p = probs[i];
    const bound = Math.imul(this.range >>> 11, p);
    let bit: number;
    if ((this.code ^ 0x80000000) < (bound ^ 0x80000000)) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >> 5);
      bit = 0;
    } else {
      this.range = (this.range - bound) | 0;
      this.code = (this.code - bound) | 0;
      probs[i] = p - (p >> 5);
      bit = 1;
    }
    this.normalize();
    return bit;
  }

  /** One bit without a branch on its value (as decoder.ts decodes tree bits). */
  private treeBit(probs: Uint16Array, i: number): number {
    const p = probs[i];
    const range = this.range;
    const code = this.code;
    const bound = Math.imul(range >>> 11, p);
    const zero = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
    this.range = (bound & zero) | ((range - bound) & ~zero);
    this.code = (code - (bound & ~zero)) | 0;
    probs[i] = p + (((2048 - p) >> 5) & zero) - ((p >> 5) & ~zero);
    this.normalize();
    return zero + 1;
  }

  tree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    const top = 1 << bits;
    while (m < top) m = (m << 1) | this.treeBit(probs, base + m);
    return m - top;
  }

  reverse(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let sym = 0;
    for (let b = 0; b < bits; b++) {
      const bit = this.treeBit(probs, base + m);
      m = (m << 1) | bit;
      sym |= bit << b;
    }
    return sym;
  }

  direct(count: number): number {
    let v = 0;
    for (let b = count; b > 0; b--) {
      this.range = this.range >>> 1;
      if ((this.code ^ 0x80000000) >= (this.range ^ 0x80000000)) {
        this.code = (this.code - this.range) | 0;
        v = (v << 1) | 1;
      } else v <<= 1;
      this.normalize();
    }
    this.range |= 0;
    return v;
  }

  literal(probs: Uint16Array, base: number, matchByte: number): number {
    let m = 1;
    if (matchByte >= 0) {
      do {
        const matchBit = (matchByte >> 7) & 1;
        matchByte <<= 1;
        const bit = this.treeBit(probs, base + ((1 + matchBit) << 8) + m);
        m = (m << 1) | bit;
        if (bit !== matchBit) break;
      } while (m < 0x100);
    }
    while (m < 0x100) m = (m << 1) | this.treeBit(probs, base + m);
    return m & 0xff;
  }
}

/**
 * Helpers as range-coder.ts writes them for the encoder: single bits through the object's
 * fields, but each multi-bit method (bit tree, literal, reverse, direct) copies the coder
 * into locals for its loop.
 */
class LocalsRangeDecoder extends RangeDecoder {
  override tree(probs: Uint16Array, base: number, bits: number): number {
    const input = this.input;
    let range = this.range;
    let code = this.code;
    let m = 1;
    const top = 1 << bits;
    while (m < top) {
      const i = base + m;
      const p = probs[i];
      const bound = Math.imul(range >>> 11, p);
      const zero = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
      range = (bound & zero) | ((range - bound) & ~zero);
      code = (code - (bound & ~zero)) | 0;
      probs[i] = p + (((2048 - p) >> 5) & zero) - ((p >> 5) & ~zero);
      m = (m << 1) | (zero + 1);
      if (range >>> 24 === 0) {
        if (this.pos >= input.length) throw new Error('truncated');
        range <<= 8;
        code = (code << 8) | input[this.pos++];
      }
    }
    this.range = range;
    this.code = code;
    return m - top;
  }

  override literal(probs: Uint16Array, base: number, matchByte: number): number {
    const input = this.input;
    let range = this.range;
    let code = this.code;
    let m = 1;
    if (matchByte >= 0) {
      do {
        const matchBit = (matchByte >> 7) & 1;
        matchByte <<= 1;
        const i = base + ((1 + matchBit) << 8) + m;
        const p = probs[i];
        const bound = Math.imul(range >>> 11, p);
        const zero = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
        range = (bound & zero) | ((range - bound) & ~zero);
        code = (code - (bound & ~zero)) | 0;
        probs[i] = p + (((2048 - p) >> 5) & zero) - ((p >> 5) & ~zero);
        const bit = zero + 1;
        if (range >>> 24 === 0) {
          if (this.pos >= input.length) throw new Error('truncated');
          range <<= 8;
          code = (code << 8) | input[this.pos++];
        }
        m = (m << 1) | bit;
        if (bit !== matchBit) break;
      } while (m < 0x100);
    }
    while (m < 0x100) {
      const i = base + m;
      const p = probs[i];
      const bound = Math.imul(range >>> 11, p);
      const zero = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
      range = (bound & zero) | ((range - bound) & ~zero);
      code = (code - (bound & ~zero)) | 0;
      probs[i] = p + (((2048 - p) >> 5) & zero) - ((p >> 5) & ~zero);
      m = (m << 1) | (zero + 1);
      if (range >>> 24 === 0) {
        if (this.pos >= input.length) throw new Error('truncated');
        range <<= 8;
        code = (code << 8) | input[this.pos++];
      }
    }
    this.range = range;
    this.code = code;
    return m & 0xff;
  }
}

/** The helper form of decoder.ts's decodeRaw, for lc=3 lp=0 pb=2 streams of known size. */
function decodeWithHelpers(input: Uint8Array, locals: boolean): Uint8Array {
  const size = Number(new DataView(input.buffer, input.byteOffset + 5, 8).getBigUint64(0, true));
  const out = new Uint8Array(size);
  const probs = new Uint16Array(probCount(3, 0)).fill(PROB_INIT);
  const rc = locals
    ? new LocalsRangeDecoder(input, LZMA_HEADER_SIZE)
    : new RangeDecoder(input, LZMA_HEADER_SIZE);
  let outPos = 0;
  let state = 0;
  let rep0 = 0;
  let rep1 = 0;
  let rep2 = 0;
  let rep3 = 0;
  while (outPos < size) {
    const posState = outPos & 3;
    if (rc.bit(probs, P_IS_MATCH + (state << 4) + posState) === 0) {
      const prev = outPos > 0 ? out[outPos - 1] : 0;
      const base = P_LITERAL + 0x300 * (prev >> 5);
      if (state >= 7 && rep0 >= outPos) throw new Error('corrupt');
      const matchByte = state >= 7 ? out[outPos - rep0 - 1] : -1;
      out[outPos++] = rc.literal(probs, base, matchByte);
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      continue;
    }
    let lenBase: number;
    const isRep = rc.bit(probs, P_IS_REP + state) === 1;
    if (isRep) {
      if (outPos === 0) throw new Error('corrupt');
      if (rc.bit(probs, P_IS_REP_G0 + state) === 0) {
        if (rc.bit(probs, P_IS_REP0_LONG + (state << 4) + posState) === 0) {
          if (rep0 >= outPos) throw new Error('corrupt');
          out[outPos] = out[outPos - rep0 - 1];
          outPos++;
          state = state < 7 ? 9 : 11;
          continue;
        }
      } else {
        let dist: number;
        if (rc.bit(probs, P_IS_REP_G1 + state) === 0) dist = rep1;
        else {
          if (rc.bit(probs, P_IS_REP_G2 + state) === 0) dist = rep2;
          else {
            dist = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = dist;
      }
      lenBase = P_REP_LEN;
      state = state < 7 ? 8 : 11;
    } else {
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      lenBase = P_LEN;
      state = state < 7 ? 7 : 10;
    }
    let len: number;
    if (rc.bit(probs, lenBase + LEN_CHOICE) === 0)
      len = rc.tree(probs, lenBase + LEN_LOW + (posState << 3), 3);
    else if (rc.bit(probs, lenBase + LEN_CHOICE2) === 0)
      len = 8 + rc.tree(probs, lenBase + LEN_MID + (posState << 3), 3);
    else len = 16 + rc.tree(probs, lenBase + LEN_HIGH, 8);
    if (!isRep) {
      const slot = rc.tree(probs, P_POS_SLOT + ((len < 3 ? len : 3) << 6), 6);
      let dist = slot;
      if (slot >= 4) {
        const numDirect = (slot >> 1) - 1;
        dist = ((2 | (slot & 1)) << numDirect) | 0;
        if (slot < END_POS_MODEL_INDEX)
          dist += rc.reverse(probs, P_SPEC_POS + dist - slot - 1, numDirect);
        else dist = (dist + ((rc.direct(numDirect - 4) << 4) + rc.reverse(probs, P_ALIGN, 4))) | 0;
      }
      if (dist < 0) throw new Error('corrupt');
      rep0 = dist;
    }
    len += 2;
    if (rep0 >= outPos) throw new Error('corrupt');
    const end = Math.min(outPos + len, size);
    let from = outPos - rep0 - 1;
    if (rep0 === 0) {
      out.fill(out[from], outPos, end);
      outPos = end;
    } else if (end - outPos > rep0 + 1) {
      while (outPos < end) {
        const n = Math.min(end - outPos, rep0 + 1);
        out.copyWithin(outPos, from, from + n);
        outPos += n;
        from += n;
      }
    } else if (end - outPos > 32) {
      out.copyWithin(outPos, from, from + (end - outPos));
      outPos = end;
    } else {
      while (outPos < end) out[outPos++] = out[from++];
    }
  }
  return out;
}

const FORMS: [string, (stream: Uint8Array) => Uint8Array][] = [
  ['pasted (decoder.ts)', (s) => lzmaDecompress(s)],
  ['helpers, per-bit fields', (s) => decodeWithHelpers(s, false)],
  ['helpers, loops in locals', (s) => decodeWithHelpers(s, true)],
];

/** CPU milliseconds of one call (not wall time: waiting for a shared core is not decoding). */
function cpuMs(fn: () => Uint8Array): [number, Uint8Array] {
  const c0 = process.cpuUsage();
  const out = fn();
  const c = process.cpuUsage(c0);
  return [(c.user + c.system) / 1000, out];
}

const args = process.argv.slice(2);
let runs = 9;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else files.push(args[i]);
}
const streams: [string, Uint8Array][] = files.map((f) => [
  basename(f),
  new Uint8Array(readFileSync(f)),
]);
const OVMF = '/usr/share/OVMF/OVMF_CODE_4M.fd';
if (files.length === 0 && existsSync(OVMF)) {
  const [section] = findLzmaSections(new Uint8Array(readFileSync(OVMF)));
  streams.push(['OVMF_CODE_4M LZMA section (edk2)', section.stream]);
  streams.push([
    'its payload, our fast preset',
    lzmaCompress(lzmaDecompress(section.stream), { preset: 'fast' }),
  ]);
}
if (streams.length === 0) {
  console.log(`[skip] no stream given and ${OVMF} not found`);
  process.exit(0);
}
console.log(`LZMA decoder forms: CPU ms, best of ${runs} calls, forms taking turns`);
console.log(`| stream | ${FORMS.map(([f]) => f).join(' | ')} |`);
console.log(`|---|${FORMS.map(() => '---:').join('|')}|`);
for (const [name, stream] of streams) {
  const bestMs = FORMS.map(() => Infinity);
  const outs: Uint8Array[] = [];
  for (let r = 0; r < runs; r++) {
    FORMS.forEach(([, decode], f) => {
      const [ms, out] = cpuMs(() => decode(stream));
      bestMs[f] = Math.min(bestMs[f], ms);
      outs[f] = out;
    });
  }
  for (const out of outs)
    if (!Buffer.from(out).equals(Buffer.from(outs[0])))
      throw new Error(`${name}: the forms decode differently`);
  const cells = bestMs.map((ms) => `${ms.toFixed(0)} (${(ms / bestMs[0]).toFixed(2)})`);
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
