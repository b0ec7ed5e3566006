import { describe, expect, it } from 'vitest';
import { guidBytes } from '../bytes/guid';
import { FirmwareError } from '../errors';
import { decodeDepex } from './depex';

const G = '26BACCB1-6F42-11D4-BCE7-0080C73C8881';

describe('decodeDepex', () => {
  it('decodes PI opcodes with their GUID operands', () => {
    const bytes = new Uint8Array([
      0x02,
      ...guidBytes(G),
      0x02,
      ...guidBytes(G),
      0x03,
      0x05,
      0x06,
      0x04,
      0x08,
    ]);
    expect(decodeDepex(bytes)).toBe(`PUSH ${G}\nPUSH ${G}\nAND\nNOT\nTRUE\nOR\nEND`);
  });
  it('decodes BEFORE/AFTER/SOR/FALSE', () => {
    expect(decodeDepex(new Uint8Array([0x00, ...guidBytes(G), 0x08]))).toBe(`BEFORE ${G}\nEND`);
    expect(decodeDepex(new Uint8Array([0x01, ...guidBytes(G), 0x08]))).toBe(`AFTER ${G}\nEND`);
    expect(decodeDepex(new Uint8Array([0x09, 0x07, 0x08, 0xff]))).toBe('SOR\nFALSE\nEND');
  });
  it('rejects unknown opcodes and cut GUIDs with a FirmwareError', () => {
    expect(() => decodeDepex(new Uint8Array([0x0a]))).toThrow(FirmwareError);
    expect(() => decodeDepex(new Uint8Array([0x02, 1, 2, 3]))).toThrow(/GUID/);
  });
});
