import { execFileSync } from 'node:child_process';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../bytes/checksum';
import { guidBytes } from '../bytes/guid';
import { ByteWriter } from '../bytes/view';
import { Budget } from '../budget';
import { FirmwareError } from '../errors';
import { SECTION_GUIDS } from '../guids';
import { findAll, imageNode, type FirmwareNode } from '../tree/node';
import {
  FFS3,
  FileState,
  FileType,
  NVRAM,
  STATE_VALID,
  SectionType,
  buildFile,
  buildSection,
  buildVolume,
  compressionSection,
  concatSections,
  filler,
  guidDefinedSection,
  uiSection,
  versionSection,
} from '../../../../fixtures/builder/index';
import { createParseContext } from './body';
import { looksLikeVolume } from './volume';

const G1 = '11111111-2222-3333-4444-555555555555';
const G2 = '22222222-3333-4444-5555-666666666666';
const G3 = '33333333-4444-5555-6666-777777777777';
const FV_NAME = '44444444-5555-6666-7777-888888888888';

async function parse(bytes: Uint8Array, budget?: Budget): Promise<FirmwareNode> {
  const root = imageNode(bytes);
  await createParseContext({ budget }).parseBody(root, bytes, 0);
  return root;
}
const kinds = (n: FirmwareNode) => n.children.map((c) => c.kind);
const files = (root: FirmwareNode) => findAll(root, (n) => n.kind === 'file');

function driver(guid: string, extra: Uint8Array[] = []): Uint8Array {
  return buildFile({
    guid,
    type: FileType.DRIVER,
    sections: [
      buildSection(SectionType.DXE_DEPEX, new Uint8Array([0x06, 0x08])),
      buildSection(SectionType.PE32, filler(200)),
      uiSection('DemoDriver'),
      versionSection(7, '1.2'),
      ...extra,
    ],
  });
}

describe('volume parsing', () => {
  it('reads header, ext header, files, sections and free space', async () => {
    const img = buildVolume({ size: 0x4000, extHeader: { fvName: FV_NAME }, files: [driver(G1)] });
    const root = await parse(img);
    expect(kinds(root)).toEqual(['volume']);
    const vol = root.children[0];
    expect(vol.type).toBe('FFSv2 volume');
    expect(vol.guid).toBe(FV_NAME);
    expect(vol.fields.erasePolarity).toBe(1);
    expect(vol.headerSize).toBe(0x78); // ALIGN8(0x60 + 0x14), as UEFITool shows it
    expect(vol.checks).toEqual([{ name: 'header checksum', ok: true, detail: undefined }]);
    expect(kinds(vol)).toEqual(['file', 'free-space']);
    const f = vol.children[0];
    expect(f.guid).toBe(G1);
    expect(f.name).toBe('DemoDriver');
    expect(f.type).toBe('DRIVER');
    expect(f.checks.every((c) => c.ok)).toBe(true);
    expect(f.warnings).toEqual([]);
    expect(f.children.map((s) => s.type)).toEqual([
      'DXE_DEPEX',
      'PE32',
      'USER_INTERFACE',
      'VERSION',
    ]);
    expect(f.children[0].text).toBe('TRUE\nEND');
    expect(f.children[3].text).toBe('1.2');
    expect(f.children[3].fields.buildNumber).toBe(7);
    const free = vol.children[1];
    expect(free.offset + free.raw.length).toBe(0x4000 - 0x78);
    expect(free.raw.every((b) => b === 0xff)).toBe(true);
  });

  it('names every file type (PI vol. 3 table, OEM/debug/FFS ranges) and every leaf section', async () => {
    const codes = [...Array(16).keys(), 0xc0, 0xe0, 0xf1];
    const names = [
      'ALL',
      'RAW',
      'FREEFORM',
      'SECURITY_CORE',
      'PEI_CORE',
      'DXE_CORE',
      'PEIM',
      'DRIVER',
      'COMBINED_PEIM_DRIVER',
      'APPLICATION',
      'MM',
      'FIRMWARE_VOLUME_IMAGE',
      'COMBINED_MM_DXE',
      'MM_CORE',
      'MM_STANDALONE',
      'MM_CORE_STANDALONE',
      'OEM 0xC0',
      'DEBUG 0xE0',
      'FFS 0xF1',
    ];
    const leaf = [
      buildSection(SectionType.PE32, filler(64, 1)),
      buildSection(SectionType.PIC, filler(64, 2)),
      buildSection(SectionType.TE, filler(64, 3)),
      buildSection(
        SectionType.DXE_DEPEX,
        new Uint8Array([0x02, ...guidBytes(G2), 0x06, 0x03, 0x08]),
      ),
      versionSection(0x1234, '5.6'),
      uiSection('Leaves'),
      buildSection(SectionType.COMPATIBILITY16, filler(32, 4)),
      buildSection(SectionType.FREEFORM_SUBTYPE_GUID, filler(16, 5), { extra: guidBytes(G3) }),
      buildSection(SectionType.RAW, filler(16, 6)),
      buildSection(SectionType.PEI_DEPEX, new Uint8Array([0x06, 0x08])),
      buildSection(SectionType.MM_DEPEX, new Uint8Array([0x00, ...guidBytes(G1), 0x08])),
    ];
    const all = codes.map((t, i) =>
      buildFile({
        guid: `0F0F0F0F-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
        type: t,
        ...(t <= 0x01
          ? { raw: filler(40, i) }
          : { sections: i === 7 ? leaf : [uiSection(`F${i}`)] }),
      }),
    );
    const vol = (await parse(buildVolume({ size: 0x4000, files: all }))).children[0];
    const got = vol.children.filter((c) => c.kind === 'file');
    expect(got.map((f) => f.type)).toEqual(names);
    expect(got.map((f) => f.fields.fileType)).toEqual(codes);
    expect(got.every((f) => f.checks.every((c) => c.ok) && f.warnings.length === 0)).toBe(true);
    const sections = got[7].children;
    expect(sections.map((x) => x.type)).toEqual([
      'PE32',
      'PIC',
      'TE',
      'DXE_DEPEX',
      'VERSION',
      'USER_INTERFACE',
      'COMPATIBILITY16',
      'FREEFORM_SUBTYPE_GUID',
      'RAW',
      'PEI_DEPEX',
      'MM_DEPEX',
    ]);
    expect(sections.every((x) => x.warnings.length === 0)).toBe(true);
    expect(sections[3].text).toBe(`PUSH ${G2}\nTRUE\nAND\nEND`);
    expect([sections[4].text, sections[4].fields.buildNumber]).toEqual(['5.6', 0x1234]);
    expect(sections[5].text).toBe('Leaves');
    expect(got[7].name).toBe('Leaves');
    expect(sections[7].guid).toBe(G3);
    expect(sections[7].raw.subarray(sections[7].headerSize)).toEqual(filler(16, 5));
    expect(sections[9].text).toBe('TRUE\nEND');
    expect(sections[10].text).toBe(`BEFORE ${G1}\nEND`);
  });

  it('places DATA_ALIGNMENT_2 data at its 128 KiB boundary and reports the alignment', async () => {
    const aligned = buildFile({
      guid: G2,
      type: FileType.RAW,
      raw: filler(64),
      attributes: 0x02 | (1 << 3),
    });
    const vol = (await parse(buildVolume({ size: 0x80000, files: [driver(G1), aligned] })))
      .children[0];
    const f = files(vol).find((x) => x.guid === G2)!;
    expect(f.fields.alignment).toBe(0x40000); // DATA_ALIGNMENT_2 with index 1: 2^(17+1)
    expect(((f.absOffset ?? 0) + f.headerSize) % 0x40000).toBe(0);
    expect(files(vol).map((x) => x.type)).toEqual(['DRIVER', 'FFS_PAD', 'RAW']);
    expect(f.checks.every((c) => c.ok)).toBe(true);
  });

  it('accepts the fixed data checksum 0x5A only in revision 1 (FFSv1) volumes', async () => {
    const file = buildFile({ guid: G1, type: FileType.RAW, raw: filler(32), fixedChecksum: 0x5a });
    const v1 = (await parse(buildVolume({ size: 0x2000, files: [file], revision: 1 }))).children[0];
    const v2 = (await parse(buildVolume({ size: 0x2000, files: [file], revision: 2 }))).children[0];
    expect(files(v1)[0].checks.find((c) => c.name === 'data checksum')?.ok).toBe(true);
    expect(files(v2)[0].checks.find((c) => c.name === 'data checksum')).toEqual({
      name: 'data checksum',
      ok: false,
      detail: 'fixed checksum is 0x5A, expected 0xAA',
    });
  });

  it('warns when the block map does not cover FvLength', async () => {
    const img = buildVolume({ size: 0x4000, files: [driver(G1)] });
    new DataView(img.buffer).setUint32(0x38, 3, true); // 3 blocks of 0x1000, FvLength 0x4000
    const vol = (await parse(img)).children[0];
    expect(vol.fields.blockMap).toBe('3x0x1000');
    expect(vol.warnings).toContain('block map covers 0x3000 bytes, FvLength is 0x4000');
    expect(vol.checks[0].ok).toBe(false); // the header changed, its checksum no longer holds
    expect(files(vol).map((f) => f.guid)).toEqual([G1]);
  });

  it('flags a bad volume header checksum', async () => {
    const root = await parse(buildVolume({ size: 0x2000, files: [], corruptChecksum: true }));
    expect(root.children[0].checks[0].ok).toBe(false);
    expect(root.children[0].warnings.join()).toMatch(/checksum/);
  });

  it('places aligned file data as asked (pad file before it)', async () => {
    const raw = buildFile({ guid: G2, type: FileType.RAW, raw: filler(10), attributes: 0x28 });
    const root = await parse(buildVolume({ size: 0x4000, files: [driver(G1), raw] }));
    const [d, pad, r] = files(root);
    expect(d.guid).toBe(G1);
    expect(pad.type).toBe('FFS_PAD');
    expect(r.guid).toBe(G2);
    expect(r.fields.alignment).toBe(0x1000);
    expect((0x48 + r.offset + 0x18) % 0x1000).toBe(0);
  });

  it('reads FFSv3 large files', async () => {
    const big = buildFile({ guid: G1, type: FileType.RAW, raw: filler(300), large: true });
    const root = await parse(buildVolume({ fsGuid: FFS3, size: 0x2000, files: [big] }));
    const [f] = files(root);
    expect(root.children[0].type).toBe('FFSv3 volume');
    expect(f.headerSize).toBe(0x20);
    expect(f.raw.length).toBe(0x20 + 300);
    expect(f.fields.largeFile).toBe(true);
    expect(f.checks.every((c) => c.ok)).toBe(true);
  });

  it('handles erase polarity 0 (states not inverted, zero free space)', async () => {
    const f0 = buildFile({ guid: G1, type: FileType.RAW, raw: filler(8), erasePolarity: 0 });
    const del = buildFile({
      guid: G2,
      type: FileType.RAW,
      raw: filler(8),
      erasePolarity: 0,
      state: 0x17,
    });
    const root = await parse(buildVolume({ size: 0x1000, erasePolarity: 0, files: [f0, del] }));
    const vol = root.children[0];
    expect(vol.fields.erasePolarity).toBe(0);
    expect(kinds(vol)).toEqual(['file', 'file', 'free-space']);
    expect(vol.children[0].fields.stateName).toBe('DATA_VALID');
    expect(vol.children[0].fields.deleted).toBeUndefined();
    expect(vol.children[1].fields.deleted).toBe(true);
    expect(vol.children[2].raw.every((b) => b === 0)).toBe(true);
  });

  it('flags deleted and header-invalid files under polarity 1', async () => {
    const del = buildFile({
      guid: G1,
      type: FileType.RAW,
      raw: filler(8),
      state: STATE_VALID | FileState.DELETED,
    });
    const inv = buildFile({ guid: G2, type: FileType.RAW, raw: filler(8), state: 0x3f });
    const ok = buildFile({ guid: G3, type: FileType.RAW, raw: filler(8) });
    const root = await parse(buildVolume({ size: 0x1000, files: [del, inv, ok] }));
    const [a, b, c] = files(root);
    expect(a.raw[0x17]).toBe(0xe8);
    expect(a.fields.deleted).toBe(true);
    expect(b.fields.stateName).toBe('HEADER_INVALID');
    expect(b.fields.deleted).toBe(true);
    expect(c.fields.deleted).toBeUndefined();
  });

  it('reports bad file checksums as failed checks, with a warning', async () => {
    const badHeader = buildFile({
      guid: G1,
      type: FileType.RAW,
      raw: filler(8),
      corruptHeaderChecksum: true,
    });
    const badData = buildFile({
      guid: G2,
      type: FileType.RAW,
      raw: filler(8),
      attributes: 0x40,
      corruptDataChecksum: true,
    });
    const goodData = buildFile({ guid: G3, type: FileType.RAW, raw: filler(8), attributes: 0x40 });
    const root = await parse(buildVolume({ size: 0x1000, files: [badHeader, badData, goodData] }));
    const [a, b, c] = files(root);
    expect(a.checks.find((x) => x.name === 'header checksum')?.ok).toBe(false);
    expect(a.warnings.join()).toMatch(/header checksum/);
    expect(b.checks.find((x) => x.name === 'data checksum')?.ok).toBe(false);
    expect(c.checks.every((x) => x.ok)).toBe(true);
  });

  it('reads HEADER2 sections', async () => {
    const f = buildFile({
      guid: G1,
      type: FileType.FREEFORM,
      sections: [
        buildSection(SectionType.RAW, filler(40), { header2: true }),
        uiSection('Two', { header2: true }),
      ],
    });
    const root = await parse(buildVolume({ size: 0x1000, files: [f] }));
    const [raw, ui] = files(root)[0].children;
    expect(raw.headerSize).toBe(8);
    expect(raw.raw.length).toBe(48);
    expect(raw.fields.header2).toBe(true);
    expect(ui.text).toBe('Two');
  });

  it('opens nested sections: compression type 0, CRC32, disposable, volume image', async () => {
    const inner = buildVolume({
      size: 0x1000,
      files: [buildFile({ guid: G3, type: FileType.RAW, raw: filler(16) })],
    });
    const payload = buildSection(SectionType.PE32, filler(64));
    const crcOk = guidDefinedSection(SECTION_GUIDS.crc32, payload, {
      attributes: 0x02,
      guidHeader: new ByteWriter(4).u32(crc32(payload)).finish(),
    });
    const crcBad = guidDefinedSection(SECTION_GUIDS.crc32, payload, {
      attributes: 0x02,
      guidHeader: new ByteWriter(4).u32(crc32(payload) ^ 1).finish(),
    });
    const f = buildFile({
      guid: G1,
      type: FileType.FIRMWARE_VOLUME_IMAGE,
      sections: [
        compressionSection(uiSection('Inside')),
        crcOk,
        crcBad,
        buildSection(SectionType.DISPOSABLE, payload),
        buildSection(SectionType.FIRMWARE_VOLUME_IMAGE, inner),
      ],
    });
    const root = await parse(buildVolume({ size: 0x4000, files: [f] }));
    const file = files(root)[0];
    const [comp, ok, bad, disp, fvs] = file.children;
    expect(comp.children[0].text).toBe('Inside');
    expect(file.name).toBe('Inside');
    expect(ok.checks[0].ok).toBe(true);
    expect(ok.children[0].type).toBe('PE32');
    expect(bad.checks[0].ok).toBe(false);
    expect(disp.children[0].type).toBe('PE32');
    expect(fvs.children[0].kind).toBe('volume');
    expect(fvs.children[0].children[0].guid).toBe(G3);
  });

  it('decodes an LZMA GUID-defined section made by xz', async () => {
    const plain = concatSections([buildSection(SectionType.PE32, filler(3001)), uiSection('Lz')]);
    // xz writes the "LZMA alone" format edk2 uses (it marks the size unknown and ends with a marker).
    const packed = new Uint8Array(execFileSync('xz', ['--format=lzma', '-c'], { input: plain }));
    const f = buildFile({
      guid: G1,
      type: FileType.DRIVER,
      sections: [guidDefinedSection(SECTION_GUIDS.lzma, packed)],
    });
    const root = await parse(buildVolume({ size: 0x4000, files: [f] }));
    const sec = files(root)[0].children[0];
    expect(sec.warnings).toEqual([]);
    expect(sec.decoded?.method).toBe('LZMA');
    expect(sec.decoded?.bytes).toEqual(plain);
    expect(sec.children.map((c) => c.type)).toEqual(['PE32', 'USER_INTERFACE']);
    expect(files(root)[0].name).toBe('Lz');
  });

  it('keeps unknown GUID-defined data opaque, with a warning', async () => {
    const f = buildFile({
      guid: G1,
      type: FileType.DRIVER,
      sections: [guidDefinedSection(G2, filler(30))],
    });
    const sec = files(await parse(buildVolume({ size: 0x1000, files: [f] })))[0].children[0];
    expect(sec.children[0].kind).toBe('opaque');
    expect(sec.children[0].warnings.join()).toMatch(/unknown GUID-defined/);
  });

  it('turns a section that overruns its file into opaque data with a warning', async () => {
    const s = buildSection(SectionType.RAW, filler(20));
    s[0] = 0xf0; // size now 0xF0, past the file end
    const f = buildFile({ guid: G1, type: FileType.FREEFORM, raw: s });
    const file = files(await parse(buildVolume({ size: 0x1000, files: [f] })))[0];
    expect(file.children.map((c) => c.kind)).toEqual(['opaque']);
    expect(file.children[0].warnings.join()).toMatch(/declares size/);
  });

  it('a truncated volume gives warnings, not an exception', async () => {
    const img = buildVolume({ size: 0x2000, files: [driver(G1), driver(G2)] });
    const cut = img.subarray(0, 0x48 + 0x100);
    expect(looksLikeVolume(cut, 0)).toBe(true);
    const root = await parse(cut);
    const vol = root.children[0];
    expect(vol.warnings.join()).toMatch(/truncated/);
    const last = vol.children[vol.children.length - 1];
    expect(last.kind).toBe('padding');
    expect(last.warnings.join()).toMatch(/declares size/);
  });

  it('marks data after the free space', async () => {
    const root = await parse(
      buildVolume({ size: 0x1000, files: [], trailer: new Uint8Array([1, 2, 3, 4]) }),
    );
    const vol = root.children[0];
    expect(kinds(vol)).toEqual(['free-space', 'padding']);
    expect(vol.children[1].raw.length).toBe(4);
    expect(vol.children[1].warnings.length).toBe(1);
  });

  it('keeps an NVRAM volume body opaque without warnings', async () => {
    const root = await parse(buildVolume({ fsGuid: NVRAM, size: 0x1000, files: [] }));
    const vol = root.children[0];
    expect(vol.type).toBe('NVRAM volume');
    expect(kinds(vol)).toEqual(['opaque']);
    expect(vol.children[0].warnings).toEqual([]);
  });

  it('finds volumes after unknown data and records the bytes between', async () => {
    const v1 = buildVolume({ size: 0x1000, files: [driver(G1)] });
    const v2 = buildVolume({ size: 0x1000, files: [driver(G2)] });
    const junk = filler(0x123);
    const img = new Uint8Array([...junk, ...v1, ...new Uint8Array(0x40).fill(0xff), ...v2]);
    const root = await parse(img);
    expect(kinds(root)).toEqual(['padding', 'volume', 'padding', 'volume']);
    expect(root.children[0].warnings.length).toBe(1);
    expect(root.children[2].warnings).toEqual([]);
    expect(root.children[3].absOffset).toBe(0x123 + 0x1000 + 0x40);
    expect(files(root).map((f) => f.guid)).toEqual([G1, G2]);
    expect(files(root)[1].absOffset).toBe(0x123 + 0x1000 + 0x40 + 0x48);
  });

  it('stops at the node budget with a FirmwareError', async () => {
    const img = buildVolume({ size: 0x2000, files: [driver(G1), driver(G2), driver(G3)] });
    const err = await parse(img, new Budget({ maxNodes: 5 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareError);
    expect((err as FirmwareError).code).toBe('budget');
  });

  it('rejects nothing-like-a-volume input quietly (one opaque node)', async () => {
    const root = await parse(filler(500));
    expect(kinds(root)).toEqual(['opaque']);
    expect(guidBytes(G1).length).toBe(16);
  });
});

describe('other GUID-defined encodings', () => {
  const inner = concatSections([buildSection(SectionType.PE32, filler(500)), uiSection('Packed')]);
  const parseOne = async (section: Uint8Array) =>
    files(
      await parse(
        buildVolume({
          size: 0x2000,
          files: [buildFile({ guid: G1, type: FileType.DRIVER, sections: [section] })],
        }),
      ),
    )[0];

  it('decodes gzip sections (Node zlib as the encoder)', async () => {
    const body = new Uint8Array(gzipSync(inner));
    const f = await parseOne(guidDefinedSection(SECTION_GUIDS.gzip, body));
    expect(f.children[0].decoded?.bytes).toEqual(inner);
    expect(f.name).toBe('Packed');
  });

  it('decodes edk2 Brotli sections (sizes header + Node brotli stream)', async () => {
    const stream = new Uint8Array(brotliCompressSync(inner));
    const body = new ByteWriter().u64(inner.length).u64(0x1000).bytes(stream).finish();
    const f = await parseOne(guidDefinedSection(SECTION_GUIDS.brotli, body));
    if (!f.children[0].decoded) {
      // A runtime without a Brotli decoder keeps the section, with a warning saying why.
      expect(f.children[0].warnings.join()).toMatch(/Brotli/);
      return;
    }
    expect(f.children[0].warnings).toEqual([]);
    expect(f.children[0].decoded?.bytes).toEqual(inner);
  });

  it('skips the certificate of a signed section', async () => {
    const cert = new ByteWriter().u32(24).u16(0x200).u16(0x0ef1).bytes(filler(16)).finish();
    const body = new Uint8Array([...cert, ...inner]);
    const f = await parseOne(guidDefinedSection(SECTION_GUIDS.signed, body));
    expect(f.children[0].fields.certificateLength).toBe(24);
    expect(f.children[0].children.map((c) => c.type)).toEqual(['PE32', 'USER_INTERFACE']);
  });
});

describe('damaged input', () => {
  it('never throws anything but a budget FirmwareError on mutated volumes', async () => {
    const inner = buildVolume({ size: 0x1000, files: [driver(G3)] });
    const base = buildVolume({
      size: 0x4000,
      extHeader: { fvName: FV_NAME },
      files: [
        driver(G1, [compressionSection(uiSection('C'))]),
        buildFile({
          guid: G2,
          type: FileType.FIRMWARE_VOLUME_IMAGE,
          sections: [buildSection(SectionType.FIRMWARE_VOLUME_IMAGE, inner)],
        }),
      ],
    });
    let x = 12345;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x % n;
    };
    for (let round = 0; round < 300; round++) {
      const img = base.slice();
      // Damage the structured start (headers, sizes) more often than the filler.
      for (let k = 0; k < 1 + rnd(4); k++) img[rnd(round % 2 ? 0x400 : img.length)] = rnd(256);
      const root = await parse(img).catch((e: unknown) => e);
      if (root instanceof Error) {
        expect(root).toBeInstanceOf(FirmwareError);
        expect((root as FirmwareError).code).toBe('budget');
      }
    }
  });
});
