import { describe, expect, it } from 'vitest';
import { noise } from '../compress/lzma/test-support';
import { bytesEqual, firstDifference } from './compare';

describe('firstDifference', () => {
  it('finds the first differing byte, aligned or not', () => {
    const a = noise(10_001, 3);
    const b = a.slice();
    expect(firstDifference(a, b)).toBe(a.length);
    b[7777] ^= 1;
    expect(firstDifference(a, b)).toBe(7777);
    expect(firstDifference(a.subarray(1), b.subarray(1))).toBe(7776);
    expect(firstDifference(a, b.subarray(0, 5000))).toBe(5000);
    // Views at different alignments, and a start point past the difference.
    expect(firstDifference(a.subarray(2), b.subarray(3))).toBeLessThan(10);
    expect(firstDifference(a, b, 7778)).toBe(a.length);
    expect(firstDifference(a, b, 20_000)).toBe(a.length);
    for (let k = 0; k < 8; k++)
      expect(firstDifference(a.subarray(k), b.subarray(k))).toBe(7777 - k);
    expect(bytesEqual(a, a.slice())).toBe(true);
    expect(bytesEqual(a, b)).toBe(false);
    expect(bytesEqual(a, a.subarray(1))).toBe(false);
  });
});
