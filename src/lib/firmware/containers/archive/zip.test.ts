import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  fakeExe,
  zipArchive,
  type ZipEntryInput,
} from '../../../../../fixtures/builder/containers';
import { syntheticCorpus } from '../../../../../fixtures/builder/corpus';
import { Budget, type BudgetLimits } from '../../budget';
import { findCandidates } from '../../gop/find';
import { parseFirmware } from '../../parse';
import { firmwareErrorOf, openRecorded } from './testing';

const text = (s: string) => new TextEncoder().encode(s);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Compressible but not constant: a few KiB of counting bytes and text. */
function sample(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i % 251) ^ (i >> 9) ^ seed;
  return b;
}

/** Offset of the central directory header of the entry named `name`. */
function centralOf(zip: Uint8Array, name: string): number {
  const buf = Buffer.from(zip);
  for (let i = buf.indexOf('PK\x01\x02'); i >= 0; i = buf.indexOf('PK\x01\x02', i + 1)) {
    const len = buf.readUInt16LE(i + 28);
    if (buf.subarray(i + 46, i + 46 + len).toString() === name) return i;
  }
  throw new Error(`no central entry ${name}`);
}

const readme = text('Flash with the EFI shell tool.\r\n'.repeat(20));
const image = sample(0x3000, 7);

describe('ZIP archives', () => {
  const cases: [string, ZipEntryInput[], Parameters<typeof zipArchive>[1]][] = [
    [
      'stored',
      [
        { name: 'README.TXT', data: readme },
        { name: 'BIOS/E7D25.BIN', data: image },
      ],
      {},
    ],
    [
      'deflate',
      [
        { name: 'README.TXT', data: readme, method: 'deflate' },
        { name: 'BIOS/E7D25.BIN', data: image, method: 'deflate' },
      ],
      {},
    ],
    [
      'data descriptors',
      [
        { name: 'README.TXT', data: readme, method: 'deflate', dataDescriptor: true },
        { name: 'BIOS/E7D25.BIN', data: image, dataDescriptor: true },
      ],
      {},
    ],
    [
      'ZIP64',
      [
        { name: 'README.TXT', data: readme, method: 'deflate' },
        { name: 'BIOS/E7D25.BIN', data: image },
      ],
      { zip64: true },
    ],
  ];
  for (const [what, entries, options] of cases) {
    it(`${what}: one package node, one entry node per file, each file's exact bytes parsed below it`, async () => {
      const zip = zipArchive(entries, options);
      const { opened, root, payloads } = await openRecorded(zip);
      expect(opened).toBe(true);
      const pkg = root.children[0];
      expect(pkg.type).toBe('ZIP archive');
      expect(pkg.data).toMatchObject({ is: 'archive', format: 'ZIP', entries: 2 });
      expect(pkg.children.map((c) => [c.name, c.data.is])).toEqual([
        ['README.TXT', 'archive-entry'],
        ['BIOS/E7D25.BIN', 'archive-entry'],
      ]);
      expect(payloads.map((p) => sha(p.bytes))).toEqual([sha(readme), sha(image)]);
      expect(payloads.map((p) => p.parent)).toEqual(pkg.children);
      for (const [i, e] of entries.entries()) {
        const node = pkg.children[i];
        expect(node.checks).toEqual([{ name: 'CRC-32', ok: true }]);
        expect(node.fields.method).toBe(e.method ?? 'stored');
        // Stored bytes keep their place in the file; deflated ones do not have one.
        if ((e.method ?? 'stored') === 'stored') {
          const at = payloads[i].abs!;
          expect(sha(zip.subarray(at, at + e.data.length))).toBe(sha(e.data));
        } else expect(payloads[i].abs).toBeUndefined();
      }
    });
  }

  it('a self-extracting ZIP: the stub before the archive shifts every offset', async () => {
    const zip = zipArchive([{ name: 'bios.bin', data: image, method: 'deflate' }], {
      stub: fakeExe(new Uint8Array(0x200)),
    });
    const { root, payloads } = await openRecorded(zip);
    expect(root.children[0].type).toBe('self-extracting ZIP archive');
    expect(root.children[0].data).toMatchObject({ archiveOffset: 0x200 + 0x1c0 + 0x40 + 0x40 });
    expect(sha(payloads[0].bytes)).toBe(sha(image));
  });

  it('directories are not entries', async () => {
    const zip = zipArchive([
      { name: 'BIOS/', data: new Uint8Array() },
      { name: 'BIOS/a.bin', data: image },
    ]);
    const { root } = await openRecorded(zip);
    expect(root.children[0].children.map((c) => c.name)).toEqual(['BIOS/a.bin']);
  });

  it('a wrong CRC-32 is a bad-checksum error naming the entry', async () => {
    const zip = zipArchive([
      { name: 'a.txt', data: readme },
      { name: 'bios.bin', data: image, method: 'deflate' },
    ]);
    const c = centralOf(zip, 'bios.bin');
    zip[c + 16] ^= 1;
    const e = await firmwareErrorOf(openRecorded(zip));
    expect(e.code).toBe('bad-checksum');
    expect(e.message).toMatch(/^bios\.bin: CRC-32/);
    expect(e.path).toBe('ZIP entry bios.bin');
  });

  it('damaged deflate data is a decompress error naming the entry', async () => {
    const zip = zipArchive([{ name: 'bios.bin', data: image, method: 'deflate' }]);
    zip[30 + 'bios.bin'.length] = 0xff; // block type 3: reserved
    const e = await firmwareErrorOf(openRecorded(zip));
    expect(e.code).toBe('decompress');
    expect(e.path).toBe('ZIP entry bios.bin');
  });

  it('an entry that expands past its declared size is an error, not a bigger buffer', async () => {
    const zip = zipArchive([{ name: 'bios.bin', data: image, method: 'deflate' }]);
    new DataView(zip.buffer).setUint32(centralOf(zip, 'bios.bin') + 24, 0x100, true);
    const e = await firmwareErrorOf(openRecorded(zip));
    expect(e.code).toBe('bad-format');
    expect(e.message).toMatch(/bios\.bin expands past the 256 bytes/);
  });

  it('entry data running past the end is truncated, naming the entry', async () => {
    const zip = zipArchive([{ name: 'bios.bin', data: image }]);
    new DataView(zip.buffer).setUint32(centralOf(zip, 'bios.bin') + 20, 0x10000, true);
    const e = await firmwareErrorOf(openRecorded(zip));
    expect(e.code).toBe('truncated');
    expect(e.message).toMatch(/^bios\.bin: its 65536 stored bytes/);
  });

  it('a central directory that does not fit before the end record is truncated', async () => {
    const zip = zipArchive([{ name: 'bios.bin', data: image }]);
    const end = zip.length - 22;
    new DataView(zip.buffer).setUint32(end + 16, zip.length, true);
    expect((await firmwareErrorOf(openRecorded(zip))).code).toBe('truncated');
  });

  it('a file cut before its central directory is named as a cut ZIP by the parse', async () => {
    const zip = zipArchive([{ name: 'bios.bin', data: image }]);
    const e = await firmwareErrorOf(parseFirmware(zip.subarray(0, 0x1000)));
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(/ZIP archive: cut short, its central directory/);
  });

  it('an unsupported method is named, with the entry', async () => {
    const zip = zipArchive([{ name: 'bios.bin', data: image }]);
    new DataView(zip.buffer).setUint16(centralOf(zip, 'bios.bin') + 10, 12, true);
    const e = await firmwareErrorOf(openRecorded(zip));
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(/^bios\.bin is compressed with bzip2/);
  });

  it('an encrypted entry is named', async () => {
    const zip = zipArchive([{ name: 'bios.bin', data: image }]);
    zip[centralOf(zip, 'bios.bin') + 8] |= 1;
    const e = await firmwareErrorOf(openRecorded(zip));
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(/^bios\.bin is encrypted/);
  });

  it('a split (multi-part) archive is named', async () => {
    const zip = zipArchive([{ name: 'bios.bin', data: image }]);
    new DataView(zip.buffer).setUint16(zip.length - 22 + 4, 1, true);
    const e = await firmwareErrorOf(openRecorded(zip));
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(/split across several files/);
  });
});

describe('ZIP bomb limits', () => {
  // 4 MiB of zeros deflate to a few KiB.
  const zeros = new Uint8Array(4 << 20);
  const bomb = zipArchive([
    { name: 'a.bin', data: zeros, method: 'deflate' },
    { name: 'b.bin', data: zeros, method: 'deflate' },
  ]);

  it('is small, and opens within the default limits', async () => {
    expect(bomb.length).toBeLessThan(20_000);
    expect((await openRecorded(bomb)).payloads.map((p) => p.bytes.length)).toEqual([
      4 << 20,
      4 << 20,
    ]);
  });

  it('one entry larger than the per-entry limit is refused before it is expanded', async () => {
    const e = await firmwareErrorOf(openRecorded(bomb, { maxEntrySize: 1 << 20 }));
    expect(e.code).toBe('budget');
    expect(e.message).toMatch(/expands to 4194304 bytes, more than the limit of 1048576/);
    expect(e.path).toBe('ZIP entry a.bin');
  });

  it('entries that together pass the total limit are refused', async () => {
    const e = await firmwareErrorOf(openRecorded(bomb, { maxDecompressed: 6 << 20 }));
    expect(e.code).toBe('budget');
    expect(e.path).toBe('ZIP entry b.bin');
  });

  it('more entries than the limit are refused before any is read', async () => {
    const many = zipArchive(
      Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, data: readme })),
    );
    const e = await firmwareErrorOf(openRecorded(many, { maxEntries: 10 }));
    expect(e.code).toBe('budget');
    expect(e.message).toMatch(/lists 12 entries, more than the limit of 10/);
  });
});

describe('ZIP archives in the whole parse', () => {
  const corpus = syntheticCorpus().find((c) => c.name === 'fv-ffsv2.fd')!;
  const gopSha = sha(corpus.gops[0]);
  const vbtSha = sha(corpus.vbts[0]);

  async function found(bytes: Uint8Array, limits: Partial<BudgetLimits> = {}) {
    const root = await parseFirmware(bytes, { budget: new Budget(limits) });
    const c = await findCandidates(root);
    return { root, gops: c.gops.map((g) => g.sha256), vbts: c.vbts.map((v) => v.sha256) };
  }

  it('the GOP and VBT inside a zip inside a zip are found, under their entries', async () => {
    const inner = zipArchive([
      { name: 'readme.txt', data: readme, method: 'deflate' },
      { name: 'X570.F40', data: corpus.bytes, method: 'deflate' },
    ]);
    const outer = zipArchive([{ name: 'bios-update.zip', data: inner }]);
    const { root, gops, vbts } = await found(outer);
    expect(gops).toEqual([gopSha]);
    expect(vbts).toEqual([vbtSha]);
    const inside = root.children[0].children[0].children[0];
    expect(inside.type).toBe('ZIP archive');
    expect(inside.children.map((c) => c.name)).toEqual(['readme.txt', 'X570.F40']);
  });

  it('archives nested deeper than the limit are a budget error', async () => {
    let z = zipArchive([{ name: 'bios.bin', data: corpus.bytes }]);
    for (let i = 0; i < 3; i++) z = zipArchive([{ name: `level${i}.zip`, data: z }]);
    expect((await found(z, { maxArchiveDepth: 4 })).gops).toEqual([gopSha]);
    const e = await firmwareErrorOf(found(z, { maxArchiveDepth: 3 }));
    expect(e.code).toBe('budget');
    expect(e.message).toMatch(/archives nested deeper than 3 levels/);
  });

  it('an entry that is not firmware stays an entry; the other entries are still read', async () => {
    const zip = zipArchive([
      { name: 'flash.exe', data: fakeExe(new Uint8Array(64), '\r\n;!@InstallEnd@!\r\n7z') },
      { name: 'bios.bin', data: corpus.bytes },
    ]);
    const { root, gops } = await found(zip);
    expect(gops).toEqual([gopSha]);
    expect(root.children[0].children[0].warnings[0]).toMatch(/^not read: .*Insyde/);
  });
});
