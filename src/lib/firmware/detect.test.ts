import { describe, expect, it } from 'vitest';
import { haveFixtures, readFixture } from '../../../tests/helpers/fixtures';
import { parseReport } from './containers/testing';
import { detectKind, type FileKind } from './detect';

const GENS = ['snb', 'hsw', 'skl-kbl', 'apl', 'glk', 'tgl', 'adl', 'mtl'];

describe.skipIf(!haveFixtures)('detectKind on real files', () => {
  const cases: [string, FileKind][] = [
    ['vendor-like/aptio5-spi.bin', 'intel-descriptor'],
    ['vendor-like-2/aptio5-spi-adl.bin', 'intel-descriptor'],
    ['vendor-like-2/aptio5-spi-mtl-8m.bin', 'intel-descriptor'],
    ['vendor-like/aptio5-asus.cap', 'capsule-ami'],
    ['vendor-like-2/aptio5-cap-tgl.CAP', 'capsule-ami'],
    ['vendor-like/efi-capsule.cap', 'capsule-efi'],
    ['vendor-like-2/efi-capsule-glk.cap', 'capsule-efi'],
    ['vendor-like-2/fmp-capsule-skl-kbl.cap', 'capsule-fmp'],
    ['vendor-like/efi-oprom.rom', 'option-rom'],
    ['vendor-like-2/efi-compressed-oprom-hsw.rom', 'option-rom'],
    ['oprom/gangqizai-igd/1240p_gop.rom', 'option-rom'],
    ['oprom/vbios-gvt-uefi/vbios_gvt_uefi.rom', 'option-rom'],
    ['ifwi/dasharo-protectli-glk-ifwi.bin', 'ifwi'],
  ];
  for (const [rel, kind] of cases) {
    it(`${rel} → ${kind}`, () => {
      const g = detectKind(readFixture(rel));
      expect(g.kind).toBe(kind);
      expect(g.label.length).toBeGreaterThan(3);
    });
  }

  it('names the regions of a descriptor image in the detail', () => {
    const g = detectKind(readFixture('vendor-like/aptio5-spi.bin'));
    expect(g.detail).toBe(
      'descriptor v1; regions: Descriptor 0x0+0x1000, ME 0x1000+0x1FF000, BIOS 0x200000+0x600000',
    );
  });

  it('images without a container: the first volume is where UEFIExtract puts it', () => {
    for (const rel of [
      'vendor-like/aptio4-tiano.rom',
      'vendor-like/insyde-like.fd',
      'vendor-like-2/aptio4-tiano-snb.rom',
      'vendor-like-2/insyde-like-apl.fd',
      'ovmf/debian-bookworm/OVMF_CODE_4M.fd',
    ]) {
      const reportRel = rel.startsWith('ovmf/')
        ? `reports/${rel.replace(/\//g, '_')}.report.txt`
        : `${rel}.report.txt`;
      const first = parseReport(new TextDecoder().decode(readFixture(reportRel))).find(
        (r) => r.type === 'Volume',
      )!;
      const g = detectKind(readFixture(rel));
      expect([rel, g.kind, g.offset ?? 0]).toEqual([rel, 'firmware-volume', first.base]);
    }
  });

  it('GOP drivers are PE images and VBT files are VBTs', () => {
    for (const gen of GENS) {
      expect(detectKind(readFixture(`gop-vbt/${gen}/IntelGopDriver.efi`)).kind).toBe('pe');
      expect(detectKind(readFixture(`gop-vbt/${gen}/vbt.bin`)).kind).toBe('vbt');
    }
  });
});

describe('detectKind, synthetic', () => {
  it('never throws on short or random input', () => {
    let seed = 1;
    for (let n = 0; n < 300; n++) {
      const b = new Uint8Array(n % 97);
      for (let i = 0; i < b.length; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      if (n % 3 === 0 && b.length >= 2) b.set([0x55, 0xaa]);
      if (n % 5 === 0 && b.length >= 2) b.set([0x4d, 0x5a]);
      expect(() => detectKind(b)).not.toThrow();
    }
    expect(detectKind(new Uint8Array(0)).kind).toBe('unknown');
  });

  it('finds a volume header anywhere', () => {
    const b = new Uint8Array(0x3000).fill(0xff);
    const at = 0x1230;
    const dv = new DataView(b.buffer);
    dv.setUint32(at + 0x20, 0x1000, true);
    dv.setUint32(at + 0x24, 0, true);
    b.set([0x5f, 0x46, 0x56, 0x48], at + 0x28);
    dv.setUint16(at + 0x30, 0x48, true);
    b[at + 0x37] = 2;
    expect(detectKind(b)).toMatchObject({ kind: 'firmware-volume', offset: at });
  });

  it('recognises vendor package markers', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(detectKind(enc('PFS.HDR.\x01\0\0\0\0\0\0\0')).kind).toBe('dell-pfs');
    expect(detectKind(enc('$_IFLASH_BIOSIMG\0\0\0\0\0\0\0\0')).kind).toBe('insyde-iflash');
    expect(detectKind(enc('$VBT SKYLAKE        ')).kind).toBe('vbt');
    expect(detectKind(enc('\x40\0\0\0\0\0\0\0_AMIPFAT\0AMI_BIOS_GUARD'))).toMatchObject({
      kind: 'vendor-package',
      label: 'AMI BIOS Guard (PFAT) update',
    });
  });

  it('names packages only a vendor tool or an archiver opens, with that tool', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(detectKind(enc('PK\x03\x04' + 'x'.repeat(60)))).toMatchObject({
      kind: 'vendor-package',
      label: 'ZIP archive',
      detail: expect.stringMatching(/7-Zip/),
    });
    expect(detectKind(enc('....@UAF............@' + 'y'.repeat(40)))).toMatchObject({
      kind: 'vendor-package',
      detail: expect.stringMatching(/AMI UCP Update Extractor/),
    });
  });
});
