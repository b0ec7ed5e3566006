/** Absolute offsets in the input file, for nodes that may lie in decoded (non-file) bytes. */

/** `offset` bytes after `abs`, or undefined when `abs` is (the bytes are not in the file). */
export function absAt(abs: number | undefined, offset: number): number | undefined {
  return abs === undefined ? undefined : abs + offset;
}
