import type { Budget } from '../../budget';
import { FirmwareError } from '../../errors';
import * as props from './props';
import type { LzmaProps } from './props';

// Local copies: some loaders turn imported bindings into getter calls, far too slow per bit.
const {
  decodeProps,
  END_POS_MODEL_INDEX,
  LEN_CHOICE,
  LEN_CHOICE2,
  LEN_HIGH,
  LEN_LOW,
  LEN_MID,
  LZMA_HEADER_SIZE,
  MATCH_LEN_MIN,
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

/**
 * LZMA decoder for the "LZMA alone" layout that edk2's LzmaCustomDecompress reads:
 * 5 property bytes, an 8-byte little-endian uncompressed size (all ones = unknown, the
 * stream then ends with an end marker), then the range-coded data.
 *
 * The output is one flat buffer that doubles as the dictionary, so memory is the output
 * size plus the probability table. The whole decoder is one function with the range
 * decoder in locals and every bit decode written out in place: V8 keeps them in registers,
 * which a call per bit would not allow. Measured (bench/lzma-decoder-forms.ts, Node 20,
 * CPU time, best of 15, OVMF_CODE_4M's 13.5 MB payload): the same decoder with a range
 * decoder object and helper methods takes 16-19% longer (per-bit methods) or 13-18% longer
 * (loops in locals inside each multi-bit helper, as the encoder's range coder has them)
 * than this form, so the pasted blocks stay. The bits of literals, lengths and distances are
 * decoded without a branch on their value (they are close to random, so a branch would
 * mispredict half the time); only the bits that choose the symbol's kind branch.
 */

export interface LzmaDecodeOptions {
  /** Output is reserved here before it is allocated. */
  budget?: Budget;
  /** Hard cap on the output, checked against the declared size and while decoding. */
  maxOutput?: number;
  /** Absolute offset of `input` in the file, for error messages. */
  offset?: number;
  /** Called with the output size about every PROGRESS_STEP bytes (for long decodes). */
  onProgress?: (outBytes: number) => void;
  /**
   * Continue a stream in chunks (LZMA2): decode into `chain.out` after `chain.outPos`, from the
   * coder state the previous chunk left (probabilities absent: fresh ones), and leave the state
   * there for the next. The caller reserves the output; the range coder starts afresh.
   */
  chain?: LzmaChain;
}

/** The state an LZMA2 chunk hands to the next one (see `LzmaDecodeOptions.chain`). */
export interface LzmaChain {
  /** The whole output, allocated by the caller; earlier chunks' bytes are the dictionary. */
  out: Uint8Array;
  outPos: number;
  state: number;
  reps: [number, number, number, number];
  probs?: Uint16Array;
}

const PROGRESS_STEP = 1 << 18;
/**
 * The first report comes sooner: until the engine has compiled this function's optimised
 * code (tens of milliseconds), it decodes several times slower. The step then doubles.
 */
const PROGRESS_FIRST = 1 << 15;

/** Default cap for streams of unknown size when neither a budget nor maxOutput is given. */
const DEFAULT_MAX_OUTPUT = 1 << 30;

export function lzmaDecompress(input: Uint8Array, opts: LzmaDecodeOptions = {}): Uint8Array {
  const base = opts.offset ?? 0;
  if (input.length < LZMA_HEADER_SIZE) {
    throw new FirmwareError(
      'decompress',
      `LZMA header needs ${LZMA_HEADER_SIZE} bytes, got ${input.length}`,
      {
        offset: base,
      },
    );
  }
  const props = decodeProps(input[0], lzmaDictSize(input), base);
  const lo = (input[5] | (input[6] << 8) | (input[7] << 16) | (input[8] << 24)) >>> 0;
  const hi = (input[9] | (input[10] << 8) | (input[11] << 16) | (input[12] << 24)) >>> 0;
  const unknown = lo === 0xffffffff && hi === 0xffffffff;
  const declared = hi * 0x100000000 + lo;
  return decodeRaw(input, LZMA_HEADER_SIZE, props, unknown ? -1 : declared, opts);
}

/**
 * Intel's legacy LZMA sections carry 4 extra bytes before the usual header (edk2 and
 * UEFITool retry with them skipped when the plain header does not fit).
 */
export function lzmaDecompressIntelLegacy(
  input: Uint8Array,
  opts: LzmaDecodeOptions = {},
): Uint8Array {
  if (input.length < 4) {
    throw new FirmwareError(
      'decompress',
      'Intel legacy LZMA data is shorter than its 4-byte prefix',
      {
        offset: opts.offset ?? 0,
      },
    );
  }
  return lzmaDecompress(input.subarray(4), { ...opts, offset: (opts.offset ?? 0) + 4 });
}

/** The dictionary size in an LZMA-alone header (at least 5 bytes). */
export function lzmaDictSize(input: Uint8Array): number {
  return (input[1] | (input[2] << 8) | (input[3] << 16) | (input[4] << 24)) >>> 0;
}

/** Reads the declared uncompressed size of an LZMA-alone stream; -1 when unknown. */
export function lzmaDeclaredSize(input: Uint8Array): number {
  if (input.length < LZMA_HEADER_SIZE) return -1;
  const lo = (input[5] | (input[6] << 8) | (input[7] << 16) | (input[8] << 24)) >>> 0;
  const hi = (input[9] | (input[10] << 8) | (input[11] << 16) | (input[12] << 24)) >>> 0;
  if (lo === 0xffffffff && hi === 0xffffffff) return -1;
  return hi * 0x100000000 + lo;
}

function corrupt(what: string, at: number): FirmwareError {
  return new FirmwareError('decompress', `LZMA data is corrupt: ${what}`, { offset: at });
}

function truncated(at: number): FirmwareError {
  return new FirmwareError('decompress', 'LZMA data ends before the stream is complete', {
    offset: at,
  });
}

function allocate(n: number, at: number): Uint8Array {
  try {
    return new Uint8Array(n);
  } catch (e) {
    throw new FirmwareError('budget', `cannot allocate ${n} bytes for LZMA output`, {
      offset: at,
      cause: e,
    });
  }
}

function grow(out: Uint8Array, n: number, at: number): Uint8Array {
  const bigger = allocate(n, at);
  bigger.set(out);
  return bigger;
}

/**
 * The whole decoder state between two symbols, for resuming the stream with the encoder
 * (see resume.ts). `at` is set by the caller; the rest is filled in when decoding stops.
 */
export interface DecoderStop {
  /** Stop at the first symbol boundary at or after this output position. */
  at: number;
  stopped: boolean;
  outPos: number;
  /** Index in `input` of the next byte the range decoder would read. */
  inPos: number;
  /** Range and code as unsigned 32-bit values. */
  range: number;
  code: number;
  state: number;
  reps: [number, number, number, number];
  probs: Uint16Array;
}

/**
 * Decodes a raw range-coded stream starting at `inPos`. `size` is the exact output size,
 * or -1 for "until the end marker". With `stop`, decoding ends early at a symbol boundary
 * and `stop` receives the state; the output is then valid up to `stop.outPos`.
 */
export function decodeRaw(
  input: Uint8Array,
  start: number,
  props: LzmaProps,
  size: number,
  opts: LzmaDecodeOptions = {},
  stop?: DecoderStop,
): Uint8Array {
  const base = opts.offset ?? 0;
  const limit = Math.min(
    opts.maxOutput ?? Number.MAX_SAFE_INTEGER,
    opts.budget
      ? opts.budget.limits.maxDecompressed - opts.budget.decompressed
      : DEFAULT_MAX_OUTPUT,
  );
  const known = size >= 0;
  if (known && size > limit) {
    throw new FirmwareError(
      size > (opts.maxOutput ?? Number.MAX_SAFE_INTEGER) ? 'decompress' : 'budget',
      `LZMA declares ${size} bytes of output, more than the ${limit} allowed`,
      { offset: base },
    );
  }
  // Output grows toward `target` as it is produced, so garbage that declares a huge size
  // fails before the whole buffer is allocated; a declared size is reserved up front.
  const chain = opts.chain;
  if (chain && (!known || chain.outPos + size > chain.out.length))
    throw corrupt('a chunk runs past the declared output size', base + start);
  const target = chain ? chain.outPos + size : known ? size : limit;
  if (known && !chain) opts.budget?.takeDecompressed(size, { offset: base });
  let cap = chain ? target : Math.min(target, Math.max(1 << 20, (input.length - start) * 16));
  if (!known) opts.budget?.takeDecompressed(cap, { offset: base });
  let out = chain ? chain.out : allocate(cap, base);
  if (known && size === 0) return out;

  const { lc, lp, pb } = props;
  const lpMask = (1 << lp) - 1;
  const pbMask = (1 << pb) - 1;
  const lcShift = 8 - lc;
  const probs = chain?.probs ?? new Uint16Array(probCount(lc, lp)).fill(PROB_INIT);

  const inEnd = input.length;
  let inPos = start;
  if (inEnd - inPos < 5) throw truncated(base + inEnd);
  if (input[inPos] !== 0)
    throw corrupt('the range coder does not start with a zero byte', base + inPos);
  let code =
    (input[inPos + 1] << 24) |
    (input[inPos + 2] << 16) |
    (input[inPos + 3] << 8) |
    input[inPos + 4] |
    0;
  inPos += 5;
  let range = -1;
  if (code === range) throw corrupt('the range coder starts with an invalid code', base + start);

  let outPos = chain ? chain.outPos : 0;
  let state = chain ? chain.state : 0;
  let [rep0, rep1, rep2, rep3] = chain ? chain.reps : [0, 0, 0, 0];
  let p = 0;
  let bound = 0;
  let i = 0;
  let m = 0;
  // Bit trees decode without a branch per bit: `zero` is -1 when the bit is 0 (code below
  // bound, unsigned), else 0; their bits are close to random, the branch would mispredict.
  let zero = 0;
  let len = 0;
  let sawEnd = false;

  // One comparison per symbol covers both growing the output and reporting progress.
  const onProgress = opts.onProgress;
  let nextReport = onProgress ? PROGRESS_FIRST : Infinity;
  let reportStep = PROGRESS_FIRST;
  const stopAt = stop ? stop.at : Infinity;
  let check = Math.min(cap, nextReport, stopAt);

  for (;;) {
    if (outPos >= check) {
      if (outPos >= stopAt) {
        stop!.stopped = true;
        break;
      }
      if (outPos >= nextReport) {
        onProgress!(outPos);
        reportStep = Math.min(reportStep * 2, PROGRESS_STEP);
        nextReport = outPos + reportStep;
      }
      if (outPos >= cap) {
        if (cap >= target) {
          if (known) break;
          throw new FirmwareError('decompress', `LZMA output exceeds the ${limit}-byte limit`, {
            offset: base,
          });
        }
        const next = Math.min(target, cap * 2);
        if (!known) opts.budget?.takeDecompressed(next - cap, { offset: base });
        out = grow(out, next, base);
        cap = next;
      }
      check = Math.min(cap, nextReport, stopAt);
    }
    const posState = outPos & pbMask;

    // isMatch
    i = P_IS_MATCH + (state << 4) + posState;
    p = probs[i];
    bound = Math.imul(range >>> 11, p);
    if ((code ^ 0x80000000) < (bound ^ 0x80000000)) {
      range = bound;
      probs[i] = p + ((2048 - p) >> 5);
      if (range >>> 24 === 0) {
        if (inPos >= inEnd) throw truncated(base + inPos);
        range <<= 8;
        code = (code << 8) | input[inPos++];
      }
      // Literal.
      const prev = outPos > 0 ? out[outPos - 1] : 0;
      const lit = P_LITERAL + 0x300 * (((outPos & lpMask) << lc) + (prev >> lcShift));
      m = 1;
      if (state >= 7) {
        if (rep0 >= outPos)
          throw corrupt('a literal refers before the start of the output', base + inPos);
        let matchByte = out[outPos - rep0 - 1];
        do {
          const matchBit = (matchByte >> 7) & 1;
          matchByte <<= 1;
          i = lit + ((1 + matchBit) << 8) + m;
          p = probs[i];
          bound = Math.imul(range >>> 11, p);
          zero = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
          range = (bound & zero) | ((range - bound) & ~zero);
          code = (code - (bound & ~zero)) | 0;
          probs[i] = p + (((2048 - p) >> 5) & zero) - ((p >> 5) & ~zero);
          const bit = zero + 1;
          if (range >>> 24 === 0) {
            if (inPos >= inEnd) throw truncated(base + inPos);
            range <<= 8;
            code = (code << 8) | input[inPos++];
          }
          m = (m << 1) | bit;
          if (bit !== matchBit) break;
        } while (m < 0x100);
      }
      while (m < 0x100) {
        i = lit + m;
        p = probs[i];
        bound = Math.imul(range >>> 11, p);
        zero = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
        range = (bound & zero) | ((range - bound) & ~zero);
        code = (code - (bound & ~zero)) | 0;
        probs[i] = p + (((2048 - p) >> 5) & zero) - ((p >> 5) & ~zero);
        m = (m << 1) | (zero + 1);
        if (range >>> 24 === 0) {
          if (inPos >= inEnd) throw truncated(base + inPos);
          range <<= 8;
          code = (code << 8) | input[inPos++];
        }
      }
      out[outPos++] = m & 0xff;
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      continue;
    }
    range = (range - bound) | 0;
    code = (code - bound) | 0;
    probs[i] = p - (p >> 5);
    if (range >>> 24 === 0) {
      if (inPos >= inEnd) throw truncated(base + inPos);
      range <<= 8;
      code = (code << 8) | input[inPos++];
    }

    // isRep
    let lenBase: number;
    i = P_IS_REP + state;
    p = probs[i];
    bound = Math.imul(range >>> 11, p);
    let isRep: boolean;
    if ((code ^ 0x80000000) < (bound ^ 0x80000000)) {
      range = bound;
      probs[i] = p + ((2048 - p) >> 5);
      isRep = false;
    } else {
      range = (range - bound) | 0;
      code = (code - bound) | 0;
      probs[i] = p - (p >> 5);
      isRep = true;
    }
    if (range >>> 24 === 0) {
      if (inPos >= inEnd) throw truncated(base + inPos);
      range <<= 8;
      code = (code << 8) | input[inPos++];
    }

    if (isRep) {
      if (outPos === 0) throw corrupt('a repeated match before any output', base + inPos);
      // isRepG0
      i = P_IS_REP_G0 + state;
      p = probs[i];
      bound = Math.imul(range >>> 11, p);
      if ((code ^ 0x80000000) < (bound ^ 0x80000000)) {
        range = bound;
        probs[i] = p + ((2048 - p) >> 5);
        if (range >>> 24 === 0) {
          if (inPos >= inEnd) throw truncated(base + inPos);
          range <<= 8;
          code = (code << 8) | input[inPos++];
        }
        // isRep0Long
        i = P_IS_REP0_LONG + (state << 4) + posState;
        p = probs[i];
        bound = Math.imul(range >>> 11, p);
        if ((code ^ 0x80000000) < (bound ^ 0x80000000)) {
          range = bound;
          probs[i] = p + ((2048 - p) >> 5);
          if (range >>> 24 === 0) {
            if (inPos >= inEnd) throw truncated(base + inPos);
            range <<= 8;
            code = (code << 8) | input[inPos++];
          }
          // Short rep: one byte at distance rep0.
          if (rep0 >= outPos)
            throw corrupt('a match refers before the start of the output', base + inPos);
          out[outPos] = out[outPos - rep0 - 1];
          outPos++;
          state = state < 7 ? 9 : 11;
          continue;
        }
        range = (range - bound) | 0;
        code = (code - bound) | 0;
        probs[i] = p - (p >> 5);
        if (range >>> 24 === 0) {
          if (inPos >= inEnd) throw truncated(base + inPos);
          range <<= 8;
          code = (code << 8) | input[inPos++];
        }
      } else {
        range = (range - bound) | 0;
        code = (code - bound) | 0;
        probs[i] = p - (p >> 5);
        if (range >>> 24 === 0) {
          if (inPos >= inEnd) throw truncated(base + inPos);
          range <<= 8;
          code = (code << 8) | input[inPos++];
        }
        // isRepG1
        i = P_IS_REP_G1 + state;
        p = probs[i];
        bound = Math.imul(range >>> 11, p);
        let dist: number;
        if ((code ^ 0x80000000) < (bound ^ 0x80000000)) {
          range = bound;
          probs[i] = p + ((2048 - p) >> 5);
          dist = rep1;
        } else {
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          probs[i] = p - (p >> 5);
          if (range >>> 24 === 0) {
            if (inPos >= inEnd) throw truncated(base + inPos);
            range <<= 8;
            code = (code << 8) | input[inPos++];
          }
          // isRepG2
          i = P_IS_REP_G2 + state;
          p = probs[i];
          bound = Math.imul(range >>> 11, p);
          if ((code ^ 0x80000000) < (bound ^ 0x80000000)) {
            range = bound;
            probs[i] = p + ((2048 - p) >> 5);
            dist = rep2;
          } else {
            range = (range - bound) | 0;
            code = (code - bound) | 0;
            probs[i] = p - (p >> 5);
            dist = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        if (range >>> 24 === 0) {
          if (inPos >= inEnd) throw truncated(base + inPos);
          range <<= 8;
          code = (code << 8) | input[inPos++];
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

    // Length (0-based: 0 means MATCH_LEN_MIN).
    i = lenBase + LEN_CHOICE;
    p = probs[i];
    bound = Math.imul(range >>> 11, p);
    let treeBase: number;
    let treeBits: number;
    if ((code ^ 0x80000000) < (bound ^ 0x80000000)) {
      range = bound;
      probs[i] = p + ((2048 - p) >> 5);
      treeBase = lenBase + LEN_LOW + (posState << 3);
      treeBits = 3;
      len = 0;
    } else {
      range = (range - bound) | 0;
      code = (code - bound) | 0;
      probs[i] = p - (p >> 5);
      if (range >>> 24 === 0) {
        if (inPos >= inEnd) throw truncated(base + inPos);
        range <<= 8;
        code = (code << 8) | input[inPos++];
      }
      i = lenBase + LEN_CHOICE2;
      p = probs[i];
      bound = Math.imul(range >>> 11, p);
      if ((code ^ 0x80000000) < (bound ^ 0x80000000)) {
        range = bound;
        probs[i] = p + ((2048 - p) >> 5);
        treeBase = lenBase + LEN_MID + (posState << 3);
        treeBits = 3;
        len = 8;
      } else {
        range = (range - bound) | 0;
        code = (code - bound) | 0;
        probs[i] = p - (p >> 5);
        treeBase = lenBase + LEN_HIGH;
        treeBits = 8;
        len = 16;
      }
    }
    if (range >>> 24 === 0) {
      if (inPos >= inEnd) throw truncated(base + inPos);
      range <<= 8;
      code = (code << 8) | input[inPos++];
    }
    m = 1;
    const lenTop = 1 << treeBits;
    while (m < lenTop) {
      i = treeBase + m;
      p = probs[i];
      bound = Math.imul(range >>> 11, p);
      zero = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
      range = (bound & zero) | ((range - bound) & ~zero);
      code = (code - (bound & ~zero)) | 0;
      probs[i] = p + (((2048 - p) >> 5) & zero) - ((p >> 5) & ~zero);
      m = (m << 1) | (zero + 1);
      if (range >>> 24 === 0) {
        if (inPos >= inEnd) throw truncated(base + inPos);
        range <<= 8;
        code = (code << 8) | input[inPos++];
      }
    }
    len += m - lenTop;

    if (!isRep) {
      // Distance: a 6-bit slot, then extra bits.
      const slotBase = P_POS_SLOT + ((len < 3 ? len : 3) << 6);
      m = 1;
      while (m < 64) {
        i = slotBase + m;
        p = probs[i];
        bound = Math.imul(range >>> 11, p);
        zero = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
        range = (bound & zero) | ((range - bound) & ~zero);
        code = (code - (bound & ~zero)) | 0;
        probs[i] = p + (((2048 - p) >> 5) & zero) - ((p >> 5) & ~zero);
        m = (m << 1) | (zero + 1);
        if (range >>> 24 === 0) {
          if (inPos >= inEnd) throw truncated(base + inPos);
          range <<= 8;
          code = (code << 8) | input[inPos++];
        }
      }
      const slot = m - 64;
      let dist: number;
      if (slot < 4) dist = slot;
      else {
        const numDirect = (slot >> 1) - 1;
        // Kept in int32 (slot 63 reaches bit 31): the end marker is -1, any other
        // negative value is a distance no dictionary holds.
        dist = ((2 | (slot & 1)) << numDirect) | 0;
        let extra = 0;
        if (slot < END_POS_MODEL_INDEX) {
          const rb = P_SPEC_POS + dist - slot - 1;
          m = 1;
          for (let b = 0; b < numDirect; b++) {
            i = rb + m;
            p = probs[i];
            bound = Math.imul(range >>> 11, p);
            zero = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
            range = (bound & zero) | ((range - bound) & ~zero);
            code = (code - (bound & ~zero)) | 0;
            probs[i] = p + (((2048 - p) >> 5) & zero) - ((p >> 5) & ~zero);
            m = (m << 1) | (zero + 1);
            extra |= (zero + 1) << b;
            if (range >>> 24 === 0) {
              if (inPos >= inEnd) throw truncated(base + inPos);
              range <<= 8;
              code = (code << 8) | input[inPos++];
            }
          }
        } else {
          // Direct bits with fixed probability one half, then 4 align bits.
          for (let b = numDirect - 4; b > 0; b--) {
            range = range >>> 1;
            if ((code ^ 0x80000000) >= (range ^ 0x80000000)) {
              code = (code - range) | 0;
              extra = (extra << 1) | 1;
            } else extra <<= 1;
            if (range >>> 24 === 0) {
              if (inPos >= inEnd) throw truncated(base + inPos);
              range <<= 8;
              code = (code << 8) | input[inPos++];
            }
          }
          extra <<= 4;
          m = 1;
          for (let b = 0; b < 4; b++) {
            i = P_ALIGN + m;
            p = probs[i];
            bound = Math.imul(range >>> 11, p);
            zero = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
            range = (bound & zero) | ((range - bound) & ~zero);
            code = (code - (bound & ~zero)) | 0;
            probs[i] = p + (((2048 - p) >> 5) & zero) - ((p >> 5) & ~zero);
            m = (m << 1) | (zero + 1);
            extra += (zero + 1) << b;
            if (range >>> 24 === 0) {
              if (inPos >= inEnd) throw truncated(base + inPos);
              range <<= 8;
              code = (code << 8) | input[inPos++];
            }
          }
        }
        dist = (dist + extra) | 0;
      }
      if (dist < 0) {
        if (dist !== -1) throw corrupt('a match distance beyond 2 GiB', base + inPos);
        sawEnd = true;
        break;
      }
      rep0 = dist;
    }

    len += MATCH_LEN_MIN;
    if (rep0 >= outPos)
      throw corrupt('a match refers before the start of the output', base + inPos);
    let end = outPos + len;
    if (end > cap) {
      if (end > target) {
        if (!known) {
          throw new FirmwareError('decompress', `LZMA output exceeds the ${limit}-byte limit`, {
            offset: base,
          });
        }
        end = target; // the last match may run past the declared size: cut it
      }
      if (end > cap) {
        const next = Math.min(target, Math.max(cap * 2, end));
        if (!known) opts.budget?.takeDecompressed(next - cap, { offset: base });
        out = grow(out, next, base);
        cap = next;
        check = Math.min(cap, nextReport, stopAt);
      }
    }
    let from = outPos - rep0 - 1;
    if (rep0 === 0) {
      out.fill(out[from], outPos, end);
      outPos = end;
    } else if (end - outPos > rep0 + 1) {
      // Overlapping copy: copyWithin handles memmove semantics, not repetition, so step by the period.
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

  if (stop?.stopped) {
    Object.assign(stop, {
      outPos,
      inPos,
      range: range >>> 0,
      code: code >>> 0,
      state,
      reps: [rep0, rep1, rep2, rep3],
      probs,
    });
    return out;
  }
  if (chain) {
    if (sawEnd) throw corrupt('an end marker inside an LZMA2 chunk', base + inPos);
    Object.assign(chain, { outPos, state, reps: [rep0, rep1, rep2, rep3], probs });
    return out;
  }
  if (!known) {
    if (!sawEnd) throw truncated(base + inPos);
    return out.subarray(0, outPos).slice();
  }
  if (sawEnd && outPos !== size) {
    throw corrupt(`end marker after ${outPos} bytes, but ${size} were declared`, base + inPos);
  }
  return out;
}
