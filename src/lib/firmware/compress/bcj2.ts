/**
 * 7-Zip's BCJ2 x86 branch converter, decoding side. The encoder split x86 code into four
 * streams: the main bytes with every CALL (E8), JMP (E9) and Jcc (0F 8x) operand taken out, the
 * CALL targets and the JMP/Jcc targets (absolute, 4 bytes big-endian each), and a range-coded
 * bit per candidate opcode saying whether its operand was taken out. Decoding walks the main
 * stream, asks the range decoder at each candidate, and writes back the operand made relative
 * again. The range coder and its adaptive probabilities are LZMA's (11-bit, shift 5); the
 * probability used depends on the opcode and, for E8, on the byte before it.
 */
import { FirmwareError } from '../errors';

const TOP = 1 << 24;
const MODEL_BITS = 11;
const MODEL_TOTAL = 1 << MODEL_BITS;
const MOVE_BITS = 5;
/** 256 models for E8 by the byte before it, one for E9, one for the Jcc opcodes. */
const E9_MODEL = 256;
const JCC_MODEL = 257;

export interface Bcj2Streams {
  main: Uint8Array;
  call: Uint8Array;
  jump: Uint8Array;
  /** The range-coded selector bits. */
  rc: Uint8Array;
}

function cut(what: string, path: string | undefined): FirmwareError {
  return new FirmwareError('truncated', `BCJ2 ${what} ends before the output is complete`, {
    path,
  });
}

/** Restores `size` bytes of x86 code from BCJ2's four streams; throws when one ends early. */
export function bcj2Decode(s: Bcj2Streams, size: number, path?: string): Uint8Array {
  const { main, call, jump, rc } = s;
  const out = new Uint8Array(size);
  const probs = new Uint16Array(258).fill(MODEL_TOTAL >> 1);
  if (rc.length < 5) throw cut('selector stream', path);
  let rcPos = 5;
  // The first byte is always 0 (the encoder's carry byte); the next four start the code.
  let code = ((rc[1] << 24) | (rc[2] << 16) | (rc[3] << 8) | rc[4]) >>> 0;
  let range = 0xffffffff;
  let inPos = 0;
  let outPos = 0;
  let callPos = 0;
  let jumpPos = 0;
  let prev = 0;
  const mainLength = main.length;
  while (outPos < size) {
    // Copy plain bytes up to and including the next candidate opcode.
    let b = 0;
    let candidate = false;
    while (outPos < size && inPos < mainLength) {
      b = main[inPos++];
      out[outPos++] = b;
      if ((b & 0xfe) === 0xe8 || (prev === 0x0f && (b & 0xf0) === 0x80)) {
        candidate = true;
        break;
      }
      prev = b;
    }
    if (outPos === size) break;
    if (!candidate) throw cut('main stream', path);
    const model = b === 0xe8 ? prev : b === 0xe9 ? E9_MODEL : JCC_MODEL;
    const p = probs[model];
    const bound = (range >>> MODEL_BITS) * p;
    let taken: boolean;
    if (code < bound) {
      range = bound;
      probs[model] = p + ((MODEL_TOTAL - p) >>> MOVE_BITS);
      taken = false;
    } else {
      range = (range - bound) >>> 0;
      code = (code - bound) >>> 0;
      probs[model] = p - (p >>> MOVE_BITS);
      taken = true;
    }
    if (range < TOP) {
      if (rcPos >= rc.length) throw cut('selector stream', path);
      range = (range << 8) >>> 0;
      code = ((code << 8) | rc[rcPos++]) >>> 0;
    }
    if (!taken) {
      prev = b;
      continue;
    }
    let src: Uint8Array;
    let at: number;
    if (b === 0xe8) {
      if (callPos + 4 > call.length) throw cut('call stream', path);
      src = call;
      at = callPos;
      callPos += 4;
    } else {
      if (jumpPos + 4 > jump.length) throw cut('jump stream', path);
      src = jump;
      at = jumpPos;
      jumpPos += 4;
    }
    const absolute =
      ((src[at] << 24) | (src[at + 1] << 16) | (src[at + 2] << 8) | src[at + 3]) >>> 0;
    const relative = (absolute - (outPos + 4)) >>> 0;
    // The operand is written little-endian; the output may end inside it.
    for (let k = 0; k < 4 && outPos < size; k++) out[outPos++] = (relative >>> (8 * k)) & 0xff;
    prev = relative >>> 24;
  }
  return out;
}
