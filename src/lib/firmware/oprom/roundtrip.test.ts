/**
 * Every option ROM in the fixtures, read into the model and written back, gives the same bytes:
 * the ROM files themselves (Intel EfiRom ROMs, AMD GOP ROMs and VBIOS images, the combined Renoir
 * ROM, the vendor-like legacy+EFI ROMs) and every ROM chain found inside a firmware image.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guidBytes } from '../bytes/guid';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileType,
  SectionType,
} from '../../../../fixtures/builder/index';
import {
  fixtureJson,
  fixturesDir,
  haveFixtures,
  readFixture,
} from '../../../../tests/helpers/fixtures';
import { parseFirmware } from '../parse';
import { walk } from '../tree/node';
import { ROM_BLOCK, type OptionRom } from './image';
import { looksLikeOptionRom, readOptionRom } from './read';
import { sha256 } from './test-support';
import { writeOptionRom } from './write';

interface ExpectedImage {
  offset: number;
  vendor: string;
  device: string;
  code_type?: number;
  codeType?: number;
  length: number;
  last: boolean;
  sha256?: string;
  efi_compressed?: boolean;
  compression?: number;
}
interface ExpectedEntry {
  file: string;
  kind: string;
  images?: ExpectedImage[];
}

/** Fixture files that are option ROMs: a valid image at offset 0 (the first 4 KiB decide). */
function romFiles(): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (looksLikeOptionRom(new Uint8Array(readFileSync(p).subarray(0, 4096))))
        out.push(relative(fixturesDir, p).split('\\').join('/'));
    }
  };
  visit(fixturesDir);
  return out.sort();
}

const chainLength = (m: OptionRom) =>
  m.images.reduce((n, img) => n + (img.blocks ?? 0) * ROM_BLOCK, 0);

/**
 * Every complete ROM chain inside `bytes` after offset 0 (each image 0x55AA with a valid PCIR, the
 * last one flagged), as the exact bytes of its images.
 */
function chainsInside(bytes: Uint8Array): { at: number; rom: Uint8Array }[] {
  const found: { at: number; rom: Uint8Array }[] = [];
  for (let i = 1; i + 0x1a < bytes.length; i++) {
    if (bytes[i] !== 0x55 || bytes[i + 1] !== 0xaa || !looksLikeOptionRom(bytes, i)) continue;
    let length: number;
    try {
      length = chainLength(readOptionRom(bytes.subarray(i)));
    } catch {
      continue; // a broken chain (or a chance 0x55AA): nothing a writer should reproduce
    }
    found.push({ at: i, rom: bytes.subarray(i, i + length) });
    i += length - 1;
  }
  return found;
}

function expectRoundTrip(rom: Uint8Array): OptionRom {
  const model = readOptionRom(rom);
  const written = writeOptionRom(model);
  expect(written.length).toBe(rom.length);
  // First differing offset (or -1), which says more than two hashes when it fails.
  expect(written.findIndex((b, i) => b !== rom[i])).toBe(-1);
  return model;
}

describe.skipIf(!haveFixtures)('option ROM files: read → write → the same bytes', () => {
  const files = haveFixtures ? romFiles() : [];
  const expected = haveFixtures
    ? [
        ...fixtureJson<ExpectedEntry[]>('expected-real.json'),
        ...fixtureJson<ExpectedEntry[]>('amd/expected.json'),
      ].filter((e) => e.kind === 'option-rom' && e.images)
    : [];
  const byFile = new Map(expected.map((e) => [e.file, e.images!]));

  it('finds every ROM the expected files list, and the vendor-like legacy+EFI ROMs', () => {
    expect(files).toEqual(expect.arrayContaining([...byFile.keys()]));
    expect(files).toEqual(
      expect.arrayContaining([
        'vendor-like/efi-oprom.rom',
        'vendor-like-2/efi-compressed-oprom-hsw.rom',
        'amd/oprom/thieuson-renoir-1636-vbios+gop/Renoir_Generic_VBIOS_updGOP.bin',
      ]),
    );
    expect(byFile.size).toBeGreaterThanOrEqual(40);
  });

  it.each(files)('%s', (file) => {
    const rom = readFixture(file);
    const model = expectRoundTrip(rom);
    const want = byFile.get(file);
    if (!want) return;
    // The model says what the independent script saw, image by image.
    expect(model.images).toHaveLength(want.length);
    let at = 0;
    model.images.forEach((img, i) => {
      const w = want[i];
      const length = (img.blocks ?? 0) * ROM_BLOCK;
      expect([at, img.pcir.vendorId, img.pcir.deviceId, length, i === want.length - 1]).toEqual([
        w.offset,
        parseInt(w.vendor, 16),
        parseInt(w.device, 16),
        w.length,
        w.last,
      ]);
      expect(img.type === 'efi' ? 3 : 0).toBe(w.code_type ?? w.codeType);
      if (img.type === 'efi') {
        const compressed = w.efi_compressed ?? (w.compression ?? 0) !== 0;
        expect(img.payload.compression !== 0).toBe(compressed);
      }
      if (w.sha256) expect(sha256(rom.subarray(at, at + length))).toBe(w.sha256);
      at += length;
    });
  });
});

describe.skipIf(!haveFixtures)('option ROMs inside firmware images', () => {
  const IMAGES = [
    ...readdirSync(join(fixturesDir, 'vendor-like')).map((n) => `vendor-like/${n}`),
    ...readdirSync(join(fixturesDir, 'vendor-like-2')).map((n) => `vendor-like-2/${n}`),
  ].filter((f) => !/\.(txt|json|md)$/.test(f));

  /** The chains in the file's bytes and in every body the parser decoded (compressed volumes). */
  async function chainsIn(bytes: Uint8Array) {
    const found = chainsInside(bytes).map((c) => ({ ...c, where: 'file' }));
    try {
      walk(await parseFirmware(bytes), (n) => {
        if (n.decoded)
          for (const c of chainsInside(n.decoded.bytes)) found.push({ ...c, where: n.type });
        return true;
      });
    } catch {
      // images the reader refuses (expect: error) still had their raw bytes scanned
    }
    return found;
  }

  it.each(IMAGES)('%s: every chain found round-trips', async (file) => {
    for (const { rom } of await chainsIn(readFixture(file))) expectRoundTrip(rom);
  });

  it('an AMI CSM-style file (ROMs as freeform-subtype-GUID sections) in a volume: both found and round-tripped', async () => {
    const vbios = readFixture('amd/vbios/amdfw-vbios-1636-renoir-v2000a/RenoirGenericVbios.bin');
    const combined = readFixture(
      'amd/oprom/thieuson-renoir-1636-vbios+gop/Renoir_Generic_VBIOS_updGOP.bin',
    );
    // AMI keys each ROM by a subtype GUID holding its PCI IDs; any GUID does for the scan.
    const romSection = (rom: Uint8Array, guid: string) =>
      buildSection(SectionType.FREEFORM_SUBTYPE_GUID, rom, { extra: guidBytes(guid) });
    const volume = buildVolume({
      size: 0x40000,
      files: [
        buildFile({
          guid: 'A062CF1F-8473-4AA3-8793-600BC4FFE9A8',
          type: FileType.FREEFORM,
          sections: [
            romSection(vbios, '00000000-1002-1636-0000-000000000000'),
            romSection(combined, '00000001-1002-1636-0000-000000000000'),
          ],
        }),
      ],
    });
    const chains = await chainsIn(volume);
    expect(chains.map((c) => [c.rom.length, sha256(c.rom)])).toEqual([
      [vbios.length, sha256(vbios)],
      [combined.length, sha256(combined)],
    ]);
    for (const { rom } of chains) expectRoundTrip(rom);
  });
});
