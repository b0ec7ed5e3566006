import { describe, expect, it } from 'vitest';
import { lzmaDecompress } from './decoder';
import { lzmaCompress, type LzmaResumePoint } from './encoder';
import { lzmaRecompress, lzmaResumePoint } from './resume';
import { haveXz, noise, noXzReason, text, xzCompress, xzDecompress } from './test-support';

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** Code, text, noise and runs, like a firmware volume. */
function mixed(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const parts = [text(40_000), noise(20_000, 7), new Uint8Array(9_000).fill(0xff)];
  for (let at = 0, k = 0; at < n; k++) {
    const p = parts[k % parts.length];
    const take = Math.min(p.length - (k % 5) * 1000, n - at);
    out.set(p.subarray(0, take), at);
    at += take;
  }
  return out;
}

/** `data` with its bytes from `from` on changed, and 30 KB of new data appended. */
function changedFrom(data: Uint8Array, from: number): Uint8Array {
  const out = new Uint8Array(data.length + 30_000);
  out.set(data);
  for (let i = from; i < data.length; i += 3) out[i] ^= 0x5a;
  out.set(text(30_000), data.length);
  return out;
}

function expectDecodes(stream: Uint8Array, data: Uint8Array) {
  expect(same(lzmaDecompress(stream), data)).toBe(true);
  if (haveXz) expect(same(xzDecompress(stream), data)).toBe(true);
}

describe.skipIf(!haveXz)('continuing an LZMA stream written by xz', () => {
  // xz's stream is the independent one: its range coder state is read back by our decoder.
  const data = mixed(120_000);
  const stream = xzCompress(data, ['--lzma1=preset=6,lc=3,lp=0,pb=2']);

  it('resumes at every kind of coder state: plain, carry pending, carry already taken', () => {
    const picked = { plain: [] as LzmaResumePoint[], pending: [] as LzmaResumePoint[] };
    const borrowed: LzmaResumePoint[] = [];
    for (let at = 1000; at < data.length - 1000; at += 53) {
      const rp = lzmaResumePoint(stream, at);
      expect(rp.pos).toBeGreaterThanOrEqual(at);
      expect(rp.pos).toBeLessThan(at + 273);
      if (rp.borrowed) borrowed.push(rp);
      else if (rp.coder.cacheSize > 1) picked.pending.push(rp);
      else picked.plain.push(rp);
    }
    // Each case occurs in this stream: the test covers all three paths of the derivation.
    expect(borrowed.length).toBeGreaterThan(0);
    expect(picked.pending.length).toBeGreaterThan(0);
    expect(picked.plain.length).toBeGreaterThan(0);
    const spread = (list: LzmaResumePoint[]) =>
      list.filter((_, i) => i % Math.ceil(list.length / 4) === 0);
    for (const rp of [...spread(borrowed), ...spread(picked.pending), ...spread(picked.plain)]) {
      const next = changedFrom(data, rp.pos);
      const out = lzmaCompress(next, { preset: 'fast', dictSize: 1 << 23, resume: rp });
      expectDecodes(out, next);
      // The kept bytes are xz's, byte for byte.
      const kept = rp.coder.emitted.length;
      expect(same(out.subarray(13, 13 + kept), stream.subarray(13, 13 + kept))).toBe(true);
    }
  });

  it('keeps the stream up to the first change and encodes the rest', () => {
    const next = changedFrom(data, 90_000);
    for (const preset of ['default', 'fast'] as const) {
      const r = lzmaRecompress(stream, next, { preset });
      expectDecodes(r.stream, next);
      expect(r.reusedInput).toBeGreaterThan(90_000 - 273 - 1);
      expect(r.reusedInput).toBeLessThanOrEqual(90_000);
      expect(r.reusedStream).toBeGreaterThan(0);
      expect(same(r.stream.subarray(1, 5), stream.subarray(1, 5))).toBe(true); // dictionary
    }
  });
});

describe('lzmaRecompress', () => {
  const data = mixed(300_000);
  const stream = lzmaCompress(data);

  it('gives the same stream back for the same input', () => {
    const r = lzmaRecompress(stream, data.slice());
    expect(same(r.stream, stream)).toBe(true);
    expect(r.reusedInput).toBe(data.length);
  });

  it('is deterministic and as small as a fresh encode, give or take a little', () => {
    const next = changedFrom(data, 200_000);
    const a = lzmaRecompress(stream, next, { previous: data });
    const b = lzmaRecompress(stream, next);
    expect(same(a.stream, b.stream)).toBe(true);
    expectDecodes(a.stream, next);
    const fresh = lzmaCompress(next);
    expect(a.stream.length).toBeLessThan(fresh.length * 1.02);
  });

  it('encodes afresh when the change comes too early, or the stream has other props', () => {
    const early = changedFrom(data, 1000);
    const r = lzmaRecompress(stream, early);
    expect(r.reusedInput).toBe(0);
    expect(same(r.stream, lzmaCompress(early))).toBe(true);
    if (haveXz) {
      const other = xzCompress(data, ['--lzma1=preset=1,lc=0,lp=0,pb=0']);
      const next = changedFrom(data, 200_000);
      const r2 = lzmaRecompress(other, next);
      expect(r2.reusedInput).toBe(0);
      expectDecodes(r2.stream, next);
    } else console.warn(`[skip] other-props stream: ${noXzReason}`);
  });

  it('reports progress while decoding the kept part, then while encoding the rest', () => {
    const next = changedFrom(data, 200_000);
    const seen: number[] = [];
    const r = lzmaRecompress(stream, next, { onProgress: (n) => seen.push(n) });
    const decoding = seen.filter((n) => n < r.reusedInput);
    expect(decoding.length).toBeGreaterThan(0);
    expect(seen).toContain(r.reusedInput);
    expect(seen.filter((n) => n > r.reusedInput).length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(next.length);
    expect(seen.every((n, i) => i === 0 || n >= seen[i - 1])).toBe(true);
  });
});
