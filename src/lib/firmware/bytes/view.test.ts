import { describe, expect, it } from 'vitest';
import { ByteView, ByteWriter } from './view';
import { guidAt, guidBytes } from './guid';
import { crc32, sum16, checksum16 } from './checksum';
import { FirmwareError } from '../errors';

describe('ByteView', () => {
  it('reads little-endian values and fails with the absolute offset', () => {
    const v = new ByteView(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 0x100);
    expect(v.u16(0)).toBe(0x0201);
    expect(v.u32(4)).toBe(0x08070605);
    expect(v.u24(1)).toBe(0x040302);
    try {
      v.u32(6, 'FvLength');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FirmwareError);
      expect((e as FirmwareError).code).toBe('truncated');
      expect((e as FirmwareError).offset).toBe(0x106);
      expect((e as FirmwareError).message).toContain('FvLength');
    }
    expect(() => v.slice(-1, 2)).toThrow(FirmwareError);
  });

  it('writes and patches', () => {
    const w = new ByteWriter(2);
    w.u32(0xdeadbeef).u16(0x1234).u8(0x99).align(8, 0xff).u64(0x1_0000_0002);
    w.patchU16(4, 0xabcd);
    expect(Array.from(w.finish())).toEqual([
      0xef, 0xbe, 0xad, 0xde, 0xcd, 0xab, 0x99, 0xff, 2, 0, 0, 0, 1, 0, 0, 0,
    ]);
  });
});

describe('GUIDs and checksums', () => {
  it('round-trips the EFI mixed-endian GUID layout', () => {
    const text = '8C8CE578-8A3D-4F1C-9935-896185C32DD3';
    const b = guidBytes(text);
    expect(Array.from(b.subarray(0, 4))).toEqual([0x78, 0xe5, 0x8c, 0x8c]);
    expect(guidAt(b)).toBe(text);
    expect(() => guidBytes('nope')).toThrow(FirmwareError);
  });

  it('computes CRC-32 and 16-bit checksums', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const b = new Uint8Array([1, 0, 2, 0, 0, 0]);
    const c = checksum16(b);
    b[4] = c & 0xff;
    b[5] = c >> 8;
    expect(sum16(b)).toBe(0);
  });
});
