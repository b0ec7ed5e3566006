import { afterEach, beforeEach, vi } from 'vitest';

/**
 * What in-process CLI commands write to stdout, test by test: call inside a `describe` (or at a
 * file's top level); `text` is this test's output so far, `clear()` starts it again.
 */
export function captureStdout(): { readonly text: string; clear(): void } {
  let out = '';
  beforeEach(() => {
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());
  return {
    get text() {
      return out;
    },
    clear() {
      out = '';
    },
  };
}
