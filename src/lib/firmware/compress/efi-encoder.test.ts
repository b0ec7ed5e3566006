/**
 * The EFI 1.1 encoder: every fixture GOP (AMD and Intel) round-trips through our decoder in both
 * variants; the stream is about as small as edk2's (the community Renoir ROM's compressed GOP);
 * and an independent decoder, UEFITool's UEFIExtract, reads it back when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildFile,
  buildSection,
  buildVolume,
  compressionSection,
  FileType,
  SectionType,
} from '../../../../fixtures/builder';
import { fixturePath, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { sha256Hex } from '../bytes/sha256';
import { bytesEqual } from '../bytes/compare';
import { efiDecompress } from './efi';
import { efiCompress, huffmanLengths } from './efi-encoder';

const gopFiles = haveFixtures
  ? [
      ...readdirSync(fixturePath('amd/gop')).flatMap((d) =>
        readdirSync(fixturePath(`amd/gop/${d}`))
          .filter((f) => f.endsWith('.efi'))
          .map((f) => `amd/gop/${d}/${f}`),
      ),
      'amd/oprom/thieuson-renoir-1636-vbios+gop/AmdGop_from_Renoir_updGOP_decompressed.efi',
      'gop-vbt/adl/IntelGopDriver.efi',
      'gop-vbt/snb/IntelGopDriver.efi',
    ]
  : [];

describe('EFI 1.1 encoder', () => {
  it('round-trips edge cases: empty, one byte, long runs, no repeats, more than one block', () => {
    let seed = 1;
    const noise = Uint8Array.from({ length: 70_000 }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    });
    const cases = [
      new Uint8Array(0),
      new Uint8Array([0x42]),
      new Uint8Array(200_000).fill(7),
      noise,
      Uint8Array.from({ length: 150_000 }, (_, i) => (i % 251) ^ (i >> 9)),
    ];
    for (const data of cases) {
      for (const variant of ['efi', 'tiano'] as const) {
        const stream = efiCompress(data, variant);
        expect(bytesEqual(efiDecompress(stream, variant), data), `${data.length} ${variant}`).toBe(
          true,
        );
      }
    }
    // A run compresses to almost nothing; noise costs little more than itself.
    expect(efiCompress(cases[2]).length).toBeLessThan(400);
    expect(efiCompress(noise).length).toBeLessThan(noise.length * 1.02 + 64);
  });

  it('makes complete codes of at most 16 bits, even for skewed counts', () => {
    const fib = new Uint32Array(40);
    fib[0] = fib[1] = 1;
    for (let i = 2; i < 40; i++) fib[i] = fib[i - 1] + fib[i - 2];
    for (const freq of [fib, Uint32Array.from([0, 5, 0]), new Uint32Array(19)]) {
      const lengths = huffmanLengths(freq);
      expect(Math.max(...lengths)).toBeLessThanOrEqual(16);
      const kraft = lengths.reduce((s, l) => s + (l ? 2 ** -l : 0), 0);
      expect(kraft).toBe(1);
    }
  });

  it.skipIf(!haveFixtures)('round-trips every fixture GOP and gives the same bytes twice', () => {
    expect(gopFiles.length).toBeGreaterThanOrEqual(16);
    for (const f of gopFiles) {
      const pe = readFixture(f);
      for (const variant of ['efi', 'tiano'] as const) {
        const stream = efiCompress(pe, variant);
        expect(bytesEqual(efiDecompress(stream, variant), pe), `${f} ${variant}`).toBe(true);
        expect(stream.length, f).toBeLessThan(pe.length * 0.65);
      }
      expect(bytesEqual(efiCompress(pe), efiCompress(pe))).toBe(true);
    }
  });

  it.skipIf(!haveFixtures)('is within 2% of edk2 on the community Renoir ROM GOP', () => {
    const card = readFixture(
      'amd/oprom/thieuson-renoir-1636-vbios+gop/Renoir_Generic_VBIOS_updGOP.bin',
    );
    // The EFI image at 0xD600 holds its stream at 0x58: u32 compressed size, then the size.
    const at = 0xd600 + 0x58;
    const theirs = 8 + new DataView(card.buffer, card.byteOffset).getUint32(at, true);
    expect(theirs).toBe(43737);
    const ours = efiCompress(
      readFixture(
        'amd/oprom/thieuson-renoir-1636-vbios+gop/AmdGop_from_Renoir_updGOP_decompressed.efi',
      ),
    ).length;
    console.log(`Renoir GOP 74000 bytes: edk2 ${theirs}, ours ${ours}`);
    expect(ours).toBeLessThan(theirs * 1.02);
  });

  const uefiExtract = spawnSync('UEFIExtract', ['--help']).error === undefined;
  it.skipIf(!haveFixtures || !uefiExtract)(
    "UEFITool's UEFIExtract decompresses our stream to the same GOP",
    async () => {
      const pe = readFixture('amd/gop/isc30-gop-8745hs-v3.8.9/AMDGopDriver_8745hs.efi');
      const section = buildSection(SectionType.PE32, pe);
      const file = buildFile({
        guid: '0D1B2C3A-4E5F-4A6B-8C7D-9E0F1A2B3C4D',
        type: FileType.DRIVER,
        sections: [
          compressionSection(efiCompress(section), {
            compressionType: 1,
            uncompressedLength: section.length,
          }),
        ],
      });
      const dir = mkdtempSync(join(tmpdir(), 'efi-enc-'));
      const image = join(dir, 'vol.bin');
      writeFileSync(image, buildVolume({ files: [file], size: 0x40000 }));
      spawnSync('UEFIExtract', [image, 'all'], { cwd: dir });
      const body = join(
        dir,
        'vol.bin.dump/0 8C8CE578-8A3D-4F1C-9935-896185C32DD3/0 0D1B2C3A-4E5F-4A6B-8C7D-9E0F1A2B3C4D/0 Compressed section/0 PE32 image section/body.bin',
      );
      expect(await sha256Hex(new Uint8Array(readFileSync(body)))).toBe(await sha256Hex(pe));
    },
  );
});
