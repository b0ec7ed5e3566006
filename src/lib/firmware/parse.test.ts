import { describe, expect, it } from 'vitest';
import {
  FileType,
  SectionType,
  buildFile,
  buildSection,
  buildVolume,
  compressionSection,
  concatSections,
  filler,
  guidDefinedSection,
  uiSection,
} from '../../../fixtures/builder/index';
import { ByteWriter } from './bytes/view';
import { lzmaCompress } from './compress/lzma/encoder';
import { SECTION_GUIDS } from './guids';
import { syntheticCorpus } from '../../../fixtures/builder/corpus';
import type { DecodeCache, DecodedBody } from './tree/context';
import { findAll } from './tree/node';
import { treeToJson } from './tree/report';
import { Budget } from './budget';
import { FirmwareError } from './errors';
import { parseFirmware } from './parse';
import { fixturePath, haveFixtures, readFixture } from '../../../tests/helpers/fixtures';
import { existsSync } from 'node:fs';

describe('parseFirmware', () => {
  const vol = buildVolume({
    size: 0x2000,
    files: [
      buildFile({
        guid: '11111111-2222-3333-4444-555555555555',
        type: FileType.DRIVER,
        sections: [uiSection('X')],
      }),
    ],
  });

  it('returns an image root with the volumes, reporting progress', async () => {
    const seen: number[] = [];
    const root = await parseFirmware(new Uint8Array([...vol, ...vol]), {
      name: 'two.fd',
      progress: (n) => seen.push(n),
    });
    expect(root.kind).toBe('image');
    expect(root.name).toBe('two.fd');
    expect(root.children.map((c) => c.kind)).toEqual(['volume', 'volume']);
    expect(root.children[1].absOffset).toBe(0x2000);
    expect(seen).toContain(0x2000);
    expect(seen[seen.length - 1]).toBe(0x4000);
  });

  it('throws an unrecognized FirmwareError for bytes with nothing known', async () => {
    const err = await parseFirmware(filler(4096)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareError);
    expect((err as FirmwareError).code).toBe('unrecognized');
  });

  it('honours the budget passed in', async () => {
    const err = await parseFirmware(vol, { budget: new Budget({ maxNodes: 2 }) }).catch(
      (e: unknown) => e,
    );
    expect((err as FirmwareError).code).toBe('budget');
  });

  it('stops containers nested deeper than 24 levels with a budget error', async () => {
    let inner = buildVolume({ size: 0x1000, files: [] });
    for (let i = 0; i < 30; i++) {
      const file = buildFile({
        guid: `00000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`,
        type: FileType.FIRMWARE_VOLUME_IMAGE,
        sections: [buildSection(SectionType.FIRMWARE_VOLUME_IMAGE, inner)],
      });
      inner = buildVolume({
        files: [file],
        size: Math.ceil((file.length + 0x100) / 0x1000) * 0x1000,
      });
    }
    const err = await parseFirmware(inner).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareError);
    expect((err as FirmwareError).code).toBe('budget');
    expect((err as FirmwareError).message).toMatch(/nested deeper than 24/);
  });

  it('stops when all decompressed output together passes the budget', async () => {
    const body = concatSections([buildSection(SectionType.RAW, new Uint8Array(0x8000))]);
    const section = guidDefinedSection(SECTION_GUIDS.lzma, lzmaCompress(body, { preset: 'fast' }));
    const file = (n: number) =>
      buildFile({
        guid: `11111111-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
        type: FileType.FREEFORM,
        sections: [section],
      });
    const img = buildVolume({ size: 0x4000, files: [file(1), file(2), file(3)] });
    const budget = new Budget({ maxDecompressed: 2 * body.length + 10 });
    const err = await parseFirmware(img, { budget }).catch((e: unknown) => e);
    expect((err as FirmwareError).code).toBe('budget');
    // Within the budget the same image parses, all three decoded.
    const root = await parseFirmware(img, {
      budget: new Budget({ maxDecompressed: 3 * body.length }),
    });
    expect(findAll(root, (n) => n.decoded !== undefined)).toHaveLength(3);
  });

  it('a section declaring an impossible size is damage on that section, not the end of the parse', async () => {
    const good = buildFile({
      guid: '22222222-0000-4000-8000-000000000001',
      type: FileType.DRIVER,
      sections: [uiSection('Kept')],
    });
    const lz = lzmaCompress(new Uint8Array(64), { preset: 'fast' });
    new DataView(lz.buffer, lz.byteOffset).setUint32(5, 0xfffffff0, true); // declared size
    const bomb = buildFile({
      guid: '22222222-0000-4000-8000-000000000002',
      type: FileType.FREEFORM,
      sections: [guidDefinedSection(SECTION_GUIDS.lzma, lz)],
    });
    const efi = compressionSection(new ByteWriter().u32(16).u32(0x7fffffff).fill(0, 16).finish(), {
      compressionType: 1,
    });
    const bomb2 = buildFile({
      guid: '22222222-0000-4000-8000-000000000003',
      type: FileType.FREEFORM,
      sections: [efi],
    });
    const root = await parseFirmware(buildVolume({ size: 0x2000, files: [bomb, bomb2, good] }));
    const [f1, f2, f3] = findAll(root, (n) => n.kind === 'file');
    expect(f1.children[0].warnings.join()).toMatch(/LZMA declares 4294967280 bytes/);
    expect(f2.children[0].warnings.join()).toMatch(/more than a section can hold/);
    expect(f3.name).toBe('Kept');
  });

  it('gives the same tree from a decode cache, charging the budget all the same', async () => {
    const img = syntheticCorpus().find((c) => c.name === 'section-nested.fd')!.bytes;
    const entries = new Map<string, DecodedBody>();
    const cache: DecodeCache = {
      get: (k) => entries.get(k),
      set: (k, v) => void entries.set(k, v),
    };
    const plain = new Budget();
    const fresh = await parseFirmware(img, { budget: plain });
    const first = await parseFirmware(img, { decodeCache: cache });
    expect(entries.size).toBe(2); // the EFI 1.1 stream and the LZMA stream inside it
    const hits = new Budget();
    let gets = 0;
    const counting: DecodeCache = { get: (k) => (gets++, entries.get(k)), set: () => undefined };
    const second = await parseFirmware(img, { decodeCache: counting, budget: hits });
    expect(gets).toBe(2);
    expect(JSON.stringify(treeToJson(second))).toBe(JSON.stringify(treeToJson(fresh)));
    expect(JSON.stringify(treeToJson(first))).toBe(JSON.stringify(treeToJson(fresh)));
    expect(hits.decompressed).toBe(plain.decompressed);
  });
});

describe.skipIf(!haveFixtures)('parse progress', () => {
  it('moves forward through a compressed volume, not only between volumes', async () => {
    const rel = 'ovmf/debian-bookworm/OVMF_CODE_4M.fd';
    if (!existsSync(fixturePath(rel))) return;
    const bytes = readFixture(rel);
    const seen: number[] = [];
    const root = await parseFirmware(bytes, { progress: (n) => seen.push(n) });
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    expect(seen.at(-1)).toBe(bytes.length);
    // FVMAIN_COMPACT is one LZMA section: the decode and the files inside it must be heard from.
    const compact = root.children[0];
    const inside = seen.filter((n) => n > compact.absOffset! + 0x100 && n < compact.raw.length);
    expect(inside.length).toBeGreaterThan(50);
  });
});
