import { describe, expect, it } from 'vitest';
import { haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { openContainer } from './index';
import { readDescriptor } from './descriptor';
import { parseReport, recordingContext, rootOf } from './testing';

const SPI = [
  'vendor-like/aptio5-spi.bin',
  'vendor-like-2/aptio5-spi-adl.bin',
  'vendor-like-2/aptio5-spi-mtl-8m.bin',
];

describe.skipIf(!haveFixtures)('flash descriptor on vendor-like SPI images', () => {
  for (const rel of SPI) {
    it(`${rel}: regions match the UEFIExtract report`, async () => {
      const bytes = readFixture(rel);
      const report = parseReport(new TextDecoder().decode(readFixture(rel + '.report.txt')));
      const want = report
        .filter((r) => r.type === 'Region')
        .map((r) => ({ name: r.subtype, base: r.base, size: r.size }));
      const root = rootOf(bytes);
      const { ctx, payloads } = recordingContext();
      expect(await openContainer(root, bytes, 0, ctx)).toBe(true);
      const got = root.children
        .filter((n) => n.kind === 'region')
        .map((n) => ({ name: n.name, base: n.absOffset, size: n.raw.length }));
      expect(got).toEqual(want);
      // Exactly the BIOS region goes on to the volume parser, at its absolute offset.
      const bios = want.find((r) => r.name === 'BIOS')!;
      expect(payloads.map((p) => [p.abs, p.bytes.length])).toEqual([[bios.base, bios.size]]);
      expect(payloads[0].parent.name).toBe('BIOS');
      expect(root.warnings).toEqual([]);
    });
  }

  it('reads the descriptor version like UEFITool (v1 for the 20 MHz read clock)', () => {
    expect(readDescriptor(readFixture('vendor-like/aptio5-spi.bin')).version).toBe(1);
    expect(readDescriptor(readFixture('vendor-like-2/aptio5-spi-adl.bin')).version).toBe(2);
  });
});

/** A 64 KiB image with a v2 descriptor and the given FLREG values. */
function synthetic(flregs: number[], size = 0x10000): Uint8Array {
  const b = new Uint8Array(size).fill(0xff);
  const dv = new DataView(b.buffer);
  dv.setUint32(0x10, 0x0ff0a55a, true);
  dv.setUint32(0x14, (0x04 << 16) | 0x03, true); // FRBA 0x40, FCBA 0x30
  dv.setUint32(0x30, 6 << 17, true); // read clock field non-zero: v2
  for (let i = 0; i < 16; i++) dv.setUint32(0x40 + i * 4, flregs[i] ?? 0x00007fff, true);
  return b;
}
const reg = (base: number, limit: number) => ((limit << 16) | base) >>> 0;

describe('flash descriptor, synthetic', () => {
  it('places a whole-image BIOS region after ME (Gigabyte layout)', async () => {
    const b = synthetic([reg(0, 0), reg(0, 0xf), reg(1, 3)]);
    const root = rootOf(b);
    const { ctx, payloads } = recordingContext();
    await openContainer(root, b, 0, ctx);
    expect(payloads.map((p) => [p.abs, p.bytes.length])).toEqual([[0x4000, 0xc000]]);
    expect(root.warnings.join()).toMatch(/Gigabyte/);
  });

  it('warns about overlapping and out-of-range regions and clips them', async () => {
    const b = synthetic([reg(0, 0), reg(8, 0x1f), reg(1, 8), reg(0x40, 0x41)]);
    const root = rootOf(b);
    const { ctx, payloads } = recordingContext();
    await openContainer(root, b, 0, ctx);
    const w = root.warnings.join('\n');
    expect(w).toMatch(/overlaps/);
    expect(w).toMatch(/runs past the end/);
    expect(w).toMatch(/outside/);
    expect(payloads[0].bytes.length).toBe(0x8000); // BIOS 0x8000..0x20000 clipped to 0x10000
  });

  it('ignores regions 5+ in a v1 descriptor and skips unused entries', () => {
    const b = synthetic([
      reg(0, 0),
      reg(2, 0xf),
      reg(1, 1),
      reg(0x7fff, 0),
      reg(0x7fff, 0),
      reg(0, 0x7fff),
    ]);
    new DataView(b.buffer).setUint32(0x30, 0, true);
    const d = readDescriptor(b);
    expect(d.version).toBe(1);
    expect(d.regions.map((r) => r.name)).toEqual(['Descriptor', 'ME', 'BIOS']);
  });

  it('reports a descriptor without a BIOS region as a warning, with no payload', async () => {
    const b = synthetic([reg(0, 0), 0xffffffff, reg(1, 3)]);
    const root = rootOf(b);
    const { ctx, payloads } = recordingContext();
    expect(await openContainer(root, b, 0, ctx)).toBe(true);
    expect(payloads).toEqual([]);
    expect(root.warnings).toContain('the flash descriptor lists no BIOS region');
    expect(root.children.map((c) => c.type)).toEqual(['Descriptor region', 'ME region', 'padding']);
  });
});
