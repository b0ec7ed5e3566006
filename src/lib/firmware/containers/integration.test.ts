import { describe, expect, it } from 'vitest';
import { fixtureJson, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { sha256Hex } from '../bytes/sha256';
import { parseFirmware } from '../parse';
import { findAll } from '../tree/node';
import { parseReport } from './testing';

interface Entry {
  file: string;
  gops: { sha256: string }[];
}

/** Every vendor-like container image, parsed end to end: the expected GOP is among the PE images. */
const FILES = [
  'vendor-like/efi-oprom.rom',
  'vendor-like-2/efi-compressed-oprom-hsw.rom',
  'vendor-like/efi-capsule.cap',
  'vendor-like-2/efi-capsule-glk.cap',
  'vendor-like-2/fmp-capsule-skl-kbl.cap',
  'vendor-like/aptio5-spi.bin',
  'vendor-like-2/aptio5-spi-mtl-8m.bin',
];

describe.skipIf(!haveFixtures)('containers through parseFirmware', () => {
  for (const rel of FILES) {
    it(`${rel}: the GOP image is reachable`, async () => {
      const [dir, file] = rel.split('/');
      const want = fixtureJson<Entry[]>(`${dir}/expected.json`).find((e) => e.file === file)!;
      const root = await parseFirmware(readFixture(rel));
      expect(root.children[0].kind).not.toBe('opaque');
      const hashes = new Set<string>();
      for (const n of findAll(root, (x) => x.kind === 'pe' || x.type.includes('PE32'))) {
        // A PE node holds the image; a PE32 section node holds it after its 4-byte header.
        hashes.add(await sha256Hex(n.kind === 'pe' ? n.raw : n.raw.subarray(n.headerSize)));
      }
      expect(hashes).toContain(want.gops[0].sha256);
    });
  }

  for (const rel of [
    ...FILES.slice(2),
    'vendor-like/aptio5-asus.cap',
    'vendor-like-2/aptio5-cap-tgl.CAP',
  ]) {
    it(`${rel}: every volume UEFIExtract places in the file is found at the same offset`, async () => {
      const rows = parseReport(new TextDecoder().decode(readFixture(rel + '.report.txt')));
      const want = rows
        .filter((r) => r.type === 'Volume' && r.base !== undefined)
        .map((r) => r.base);
      expect(want.length).toBeGreaterThan(0);
      const root = await parseFirmware(readFixture(rel));
      const got = new Set(findAll(root, (n) => n.kind === 'volume').map((n) => n.absOffset));
      for (const base of want) expect(got).toContain(base);
    });
  }

  it('a bare GOP driver and a bare VBT become one pe / vbt node at the root', async () => {
    const gop = readFixture('gop-vbt/adl/IntelGopDriver.efi');
    const pe = (await parseFirmware(gop)).children;
    expect(pe.map((n) => [n.kind, n.type, n.raw.length])).toEqual([
      ['pe', 'PE32+ image', gop.length],
    ]);
    const vbt = readFixture('gop-vbt/adl/vbt.bin');
    const v = (await parseFirmware(vbt)).children;
    expect(v.map((n) => [n.kind, n.raw.length])).toEqual([['vbt', vbt.length]]);
    expect(v[0].fields['signature']).toMatch(/^\$VBT/);
  });
});
