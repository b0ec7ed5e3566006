/** Real GOPs changed in memory, as some vendor BIOSes ship them (for the GOP reader's tests). */

/** `text` as UTF-16LE bytes (ASCII only). */
function utf16(text: string): number[] {
  return [...text].flatMap((c) => [c.charCodeAt(0), 0]);
}

/**
 * A copy of `pe` with every UTF-16 `text` overwritten by `replacement` (same length; NULs when
 * not given). Throws when `text` is not there, so a test cannot pass on an unchanged image.
 */
export function withoutUtf16(pe: Uint8Array, text: string, replacement?: string): Uint8Array {
  const from = utf16(text);
  const to = replacement === undefined ? from.map(() => 0) : utf16(replacement);
  if (to.length !== from.length) throw new Error('the replacement must be as long as the text');
  const out = new Uint8Array(pe); // a copy, also of a Node Buffer (whose slice() shares memory)
  let hits = 0;
  for (let i = 0; i + from.length <= out.length; i++) {
    if (from.every((b, j) => out[i + j] === b)) {
      out.set(to, i);
      hits++;
    }
  }
  if (!hits) throw new Error(`"${text}" is not in the image`);
  return out;
}

/** The GOP with its "Intel(R) GOP Driver" overwritten, as some Arrow Lake BIOSes ship it. */
export function withoutNameString(pe: Uint8Array, replacement = 'Vendor Video Driver'): Uint8Array {
  return withoutUtf16(pe, 'Intel(R) GOP Driver', replacement);
}
