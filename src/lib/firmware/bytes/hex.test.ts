import { describe, expect, it } from 'vitest';
import { hex, hexDigits, pciId } from './hex';

describe('hex text', () => {
  it('hex: 0x and upper-case digits, padded to the width asked for', () => {
    expect([hex(0x46a6), hex(0xf1, 4), hex(0, 2), hex(0x12345, 4)]).toEqual([
      '0x46A6',
      '0x00F1',
      '0x00',
      '0x12345',
    ]);
  });
  it('hexDigits: digits only, lower case unless asked', () => {
    expect([hexDigits(0xab, 4), hexDigits(0xab, 4, true), hexDigits(0x1c0, 0)]).toEqual([
      '00ab',
      '00AB',
      '1c0',
    ]);
  });
  it('pciId: four lower-case digits, as lspci prints IDs', () => {
    expect([pciId(0x8086), pciId(0x46a6), pciId(0x3e9)]).toEqual(['8086', '46a6', '03e9']);
  });
});
