import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../errors';
import { bcj2Decode, type Bcj2Streams } from './bcj2';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * BCJ2's encoding side, written for these tests from the stream description: main bytes with the
 * chosen operands taken out, targets made absolute (big-endian) into the call or jump stream,
 * and one range-coded bit per candidate opcode (LZMA's range encoder, 11-bit models, shift 5).
 */
function bcj2Encode(data: Uint8Array, take: (at: number) => boolean = () => true): Bcj2Streams {
  const main: number[] = [];
  const call: number[] = [];
  const jump: number[] = [];
  const rc: number[] = [];
  const probs = new Uint16Array(258).fill(1024);
  let low = 0;
  let range = 0xffffffff;
  let cache = 0;
  let cacheSize = 1;
  const shiftLow = () => {
    if (low < 0xff000000 || low >= 2 ** 32) {
      const carry = low >= 2 ** 32 ? 1 : 0;
      let temp = cache;
      do {
        rc.push((temp + carry) & 0xff);
        temp = 0xff;
      } while (--cacheSize !== 0);
      cache = Math.floor(low / 2 ** 24) & 0xff;
    }
    cacheSize++;
    low = (low % 2 ** 24) * 256;
  };
  const bit = (model: number, value: boolean) => {
    const p = probs[model];
    const bound = (range >>> 11) * p;
    if (!value) {
      range = bound;
      probs[model] = p + ((2048 - p) >>> 5);
    } else {
      low += bound;
      range = (range - bound) >>> 0;
      probs[model] = p - (p >>> 5);
    }
    while (range < 2 ** 24) {
      range = (range << 8) >>> 0;
      shiftLow();
    }
  };
  let prev = 0;
  for (let i = 0; i < data.length;) {
    const b = data[i];
    main.push(b);
    i++;
    const candidate = (b & 0xfe) === 0xe8 || (prev === 0x0f && (b & 0xf0) === 0x80);
    if (!candidate) {
      prev = b;
      continue;
    }
    if (i === data.length) break;
    const model = b === 0xe8 ? prev : b === 0xe9 ? 256 : 257;
    const taken = i + 4 <= data.length && take(i - 1);
    bit(model, taken);
    if (!taken) {
      prev = b;
      continue;
    }
    const relative =
      (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;
    const absolute = (relative + i + 4) >>> 0;
    (b === 0xe8 ? call : jump).push(
      absolute >>> 24,
      (absolute >>> 16) & 0xff,
      (absolute >>> 8) & 0xff,
      absolute & 0xff,
    );
    prev = data[i + 3];
    i += 4;
  }
  for (let k = 0; k < 5; k++) shiftLow();
  return {
    main: Uint8Array.from(main),
    call: Uint8Array.from(call),
    jump: Uint8Array.from(jump),
    rc: Uint8Array.from(rc),
  };
}

/** Code-like bytes: calls, jumps and Jcc with near targets among ordinary instructions. */
function x86Like(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < size;) {
    const r = next() % 16;
    if (r < 3 && i + 5 <= size) {
      out[i] = r === 0 ? 0xe8 : 0xe9;
      new DataView(out.buffer).setInt32(i + 1, (next() % 0x20000) - 0x10000, true);
      i += 5;
    } else if (r === 3 && i + 6 <= size) {
      out[i] = 0x0f;
      out[i + 1] = 0x80 | (next() & 15);
      new DataView(out.buffer).setInt32(i + 2, (next() % 0x1000) - 0x800, true);
      i += 6;
    } else out[i++] = next() & 0xff;
  }
  return out;
}

function errorOf(f: () => unknown): FirmwareError {
  try {
    f();
  } catch (e) {
    if (e instanceof FirmwareError) return e;
    throw e;
  }
  throw new Error('expected a FirmwareError');
}

describe('BCJ2', () => {
  it('restores x86-like code from its four streams, some operands left in place', () => {
    const data = x86Like(0x40000);
    const streams = bcj2Encode(data, (at) => at % 3 !== 0);
    expect(streams.call.length).toBeGreaterThan(1000);
    expect(streams.jump.length).toBeGreaterThan(1000);
    expect(streams.main.length).toBeLessThan(data.length);
    expect(sha(bcj2Decode(streams, data.length))).toBe(sha(data));
  });

  it('ends on an opcode or inside an operand', () => {
    for (const tail of [[0xe8], [0xe8, 1, 2], [0x0f, 0x85, 9]]) {
      const data = Uint8Array.from([...x86Like(0x100, 3), ...tail]);
      expect(sha(bcj2Decode(bcj2Encode(data), data.length))).toBe(sha(data));
    }
  });

  it('a stream cut short is a truncated error naming it', () => {
    const data = x86Like(0x4000, 5);
    const s = bcj2Encode(data);
    const cases: [keyof Bcj2Streams, RegExp][] = [
      ['main', /main stream/],
      ['call', /call stream/],
      ['jump', /jump stream/],
      ['rc', /selector stream/],
    ];
    for (const [stream, message] of cases) {
      const cut = { ...s, [stream]: s[stream].subarray(0, s[stream].length >> 1) };
      const e = errorOf(() => bcj2Decode(cut, data.length, '7z archive'));
      expect([e.code, e.path]).toEqual(['truncated', '7z archive']);
      expect(e.message).toMatch(message);
    }
    expect(errorOf(() => bcj2Decode({ ...s, rc: s.rc.subarray(0, 4) }, 1)).code).toBe('truncated');
  });
});
