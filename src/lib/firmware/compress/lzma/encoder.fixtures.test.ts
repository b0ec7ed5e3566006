import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  fixturesDir,
  haveFixtures,
  noFixturesReason,
  readFixture,
} from '../../../../../tests/helpers/fixtures';
import { lzmaDecompress } from './decoder';
import { lzmaCompress } from './encoder';
import { findLzmaSections, haveXz, noXzReason, xzDecompress } from './test-support';

/**
 * Real firmware through the encoder: every .efi/.fd fixture and the DXE payload of every
 * OVMF fixture, decoded back by our decoder and by xz. Both presets on everything up to
 * 256 KiB (the drivers); the larger images and the payloads with `fast`, plus `default` on
 * Debian's 4 MiB OVMF and its payload (the one the OVMF patcher re-encodes), to keep the
 * unit suite short.
 */

const DEFAULT_UP_TO = 256 << 10;

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function roundTrip(data: Uint8Array, preset: 'default' | 'fast'): Uint8Array {
  const packed = lzmaCompress(data, { preset });
  expect(same(lzmaDecompress(packed), data)).toBe(true);
  if (haveXz) expect(same(xzDecompress(packed), data)).toBe(true);
  return packed;
}

const files = haveFixtures
  ? (readdirSync(fixturesDir, { recursive: true }) as string[])
      .filter((f) => /\.(efi|fd)$/i.test(f))
      .sort()
  : [];

if (!haveXz) console.warn(`[skip] xz checks on real firmware: ${noXzReason}`);

describe.skipIf(!haveFixtures)(
  `lzmaCompress on every .efi/.fd fixture ${haveFixtures ? '' : noFixturesReason}`,
  () => {
    it('finds the fixtures', () => {
      expect(files.length).toBeGreaterThan(20);
    });

    for (const rel of files) {
      it(rel, () => {
        const data = readFixture(rel);
        const fast = roundTrip(data, 'fast');
        expect(fast.length).toBeLessThan(data.length * 1.02 + 64);
        if (data.length <= DEFAULT_UP_TO || rel.endsWith('debian-bookworm/OVMF_CODE_4M.fd')) {
          const def = roundTrip(data, 'default');
          expect(def.length).toBeLessThanOrEqual(fast.length + 16);
        }
      });
    }
  },
);

describe.skipIf(!haveFixtures)(
  `lzmaCompress on OVMF DXE payloads ${haveFixtures ? '' : noFixturesReason}`,
  () => {
    const codes = files.filter((f) => /OVMF_CODE[^/]*\.fd$/.test(f));

    it('finds the OVMF images', () => {
      expect(codes.length).toBeGreaterThanOrEqual(4);
    });

    for (const rel of codes) {
      it(`${rel}: each LZMA section's payload round-trips with fast, near the edk2 size`, () => {
        const sections = findLzmaSections(readFixture(rel));
        expect(sections.length).toBeGreaterThan(0);
        for (const section of sections) {
          const payload = lzmaDecompress(section.stream);
          const packed = roundTrip(payload, 'fast');
          // The goal for `fast`: within 10% of what edk2 (LZMA SDK, normal mode) wrote.
          expect(packed.length).toBeLessThanOrEqual(section.stream.length * 1.1);
        }
      });
    }

    it('Debian OVMF_CODE_4M.fd payload with default: within 2% of the edk2 stream', () => {
      const [section] = findLzmaSections(readFixture('ovmf/debian-bookworm/OVMF_CODE_4M.fd'));
      const payload = lzmaDecompress(section.stream);
      const packed = roundTrip(payload, 'default');
      expect(packed.length).toBeLessThanOrEqual(section.stream.length * 1.02);
    });
  },
);
