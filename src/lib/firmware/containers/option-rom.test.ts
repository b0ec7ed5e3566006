import { describe, expect, it } from 'vitest';
import { fixtureJson, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { sha256Hex } from '../bytes/sha256';
import { childSource, type FirmwareNode } from '../tree/node';
import { openContainer } from './index';
import { recordingContext, rootOf } from './testing';

interface RomImage {
  offset: number;
  vendor: string;
  device: string;
  codeType: number;
  length: number;
  last: boolean;
  compression: number;
  pe_sha256: string;
  pe_size: number;
}
interface RealEntry {
  file: string;
  kind: string;
  images?: RomImage[];
}
interface VendorEntry {
  file: string;
  kind: string;
  gops: { sha256: string }[];
}

async function openRom(bytes: Uint8Array): Promise<FirmwareNode[]> {
  const root = rootOf(bytes);
  const { ctx, payloads } = recordingContext();
  expect(await openContainer(root, bytes, 0, ctx)).toBe(true);
  expect(payloads).toEqual([]);
  return root.children;
}

const num = (s: string) => parseInt(s, 16);

describe.skipIf(!haveFixtures)('option ROMs listed in expected-real.json', () => {
  const roms = haveFixtures
    ? fixtureJson<RealEntry[]>('expected-real.json').filter((e) => e.kind === 'option-rom')
    : [];
  it('has option ROM entries to check', () => expect(roms.length).toBeGreaterThanOrEqual(5));
  for (const rom of roms) {
    it(`${rom.file}: every image matches`, async () => {
      const nodes = (await openRom(readFixture(rom.file))).filter((n) => n.kind === 'rom-image');
      expect(nodes.length).toBe(rom.images!.length);
      for (const [i, want] of rom.images!.entries()) {
        const n = nodes[i];
        expect(n.absOffset).toBe(want.offset);
        expect(num(n.fields['vendor ID'] as string)).toBe(num(want.vendor));
        expect(num(n.fields['device ID'] as string)).toBe(num(want.device));
        expect(n.fields['code type']).toBe(want.codeType);
        expect(n.fields['image length']).toBe(want.length);
        expect(n.fields['last']).toBe(want.last);
        expect(n.fields['compression']).toBe(want.compression);
        const pe = n.children.find((c) => c.kind === 'pe')!;
        expect(pe.type).toBe('PE32+ image');
        expect(pe.raw.length).toBe(want.pe_size);
        expect(await sha256Hex(pe.raw)).toBe(want.pe_sha256);
        expect(n.warnings).toEqual([]);
      }
    });
  }
});

describe.skipIf(!haveFixtures)('vendor-like option ROMs (legacy + EFI-compressed GOP)', () => {
  for (const [dir, file] of [
    ['vendor-like', 'efi-oprom.rom'],
    ['vendor-like-2', 'efi-compressed-oprom-hsw.rom'],
  ]) {
    it(`${file}: legacy image then a compressed EFI image holding the GOP`, async () => {
      const want = fixtureJson<VendorEntry[]>(`${dir}/expected.json`).find((e) => e.file === file)!;
      const bytes = readFixture(`${dir}/${file}`);
      const nodes = (await openRom(bytes)).filter((n) => n.kind === 'rom-image');
      expect(nodes.length).toBe(2);
      const [legacy, efi] = nodes;
      expect(legacy.fields['code type']).toBe(0);
      expect(legacy.fields['last']).toBe(false);
      expect(legacy.fields['vendor ID']).toBe('0x8086');
      expect(legacy.fields['device ID']).toBe('0x0406');
      expect(legacy.children.map((c) => c.kind)).toEqual(['opaque']);
      expect(efi.absOffset).toBe(legacy.raw.length);
      expect(efi.fields['code type']).toBe(3);
      expect(efi.fields['last']).toBe(true);
      expect(efi.fields['compression']).toBe(1);
      expect(efi.fields['EFI signature']).toBe('0xEF1');
      expect(efi.fields['subsystem']).toBe(11);
      expect(efi.fields['machine']).toBe('0x8664');
      expect(efi.decoded?.method).toBe('EFI 1.1');
      const pe = efi.children[0];
      expect(pe.kind).toBe('pe');
      expect(childSource(efi)).toBe(pe.raw);
      expect(await sha256Hex(pe.raw)).toBe(want.gops[0].sha256);
    });
  }
});

/** One EFI image: header, PCIR, then a PE stub at 0x40. */
function efiRom(opts: {
  len512: number;
  last: boolean;
  compression?: number;
  pe?: Uint8Array;
}): Uint8Array {
  const b = new Uint8Array(opts.len512 * 512);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, 0xaa55, true);
  dv.setUint16(2, opts.len512, true);
  dv.setUint32(4, 0x0ef1, true);
  dv.setUint16(8, 11, true);
  dv.setUint16(0x0a, 0x8664, true);
  dv.setUint16(0x0c, opts.compression ?? 0, true);
  dv.setUint16(0x16, 0x40, true);
  dv.setUint16(0x18, 0x1c, true);
  b.set([0x50, 0x43, 0x49, 0x52], 0x1c);
  dv.setUint16(0x20, 0x8086, true);
  dv.setUint16(0x22, 0x1234, true);
  dv.setUint16(0x26, 0x18, true);
  dv.setUint16(0x2c, opts.len512, true);
  b[0x30] = 3;
  b[0x31] = opts.last ? 0x80 : 0;
  b.set(opts.pe ?? [0x4d, 0x5a], 0x40);
  return b;
}

describe('option ROM chains, synthetic', () => {
  it('follows the chain until the last-image bit and keeps trailing bytes as padding', async () => {
    const a = efiRom({ len512: 1, last: false });
    const c = efiRom({ len512: 2, last: true });
    const bytes = new Uint8Array(a.length + c.length + 512).fill(0xff);
    bytes.set(a, 0);
    bytes.set(c, a.length);
    const nodes = await openRom(bytes);
    expect(nodes.map((n) => [n.kind, n.offset, n.raw.length])).toEqual([
      ['rom-image', 0, 512],
      ['rom-image', 512, 1024],
      ['padding', 1536, 512],
    ]);
    expect(nodes[1].children[0].raw.length).toBe(1024 - 0x40);
  });

  it('clips an image whose length runs past the data, with a warning', async () => {
    const r = efiRom({ len512: 4, last: true }).subarray(0, 1024);
    const [n] = await openRom(r);
    expect(n.raw.length).toBe(1024);
    expect(n.warnings.join()).toMatch(/runs past the end/);
  });

  it('keeps undecodable EFI-compressed data as an opaque node with a warning', async () => {
    const r = efiRom({
      len512: 1,
      last: true,
      compression: 1,
      pe: new Uint8Array([0xff, 0xff, 0, 0, 1, 0, 0, 0]),
    });
    const [n] = await openRom(r);
    expect(n.children.map((c) => c.kind)).toEqual(['opaque']);
    expect(n.warnings.join()).toMatch(/decompression failed/);
  });

  it('does not claim 0x55AA without a PCIR structure', async () => {
    const b = new Uint8Array(512);
    b[0] = 0x55;
    b[1] = 0xaa;
    const { ctx } = recordingContext();
    expect(await openContainer(rootOf(b), b, 0, ctx)).toBe(false);
  });
});
