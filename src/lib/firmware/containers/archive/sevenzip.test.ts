import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fakeExe, sevenZipArchive } from '../../../../../fixtures/builder/containers';
import { crc32 } from '../../bytes/checksum';
import { lzmaCompress } from '../../compress/lzma/encoder';
import { lzma2Decompress } from '../../compress/lzma2';
import { firmwareErrorOf, openRecorded } from './testing';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const readme = new TextEncoder().encode('Run the flasher from the EFI shell.\r\n'.repeat(30));
const image = Uint8Array.from({ length: 0x5000 }, (_, i) => (i * 7) ^ (i >> 8));

/** Rewrites the header's CRC and the signature header's after a header byte was changed. */
function resign(b: Uint8Array): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset);
  const at = 32 + dv.getUint32(12, true);
  dv.setUint32(28, crc32(b, at, at + dv.getUint32(20, true)), true);
  dv.setUint32(8, crc32(b, 12, 32), true);
  return b;
}

function headerOf(b: Uint8Array): number {
  return 32 + new DataView(b.buffer, b.byteOffset).getUint32(12, true);
}

const files = [
  { name: 'README.TXT', data: readme },
  { name: 'BIOS.BIN', data: image },
];

describe('7z archives', () => {
  for (const coder of ['copy', 'lzma'] as const) {
    it(`${coder}: a solid folder splits into its files, each checked and parsed below its entry`, async () => {
      const { opened, root, payloads } = await openRecorded(sevenZipArchive(files, { coder }));
      expect(opened).toBe(true);
      const pkg = root.children[0];
      expect(pkg.type).toBe('7-Zip archive');
      expect(pkg.data).toMatchObject({ is: 'archive', format: '7z', entries: 2 });
      expect(pkg.children.map((c) => [c.name, c.fields.method, c.checks.length])).toEqual([
        ['README.TXT', coder === 'copy' ? 'Copy' : 'LZMA', 1],
        ['BIOS.BIN', coder === 'copy' ? 'Copy' : 'LZMA', 1],
      ]);
      expect(payloads.map((p) => sha(p.bytes))).toEqual([sha(readme), sha(image)]);
    });
  }

  it('a 7-Zip self-extractor: the archive after the stub is found and read', async () => {
    const sfx = fakeExe(sevenZipArchive(files));
    const { root, payloads } = await openRecorded(sfx);
    expect(root.children[0].type).toBe('7-Zip self-extracting archive');
    expect(root.children[0].data).toMatchObject({ archiveOffset: 0x200 });
    expect(sha(payloads[1].bytes)).toBe(sha(image));
  });

  it('a file with a wrong CRC-32 is a bad-checksum error naming it', async () => {
    const b = sevenZipArchive(files, { coder: 'copy' });
    b[32 + readme.length + 5] ^= 0xff; // a byte of BIOS.BIN in the stored folder
    const e = await firmwareErrorOf(openRecorded(b));
    expect(e.code).toBe('bad-checksum');
    expect(e.path).toBe('7z entry BIOS.BIN');
  });

  it('a damaged header is a bad-checksum error', async () => {
    const b = sevenZipArchive(files);
    b[headerOf(b) + 3] ^= 1;
    expect((await firmwareErrorOf(openRecorded(b))).message).toMatch(/7z header CRC-32/);
  });

  it('an archive cut before its header is truncated', async () => {
    const b = sevenZipArchive(files);
    const e = await firmwareErrorOf(openRecorded(b.subarray(0, headerOf(b) + 4)));
    expect(e.code).toBe('truncated');
    expect(e.message).toMatch(/cut short/);
  });

  it('a coder this reader does not decode is named', async () => {
    const b = sevenZipArchive(files, { coder: 'lzma' });
    const h = headerOf(b);
    const id = Buffer.from(b).indexOf(Buffer.from([0x23, 3, 1, 1]), h);
    b[id + 2] = 4; // 03 04 01: PPMd
    const e = await firmwareErrorOf(openRecorded(resign(b)));
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(/PPMd coder.*7-Zip/);
  });

  it('files larger than the per-entry limit are refused before the folder is decoded', async () => {
    const e = await firmwareErrorOf(openRecorded(sevenZipArchive(files), { maxEntrySize: 0x1000 }));
    expect(e.code).toBe('budget');
    expect(e.path).toBe('7z entry BIOS.BIN');
  });
});

describe('LZMA2', () => {
  it('an LZMA chunk (all reset, new properties) then a stored chunk', () => {
    const alone = lzmaCompress(image);
    const packed = alone.subarray(13);
    const u = image.length - 1;
    const p = packed.length - 1;
    const tail = new TextEncoder().encode('stored tail');
    const stream = Uint8Array.from([
      0xe0 | (u >> 16),
      (u >> 8) & 0xff,
      u & 0xff,
      p >> 8,
      p & 0xff,
      alone[0],
      ...packed,
      0x02,
      0,
      tail.length - 1,
      ...tail,
      0x00,
    ]);
    const out = lzma2Decompress(stream, image.length + tail.length);
    expect(sha(out.subarray(0, image.length))).toBe(sha(image));
    expect(new TextDecoder().decode(out.subarray(image.length))).toBe('stored tail');
  });

  it('errors: no end byte, an unknown control byte, a first chunk without properties, wrong size', () => {
    const stored = Uint8Array.of(0x01, 0, 2, 1, 2, 3);
    expect(() => lzma2Decompress(stored, 3)).toThrow(/ends without its end byte/);
    expect(() => lzma2Decompress(Uint8Array.of(0x05, 0), 3)).toThrow(/control byte 0x5/);
    expect(() => lzma2Decompress(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0), 1)).toThrow(
      /sets no properties/,
    );
    expect(() => lzma2Decompress(Uint8Array.of(...stored, 0), 4)).toThrow(/3 bytes decoded, 4/);
    expect(() => lzma2Decompress(Uint8Array.of(...stored, 0), 2)).toThrow(/more output/);
  });
});
