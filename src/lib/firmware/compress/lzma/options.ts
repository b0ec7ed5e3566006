import type { RangeEncoderState } from './range-coder';

/**
 * What the caller of lzmaCompress chooses: the two presets, the search settings behind
 * them, and the point an existing stream is carried on from (resume.ts). Also the stream
 * properties our encoder always writes.
 */

export interface LzmaCompressOptions {
  preset?: 'default' | 'fast';
  /** Written to the header and bounds match distances; default 16 MiB like edk2. */
  dictSize?: number;
  /** Called with the number of input bytes consumed, about every 16 KiB. */
  onProgress?: (consumed: number) => void;
  /** Polled about every 16 KiB; when it returns true a FirmwareError('cancelled') is thrown. */
  shouldCancel?: () => boolean;
  /** Overrides the preset's search settings (for benchmarks and tuning). */
  tuning?: Partial<LzmaTuning>;
  /**
   * Continue an existing stream instead of starting one (see resume.ts): the input's first
   * `resume.pos` bytes are what that stream decodes to, and coding starts at `resume.pos`.
   */
  resume?: LzmaResumePoint;
}

/** An LZMA stream cut between two symbols: everything the encoder needs to carry it on. */
export interface LzmaResumePoint {
  /** Input bytes the kept part of the stream already codes. */
  pos: number;
  probs: Uint16Array;
  state: number;
  reps: [number, number, number, number];
  coder: RangeEncoderState;
  /** A carry from symbols after the cut had reached the kept bytes (they were one less). */
  borrowed: boolean;
}

export interface LzmaTuning {
  /** Binary tree or hash chain. */
  finder: 'bt' | 'hc';
  /** Bytes that key the tree/chain buckets (4 as LZMA SDK's bt4/hc4, or 5). */
  hashBytes: 4 | 5;
  parser: 'optimal' | 'greedy';
  /** Matches this long are taken at once. */
  niceLen: number;
  /** Candidates examined per position. */
  depth: number;
  /** Positions indexed at the start of a long match's inside. */
  headKeep: number;
  /** Positions indexed at the end of a long match's inside. */
  tailKeep: number;
  /** After this many literals in a row with nothing found, search with a stride (0 = never). */
  accelStart: number;
  /** The stride doubles every 2^accelShift literals beyond accelStart, up to 32. */
  accelShift: number;
}

export const LZMA_PRESETS: Record<'default' | 'fast', LzmaTuning> = {
  default: {
    finder: 'bt',
    hashBytes: 5,
    parser: 'optimal',
    niceLen: 32,
    depth: 20,
    headKeep: 1,
    tailKeep: 16,
    accelStart: 256,
    accelShift: 4,
  },
  fast: {
    finder: 'hc',
    hashBytes: 5,
    parser: 'greedy',
    niceLen: 64,
    depth: 4,
    headKeep: 1,
    tailKeep: 8,
    accelStart: 256,
    accelShift: 4,
  },
};

/** The preset's settings with the caller's overrides. */
export function tuningOf(opts: LzmaCompressOptions): LzmaTuning {
  return { ...LZMA_PRESETS[opts.preset === 'fast' ? 'fast' : 'default'], ...opts.tuning };
}

/** The properties edk2's LzmaCompress writes (0x5D): lc=3 lp=0 pb=2. */
export const LC = 3;
export const LP = 0;
export const PB = 2;
export const POS_MASK = (1 << PB) - 1;
export const DEFAULT_DICT = 1 << 24;
