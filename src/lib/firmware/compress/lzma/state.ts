/**
 * The LZMA state machine and distance slots: small pure functions the symbol coder, the price
 * tables and the parsers all use (a leaf module, so those three do not import each other).
 */

// The state after each kind of symbol (0..6: the last symbol was a literal, 7..11: a match).
export function nextLiteral(s: number): number {
  return s < 4 ? 0 : s < 10 ? s - 3 : s - 6;
}
export function nextMatch(s: number): number {
  return s < 7 ? 7 : 10;
}
export function nextRep(s: number): number {
  return s < 7 ? 8 : 11;
}
export function nextShortRep(s: number): number {
  return s < 7 ? 9 : 11;
}

/** The 6-bit slot of a (0-based) distance: its top two bits and their position. */
export function distSlot(dist: number): number {
  if (dist < 4) return dist;
  const n = 31 - Math.clz32(dist);
  return (n << 1) | ((dist >>> (n - 1)) & 1);
}
