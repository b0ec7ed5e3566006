import { FirmwareError } from '../../errors';
import { FastParser } from './fast-parser';
import { BinaryTreeFinder, finderBytes, HashChainFinder } from './match-finder';
import { NORMAL_PARSER_BYTES, NormalParser } from './normal-parser';
import {
  DEFAULT_DICT,
  LC,
  LP,
  PB,
  tuningOf,
  type LzmaCompressOptions,
  type LzmaTuning,
} from './options';
import { niceLenOf, type Parser } from './parser';
import { LEN_TABLE, PriceTables } from './prices';
import { encodePropsByte, LZMA_HEADER_SIZE, PROB_INIT, probCount } from './props';
import { RangeEncoder } from './range-coder';
import { SymbolEncoder } from './symbol-coder';

export {
  LZMA_PRESETS,
  type LzmaCompressOptions,
  type LzmaResumePoint,
  type LzmaTuning,
} from './options';

/**
 * LZMA encoder writing what edk2's LzmaCompress writes: properties 0x5D (lc=3 lp=0 pb=2),
 * the dictionary size, the 8-byte uncompressed size, the stream, no end marker.
 *
 * `default`: binary-tree match finder (nice length 32, depth 20) and a price-based optimal
 * parse over windows of up to 4 KiB, including the two-step candidates "match or rep,
 * literal, rep0" of the LZMA SDK's normal mode. `fast`: hash-chain finder (nice length 64,
 * depth 4) with greedy parsing and a one-step lazy check as in liblzma's fast mode, which
 * also drops short matches too far away to pay (see tooFar). Both finders key their
 * buckets by 5 bytes rather than 4 (see match-finder.ts).
 *
 * The parts, one job each (as liblzma splits its encoder):
 * - options.ts: the options, the presets and the search settings behind them.
 * - this file: the header, putting the parts together, progress and cancelling.
 * - symbol-coder.ts: codes literals, matches and reps (range-coder.ts does the bits) and
 *   keeps the decoder's state: probabilities, state, reps.
 * - prices.ts: what a symbol would cost, from the probabilities and refreshed tables.
 * - parser.ts: what both parsers share (finder glue, rep lengths, long literal runs);
 *   fast-parser.ts (greedy, lazy) and normal-parser.ts (optimal) decide what to code.
 * - match-finder.ts: the binary-tree and hash-chain finders on one base.
 * - resume.ts: carries an existing stream on from a decoder state (the `resume` option).
 *
 * Where the time goes and how it is kept down:
 * - Matches of `niceLen` or more are taken whole (extended up to 273 bytes), and only the
 *   first `headKeep` and last `tailKeep` positions inside them are indexed: strings that
 *   start in the middle are copies of strings the finder already holds. Consecutive long
 *   matches count as one stretch, and a long rep match is taken before the finder is
 *   asked at all, so a run of one byte (free space) is a chain of 273-byte rep0 matches
 *   costing one byte comparison per byte.
 * - In long stretches without matches (compressed or encrypted blobs), fewer positions
 *   are searched (see literalRun).
 * - Prices come from tables refreshed as LZMA SDK does (lengths per position state after
 *   as many uses as the table has entries, distances every 128 matches); the parse
 *   arrays, match buffers and range coder are allocated once per call.
 *
 * Memory, beyond the input and the output (w = min(input size, dictionary size)):
 * `default` 8w bytes of tree, `fast` 4w bytes of chain; both add 0.5 MiB of 2/3-byte
 * heads, a bucket head of 4 bytes per input byte up to 16 MiB, the coder's output buffer
 * (an eighth of the input to start with, doubled when the output outgrows it) and ~0.3 MiB
 * of tables; lzmaCompressMemory gives the sum. For the 13.5 MB OVMF DXE payload: 121 MiB
 * (`default`, 9.4 bytes per input byte) and 70 MiB (`fast`, 5.4 bytes per input byte).
 * Only the tree slots of positions actually indexed are ever written, so on inputs with
 * much free space the resident part is smaller (bench/lzma.ts prints both). Resuming a
 * stream (resume.ts), the finder covers only the input from 64 KiB before the resume point.
 *
 * Deterministic: the same input and options give the same bytes, in Node and browsers.
 */

/** Bytes before the resume point the match finder indexes, so new data can match them. */
const RESUME_HISTORY = 1 << 16;
const CHECK_EVERY = 1 << 14;

/**
 * Bytes lzmaCompress allocates for an input of `inputLength` bytes besides the input and
 * the returned stream: the finder, the coder's first output buffer (it doubles when the
 * output outgrows it) and the fixed tables (probabilities, prices, parser nodes).
 */
export function lzmaCompressMemory(inputLength: number, opts: LzmaCompressOptions = {}): number {
  const t = tuningOf(opts);
  const dictSize = opts.dictSize ?? DEFAULT_DICT;
  const fixed = 2 * probCount(LC, LP) + 4 * (2 * 4 * LEN_TABLE) + NORMAL_PARSER_BYTES + 8192;
  return (
    finderBytes(inputLength, dictSize, t.finder === 'hc' ? 4 : 8) +
    Math.max(64, (inputLength >> 3) + 1024) +
    fixed
  );
}

export function lzmaCompress(input: Uint8Array, opts: LzmaCompressOptions = {}): Uint8Array {
  const dictSize = opts.dictSize ?? DEFAULT_DICT;
  if (!Number.isInteger(dictSize) || dictSize < 4096 || dictSize > 0xffffffff) {
    throw new FirmwareError(
      'bad-input',
      `LZMA dictionary size ${dictSize} is out of range (4 KiB .. 4 GiB)`,
    );
  }
  const resume = opts.resume;
  if (resume && (resume.pos > input.length || resume.probs.length !== probCount(LC, LP))) {
    throw new FirmwareError('bad-input', 'the LZMA resume point does not fit this input');
  }
  const enc = new Encoder(input, dictSize, opts);
  const body = enc.run();
  const out = new Uint8Array(LZMA_HEADER_SIZE + body.length);
  out[0] = encodePropsByte({ lc: LC, lp: LP, pb: PB });
  out[1] = dictSize & 0xff;
  out[2] = (dictSize >>> 8) & 0xff;
  out[3] = (dictSize >>> 16) & 0xff;
  out[4] = (dictSize >>> 24) & 0xff;
  let n = input.length;
  for (let i = 5; i < 13; i++) {
    out[i] = n % 256;
    n = Math.floor(n / 256);
  }
  out.set(body, LZMA_HEADER_SIZE);
  return out;
}

/** Puts the parts together (see the files named below) and drives them over the input. */
class Encoder {
  private readonly data: Uint8Array;
  private readonly opts: LzmaCompressOptions;
  /** symbol-coder.ts: range coder, probabilities, state and reps. */
  private readonly coder: SymbolEncoder;
  /** fast-parser.ts or normal-parser.ts, over match-finder.ts. */
  private readonly parser: Parser;
  /** The first position the finder indexes. */
  private readonly first: number;

  constructor(data: Uint8Array, dictSize: number, opts: LzmaCompressOptions) {
    this.data = data;
    this.opts = opts;
    const t: LzmaTuning = tuningOf(opts);
    const niceLen = niceLenOf(t);
    const depth = Math.max(1, t.depth | 0);
    const hashBytes = t.hashBytes === 4 ? 4 : 5;
    const resume = opts.resume;
    // Resuming, only the recent history is indexed: older matches would save little and cost time.
    const first = resume ? resume.pos - Math.min(resume.pos, RESUME_HISTORY) : 0;
    this.first = first;
    // Its tables are megabytes on a large input: setting them up reports between the parts.
    const step = () => opts.onProgress?.(resume?.pos ?? 0);
    const mf =
      t.finder === 'hc'
        ? new HashChainFinder(data, dictSize, niceLen, depth, hashBytes, first, step)
        : new BinaryTreeFinder(data, dictSize, niceLen, depth, hashBytes, first, step);
    const rc = new RangeEncoder(((data.length - (resume?.pos ?? 0)) >> 3) + 1024, resume?.coder);
    const probs = new Uint16Array(probCount(LC, LP)).fill(PROB_INIT);
    if (resume) probs.set(resume.probs);
    // The greedy parser prices next to nothing, so it needs no tables.
    const prices = t.parser === 'greedy' ? null : new PriceTables(data, probs, niceLen);
    this.coder = new SymbolEncoder(data, probs, rc, prices, resume?.state, resume?.reps);
    this.parser = prices
      ? new NormalParser(this.coder, mf, t, prices)
      : new FastParser(this.coder, mf, t);
  }

  run(): Uint8Array {
    const n = this.data.length;
    let pos = this.opts.resume?.pos ?? 0;
    // The tables are allocated by now (tens of milliseconds on a large input): say so.
    this.opts.onProgress?.(pos);
    // Indexing the kept history is a step of its own: report between chunks of it too.
    for (let to = this.first + CHECK_EVERY; to < pos; to += CHECK_EVERY) {
      this.parser.indexUpTo(to);
      this.opts.onProgress?.(pos);
    }
    this.parser.indexUpTo(pos);
    let nextCheck = pos + CHECK_EVERY;
    while (pos < n) {
      if (pos >= nextCheck) {
        nextCheck = pos + CHECK_EVERY;
        if (this.opts.shouldCancel?.()) throw new FirmwareError('cancelled', 'compression stopped');
        this.opts.onProgress?.(pos);
      }
      pos = this.parser.step(pos);
    }
    this.opts.onProgress?.(n);
    return this.coder.finish();
  }
}
