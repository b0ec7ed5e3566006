import { describe, expect, it } from 'vitest';
import { efiCompress } from '../../../../fixtures/builder/efi-compress';
import { efiDecompress, efiOrTianoDecompress } from './efi';
import { FirmwareError } from '../errors';
import { isPe } from '../pe/headers';
import { sha256Hex } from '../bytes/sha256';
import { fixtureJson, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';

interface Expected {
  file: string;
  gops: { sha256: string; size?: number }[];
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** EFI images in a PCI option ROM that are marked compressed: the compressed stream of each. */
function compressedOpromImages(rom: Uint8Array): Uint8Array[] {
  const found: Uint8Array[] = [];
  let off = 0;
  while (off + 0x1a <= rom.length && u16(rom, off) === 0xaa55) {
    const len = u16(rom, off + 2) * 512; // InitializationSize
    // EFI image header: 0x04 signature 0x0EF1, 0x0C CompressionType, 0x16 EfiImageHeaderOffset
    if (u32(rom, off + 4) === 0x0ef1 && u16(rom, off + 0x0c) === 1) {
      found.push(rom.subarray(off + u16(rom, off + 0x16), off + len));
    }
    const pcir = off + u16(rom, off + 0x18);
    const imageLen = u16(rom, pcir + 0x10) * 512;
    if (rom[pcir + 0x15] & 0x80 || imageLen === 0) break;
    off += imageLen;
  }
  return found;
}

/** EFI_COMPRESSION_SECTIONs (type 0x01, CompressionType 1) found by a plain scan. */
function compressionSections(img: Uint8Array): Uint8Array[] {
  const found: Uint8Array[] = [];
  for (let i = 0; i + 17 <= img.length; i += 4) {
    if (img[i + 3] !== 0x01 || img[i + 8] !== 0x01) continue;
    const size = img[i] | (img[i + 1] << 8) | (img[i + 2] << 16);
    const comp = u32(img, i + 9);
    if (size < 17 || i + size > img.length || comp + 8 + 9 > size) continue;
    if (u32(img, i + 13) !== u32(img, i + 4)) continue; // original size, stated twice
    found.push(img.subarray(i + 9, i + size));
  }
  return found;
}

/** Byte equality without vitest's deep-equality cost on megabyte arrays. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function findPe(out: Uint8Array, sha: string, size: number): Promise<boolean> {
  for (let i = 0; i + size <= out.length; i++) {
    if (out[i] === 0x4d && isPe(out, i) && (await sha256Hex(out.subarray(i, i + size))) === sha)
      return true;
  }
  return false;
}

describe.skipIf(!haveFixtures)('EFI 1.1 decompression of real option ROMs', () => {
  const cases: [string, string][] = [
    ['vendor-like-2', 'efi-compressed-oprom-hsw.rom'],
    ['vendor-like', 'efi-oprom.rom'],
  ];
  for (const [dir, file] of cases) {
    it(`${file}: the compressed GOP decodes to the expected PE`, async () => {
      const expected = fixtureJson<Expected[]>(`${dir}/expected.json`).find(
        (e) => e.file === file,
      )!;
      const streams = compressedOpromImages(readFixture(`${dir}/${file}`));
      expect(streams.length).toBe(1);
      const out = efiDecompress(streams[0], 'efi');
      expect(String.fromCharCode(out[0], out[1])).toBe('MZ');
      expect(await sha256Hex(out)).toBe(expected.gops[0].sha256);
      const auto = efiOrTianoDecompress(streams[0]);
      expect(auto.variant).toBe('efi');
      expect(sameBytes(auto.bytes, out)).toBe(true);
    });
  }
});

describe.skipIf(!haveFixtures)('Tiano decompression of Aptio IV images', () => {
  const cases: [string, string, number][] = [
    ['vendor-like-2', 'aptio4-tiano-snb.rom', 44648],
    ['vendor-like', 'aptio4-tiano.rom', 54432],
  ];
  for (const [dir, file, gopSize] of cases) {
    it(`${file}: the Tiano section holds the expected GOP; EFI 1.1 decoding does not`, async () => {
      const expected = fixtureJson<Expected[]>(`${dir}/expected.json`).find(
        (e) => e.file === file,
      )!;
      const sections = compressionSections(readFixture(`${dir}/${file}`));
      expect(sections.length).toBeGreaterThan(0);
      let hits = 0;
      for (const s of sections) {
        const out = efiDecompress(s, 'tiano');
        expect(out.length).toBe(u32(s, 4));
        if (await findPe(out, expected.gops[0].sha256, gopSize)) hits++;
        let efiOut: Uint8Array | undefined;
        try {
          efiOut = efiDecompress(s, 'efi');
        } catch (e) {
          expect(e).toBeInstanceOf(FirmwareError);
        }
        if (efiOut) expect(sameBytes(efiOut, out)).toBe(false);
        // What UEFITool does: try both, keep the one whose output parses (here: a section header
        // whose size matches the output).
        const auto = efiOrTianoDecompress(s, {
          validate: (b) =>
            b.length >= 4 && (b[0] | (b[1] << 8) | (b[2] << 16)) <= b.length && b[3] === 0x17,
        });
        expect(auto.variant).toBe('tiano');
        expect(sameBytes(auto.bytes, out)).toBe(true);
      }
      expect(hits).toBe(1);
    });
  }
});

describe('corrupt input', () => {
  it('rejects short headers, oversize claims and truncated streams with FirmwareError', () => {
    const bad = (f: () => unknown, code: string) => {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(FirmwareError);
        expect((e as FirmwareError).code).toBe(code);
      }
    };
    bad(() => efiDecompress(new Uint8Array(4), 'efi'), 'truncated');
    // compressed size larger than the data
    bad(() => efiDecompress(new Uint8Array([100, 0, 0, 0, 10, 0, 0, 0, 0]), 'efi'), 'decompress');
    // declared output over the limit
    bad(
      () =>
        efiDecompress(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0x10, 0]), 'tiano', {
          maxOutput: 1 << 20,
        }),
      'budget',
    );
    // an all-zero stream: the tables are a single code each, then the data runs out
    bad(
      () => efiDecompress(new Uint8Array([4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]), 'efi'),
      'decompress',
    );
  });

  it.skipIf(!haveFixtures)(
    'never throws anything but FirmwareError on damaged real streams',
    () => {
      const stream = compressedOpromImages(
        readFixture('vendor-like-2/efi-compressed-oprom-hsw.rom'),
      )[0];
      let seed = 12345;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
      let failures = 0;
      for (let n = 0; n < 60; n++) {
        const copy = stream.slice(
          0,
          n % 3 === 0 ? Math.floor(rnd() * stream.length) : stream.length,
        );
        if (copy.length >= 8 && n % 3 !== 0) {
          for (let k = 0; k < 4; k++)
            copy[8 + Math.floor(rnd() * (copy.length - 8))] ^= 1 << (n % 8);
        }
        if (n % 3 === 0 && copy.length >= 8)
          copy.set([copy.length - 8, (copy.length - 8) >> 8, 0, 0], 0);
        try {
          efiDecompress(copy, n % 2 ? 'efi' : 'tiano');
        } catch (e) {
          expect(e).toBeInstanceOf(FirmwareError);
          failures++;
        }
      }
      expect(failures).toBeGreaterThan(0);
    },
  );

  it('stops where the data runs out, not at the declared size (fuzz case 4001/323258)', () => {
    // A whole stream, then an original size far beyond it: the zero bits past the end would
    // decode as a free single-code block forever.
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    const stream = efiCompress(data, 'tiano');
    new DataView(stream.buffer).setUint32(4, 100 << 20, true);
    // The zero bits after the data read as one more block (65,536 free literals), no further.
    expect(() => efiDecompress(stream, 'tiano')).toThrow(
      /ended before the output was complete \(66536 of 104857600 bytes\)/,
    );
  });
});

/** Blocks whose codes are single symbols (no bits each): literal runs and periodic matches. */
function freeCodeStream(blocks: { count: number; symbol: number }[], size: number): Uint8Array {
  const bits: number[] = [];
  const put = (v: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) bits.push((v >>> i) & 1);
  };
  for (const b of blocks) {
    put(b.count, 16);
    put(0, 5); // code-length code: one symbol (its value is never used)
    put(0, 5);
    put(0, 9); // char/length code: one symbol, b.symbol
    put(b.symbol, 9);
    put(0, 5); // position code: one symbol, 1 (distance 2: a period of two bytes)
    put(1, 5);
  }
  while (bits.length % 8) bits.push(0);
  const body = new Uint8Array(bits.length / 8);
  bits.forEach((bit, i) => (body[i >> 3] |= bit << (7 - (i & 7))));
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  new DataView(out.buffer).setUint32(4, size, true);
  out.set(body, 8);
  return out;
}

describe('single-symbol blocks', () => {
  it('repeat their literal or match for every symbol of the block, as the format says', () => {
    // 3 x 'A', 2 x 'B', then 1000 matches of 256 bytes at distance 2, then 5 x 'C'.
    const blocks = [
      { count: 3, symbol: 0x41 },
      { count: 2, symbol: 0x42 },
      { count: 1000, symbol: 0x1fd }, // 256 - 3 + 256: a 256-byte match
      { count: 5, symbol: 0x43 },
    ];
    const size = 3 + 2 + 1000 * 256 + 5;
    const expected = new Uint8Array(size);
    expected.set([0x41, 0x41, 0x41, 0x42, 0x42]);
    for (let i = 5; i < 5 + 256000; i++) expected[i] = expected[i - 2];
    expected.fill(0x43, size - 5);
    const out = efiDecompress(freeCodeStream(blocks, size), 'tiano');
    expect(sameBytes(out, expected)).toBe(true);
    // Declared shorter than the blocks: the run stops at the declared size.
    const cut = efiDecompress(freeCodeStream(blocks, 4000), 'tiano');
    expect(sameBytes(cut, expected.subarray(0, 4000))).toBe(true);
  });

  it('reads a block count of 0 as 65536 symbols, like the reference decoder (fuzz 5001/5811)', () => {
    // Before: the count went negative, the run length with it, and decoding never advanced.
    const blocks = [
      { count: 0, symbol: 0x41 },
      { count: 10, symbol: 0x42 },
    ];
    const out = efiDecompress(freeCodeStream(blocks, 65546), 'tiano');
    expect(out.subarray(0, 65536).every((b) => b === 0x41)).toBe(true);
    expect(out.subarray(65536).every((b) => b === 0x42)).toBe(true);
  });
});
