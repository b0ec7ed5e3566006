import { FirmwareError } from '../../errors';

/**
 * The "LZMA alone" header and the layout of the adaptive probabilities, shared by the
 * decoder and the encoder. All probabilities live in one Uint16Array; the constants below
 * are the offsets of each model inside it.
 */

/** 5 property bytes + 8-byte little-endian uncompressed size. */
export const LZMA_HEADER_SIZE = 13;

export interface LzmaProps {
  lc: number;
  lp: number;
  pb: number;
  dictSize: number;
}

export function decodeProps(byte0: number, dictSize: number, offset = 0): LzmaProps {
  if (byte0 >= 9 * 5 * 5) {
    throw new FirmwareError(
      'decompress',
      `LZMA properties byte 0x${byte0.toString(16)} is invalid`,
      { offset },
    );
  }
  const lc = byte0 % 9;
  const rest = (byte0 / 9) | 0;
  return { lc, lp: rest % 5, pb: (rest / 5) | 0, dictSize: dictSize >>> 0 };
}

export function encodePropsByte(p: { lc: number; lp: number; pb: number }): number {
  return (p.pb * 5 + p.lp) * 9 + p.lc;
}

export const NUM_STATES = 12;
export const POS_STATES_MAX = 16;
/** Matches are 2..273 bytes long. */
export const MATCH_LEN_MIN = 2;
export const MATCH_LEN_MAX = 273;
export const END_POS_MODEL_INDEX = 14;
export const NUM_FULL_DISTANCES = 128;
export const NUM_ALIGN_BITS = 4;
export const LEN_LOW_SYMBOLS = 8;
export const LEN_MID_SYMBOLS = 8;
export const LEN_HIGH_SYMBOLS = 256;

/** Initial probability: one half of the 11-bit scale. */
export const PROB_INIT = 1024;

// Offsets inside the probability array.
export const P_IS_MATCH = 0; // [state][posState]
export const P_IS_REP = P_IS_MATCH + NUM_STATES * POS_STATES_MAX;
export const P_IS_REP_G0 = P_IS_REP + NUM_STATES;
export const P_IS_REP_G1 = P_IS_REP_G0 + NUM_STATES;
export const P_IS_REP_G2 = P_IS_REP_G1 + NUM_STATES;
export const P_IS_REP0_LONG = P_IS_REP_G2 + NUM_STATES; // [state][posState]
export const P_POS_SLOT = P_IS_REP0_LONG + NUM_STATES * POS_STATES_MAX; // [lenState 0..3][64]
export const P_SPEC_POS = P_POS_SLOT + 4 * 64; // distances 4..127, reverse bit trees
export const P_ALIGN = P_SPEC_POS + NUM_FULL_DISTANCES - END_POS_MODEL_INDEX;
/** A length coder: choice, choice2, low[16][8], mid[16][8], high[256]. */
export const LEN_CHOICE = 0;
export const LEN_CHOICE2 = 1;
export const LEN_LOW = 2;
export const LEN_MID = LEN_LOW + POS_STATES_MAX * LEN_LOW_SYMBOLS;
export const LEN_HIGH = LEN_MID + POS_STATES_MAX * LEN_MID_SYMBOLS;
export const LEN_CODER_SIZE = LEN_HIGH + LEN_HIGH_SYMBOLS;
export const P_LEN = P_ALIGN + (1 << NUM_ALIGN_BITS);
export const P_REP_LEN = P_LEN + LEN_CODER_SIZE;
export const P_LITERAL = P_REP_LEN + LEN_CODER_SIZE; // [0x300 << (lc + lp)]

export function probCount(lc: number, lp: number): number {
  return P_LITERAL + (0x300 << (lc + lp));
}
