/**
 * Re-encoding a changed input by carrying on an existing LZMA stream.
 *
 * When only the end of a large input changes (OVMF's DXE payload gains files in its free
 * space), the stream's first part still decodes to the unchanged bytes. Decoding it up to a
 * symbol boundary before the first change gives the probabilities, state and reps there, and
 * the range decoder's `range` and `code`; from those the range *encoder*'s state follows, so
 * our encoder continues the stream and only codes what comes after. The result is a normal
 * stream that any decoder reads.
 *
 * The range encoder state, derived: the decoder has consumed n bytes of the stream; the
 * encoder had then produced the same number of range normalisations, so its settled and
 * pending bytes are the first n - 4 bytes (B) and its 32-bit `low` lines up with the next
 * four (W). The decoder's `code` is how far the stream's value lies above the encoder's low
 * at that point: B·2^32 + W = (bytes so far)·2^32 + low + code. So low = W - code, and when
 * that is negative a carry from later symbols reached B: the encoder's bytes were then
 * B - 1 and low = W - code + 2^32. A carry can still run into the last byte below 0xFF and
 * the 0xFF bytes after it, so those stay pending (the encoder's cache), the rest is final.
 */
import { firstDifference } from '../../bytes/compare';
import { FirmwareError } from '../../errors';
import { decodeRaw, lzmaDecompress, lzmaDictSize, type DecoderStop } from './decoder';
import { lzmaCompress, type LzmaCompressOptions, type LzmaResumePoint } from './encoder';
import { decodeProps, LZMA_HEADER_SIZE, MATCH_LEN_MAX } from './props';

/** Below this many unchanged bytes a fresh stream is as quick and no larger. */
const MIN_REUSE = 1 << 16;

/** The props our encoder writes (lc=3, lp=0, pb=2); other streams cannot be continued. */
const OUR_PROPS = 0x5d;

export interface LzmaRecompressOptions extends LzmaCompressOptions {
  /** What `stream` decodes to, when the caller already has it (saves a decode). */
  previous?: Uint8Array;
}

export interface LzmaRecompressResult {
  stream: Uint8Array;
  /** Input bytes coded by the kept part of the old stream (0: encoded afresh). */
  reusedInput: number;
  /** Bytes of the old stream kept as they were, header not counted. */
  reusedStream: number;
}

/**
 * The state at the first symbol boundary at or after input byte `at` of `stream` (an "LZMA
 * alone" stream written with lc=3 lp=0 pb=2), ready for lzmaCompress's `resume`.
 * `onProgress` gets the bytes decoded so far, about every 256 KiB.
 */
export function lzmaResumePoint(
  stream: Uint8Array,
  at: number,
  onProgress?: (decoded: number) => void,
): LzmaResumePoint {
  if (stream.length < LZMA_HEADER_SIZE || stream[0] !== OUR_PROPS) {
    throw new FirmwareError('unsupported', 'only lc=3 lp=0 pb=2 LZMA streams can be continued');
  }
  const props = decodeProps(stream[0], lzmaDictSize(stream));
  const stop: DecoderStop = {
    at,
    stopped: false,
    outPos: 0,
    inPos: 0,
    range: 0,
    code: 0,
    state: 0,
    reps: [0, 0, 0, 0],
    probs: new Uint16Array(0),
  };
  // The decoded bytes are not needed, only the state; declare enough room to reach `at`.
  decodeRaw(stream, LZMA_HEADER_SIZE, props, at + MATCH_LEN_MAX, { onProgress }, stop);
  if (!stop.stopped) {
    throw new FirmwareError('decompress', `the LZMA stream ends before input byte ${at}`);
  }
  onProgress?.(stop.outPos);
  const body = stream.subarray(LZMA_HEADER_SIZE, stop.inPos);
  const n = body.length;
  const w = ((body[n - 4] << 24) | (body[n - 3] << 16) | (body[n - 2] << 8) | body[n - 1]) >>> 0;
  let low = w - stop.code;
  const bytes = body.slice(0, n - 4);
  if (low < 0) {
    low += 0x100000000;
    let i = bytes.length - 1;
    while (i >= 0 && bytes[i] === 0) bytes[i--] = 0xff;
    if (i < 0)
      throw new FirmwareError('decompress', 'the LZMA stream has an impossible coder state');
    bytes[i]--;
  }
  // The last byte below 0xFF may still take a carry, and so may the 0xFF bytes after it.
  let last = bytes.length - 1;
  while (last > 0 && bytes[last] === 0xff) last--;
  return {
    pos: stop.outPos,
    probs: stop.probs,
    state: stop.state,
    reps: stop.reps,
    borrowed: w < stop.code,
    coder: {
      emitted: bytes.subarray(0, last),
      cache: bytes[last],
      cacheSize: bytes.length - last,
      low,
      range: stop.range,
    },
  };
}

/**
 * `next` as an LZMA stream with `stream`'s dictionary size, keeping as much of `stream` as
 * still decodes to the same bytes and encoding only the rest. A stream our encoder cannot
 * continue, or one that shares too little, is encoded afresh.
 */
export function lzmaRecompress(
  stream: Uint8Array,
  next: Uint8Array,
  opts: LzmaRecompressOptions = {},
): LzmaRecompressResult {
  const { previous, ...encodeOpts } = opts;
  const header = stream.length >= LZMA_HEADER_SIZE;
  const dictSize = header ? lzmaDictSize(stream) : undefined;
  const fresh = (): LzmaRecompressResult => ({
    stream: lzmaCompress(next, { ...encodeOpts, dictSize: encodeOpts.dictSize ?? dictSize }),
    reusedInput: 0,
    reusedStream: 0,
  });
  if (!header || stream[0] !== OUR_PROPS) return fresh();
  if ((encodeOpts.dictSize ?? dictSize) !== dictSize) return fresh();
  const old = previous ?? lzmaDecompress(stream);
  const same = firstDifference(old, next);
  if (same === next.length && old.length === next.length) {
    return {
      stream: stream.slice(),
      reusedInput: next.length,
      reusedStream: stream.length - LZMA_HEADER_SIZE,
    };
  }
  // Stop early enough that the symbol running over the stop point still ends before the change.
  const at = same - MATCH_LEN_MAX;
  if (at < MIN_REUSE) return fresh();
  // Progress counts input bytes: decoding the kept part covers them up to the resume point.
  const resume = lzmaResumePoint(stream, at, encodeOpts.onProgress);
  return {
    stream: lzmaCompress(next, { ...encodeOpts, dictSize, resume }),
    reusedInput: resume.pos,
    reusedStream: resume.coder.emitted.length,
  };
}
