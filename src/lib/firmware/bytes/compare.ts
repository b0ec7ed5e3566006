/**
 * Comparing large byte arrays (payloads of 13+ MB): four bytes at a time where both views
 * allow it, which is several times faster than a loop over bytes.
 */

/**
 * Index of the first byte at or after `from` where `a` and `b` differ; the shorter length
 * when one is a prefix of the other from there on.
 */
export function firstDifference(a: Uint8Array, b: Uint8Array, from = 0): number {
  const n = Math.min(a.length, b.length);
  let i = Math.min(from, n);
  // Words only when both arrays sit at the same alignment (fresh buffers do).
  if ((a.byteOffset & 3) === (b.byteOffset & 3)) {
    while (i < n && ((a.byteOffset + i) & 3) !== 0) {
      if (a[i] !== b[i]) return i;
      i++;
    }
    const words = (n - i) >> 2;
    if (words > 0) {
      const wa = new Uint32Array(a.buffer, a.byteOffset + i, words);
      const wb = new Uint32Array(b.buffer, b.byteOffset + i, words);
      let k = 0;
      while (k < words && wa[k] === wb[k]) k++;
      i += k << 2;
    }
  }
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && firstDifference(a, b) === a.length;
}

/** True when every byte of the range equals `value`. */
export function allBytes(b: Uint8Array, value: number, start = 0, end = b.length): boolean {
  for (let i = start; i < end; i++) if (b[i] !== value) return false;
  return true;
}
