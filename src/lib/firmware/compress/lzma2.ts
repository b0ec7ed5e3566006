/**
 * LZMA2 (as xz and 7z write it): a sequence of chunks, each either stored or LZMA-coded, that
 * share one dictionary. A control byte says what each chunk resets — the dictionary, the coder
 * state, the literal/position properties — so later chunks continue where earlier ones stopped.
 */
import type { Budget } from '../budget';
import { FirmwareError } from '../errors';
import { decodeRaw, type LzmaChain } from './lzma/decoder';
import { decodeProps, type LzmaProps } from './lzma/props';

function bad(what: string, at: number): FirmwareError {
  return new FirmwareError('decompress', `LZMA2 data is corrupt: ${what}`, { offset: at });
}

/**
 * Decodes an LZMA2 stream of exactly `size` bytes (the container states it). The output is
 * reserved in `budget` before it is allocated.
 */
export function lzma2Decompress(
  input: Uint8Array,
  size: number,
  opts: { budget?: Budget; offset?: number } = {},
): Uint8Array {
  const base = opts.offset ?? 0;
  opts.budget?.takeDecompressed(size, { offset: base });
  const chain: LzmaChain = { out: new Uint8Array(size), outPos: 0, state: 0, reps: [0, 0, 0, 0] };
  let props: LzmaProps | undefined;
  let pos = 0;
  for (;;) {
    if (pos >= input.length) throw bad('the stream ends without its end byte', base + pos);
    const control = input[pos];
    if (control === 0) break;
    if (control === 1 || control === 2) {
      // A stored chunk: its bytes go to the output (and the dictionary) as they are.
      if (pos + 3 > input.length) throw bad('a stored chunk header is cut short', base + pos);
      const n = ((input[pos + 1] << 8) | input[pos + 2]) + 1;
      if (pos + 3 + n > input.length) throw bad('a stored chunk is cut short', base + pos);
      if (chain.outPos + n > size) throw bad('more output than declared', base + pos);
      chain.out.set(input.subarray(pos + 3, pos + 3 + n), chain.outPos);
      chain.outPos += n;
      pos += 3 + n;
      continue;
    }
    if (control < 0x80) throw bad(`control byte 0x${control.toString(16)}`, base + pos);
    const header = (control >> 5) & 3 ? 6 : 5;
    if (pos + header > input.length) throw bad('a chunk header is cut short', base + pos);
    const unpacked = ((control & 0x1f) << 16) + ((input[pos + 1] << 8) | input[pos + 2]) + 1;
    const packed = ((input[pos + 3] << 8) | input[pos + 4]) + 1;
    const reset = (control >> 5) & 3;
    if (reset >= 2) {
      props = decodeProps(input[pos + 5], 0, base + pos + 5);
      if (props.lc + props.lp > 4) throw bad('lc + lp is larger than 4', base + pos + 5);
    }
    if (!props) throw bad('the first LZMA chunk sets no properties', base + pos);
    if (reset >= 1) {
      chain.state = 0;
      chain.reps = [0, 0, 0, 0];
      chain.probs = undefined;
    }
    const start = pos + header;
    if (start + packed > input.length) throw bad('a chunk is cut short', base + start);
    if (chain.outPos + unpacked > size) throw bad('more output than declared', base + pos);
    decodeRaw(input.subarray(start, start + packed), 0, props, unpacked, {
      offset: base + start,
      chain,
    });
    pos = start + packed;
  }
  if (chain.outPos !== size)
    throw bad(`${chain.outPos} bytes decoded, ${size} declared`, base + pos);
  return chain.out;
}
