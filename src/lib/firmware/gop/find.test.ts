import { describe, expect, it } from 'vitest';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileState,
  FileType,
  SectionType,
  uiSection,
} from '../../../../fixtures/builder/index';
import { guidBytes } from '../bytes/guid';
import { parseFirmware } from '../parse';
import { addChild, IMAGE_DATA, makeNode, NO_DATA } from '../tree/node';
import { findCandidates } from './find';

/** Web Crypto as the reference hash (the core may not import node:crypto, not even in tests). */
async function sha(b: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>));
  return [...d].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function utf16(s: string): number[] {
  return [...s].flatMap((c) => [c.charCodeAt(0), 0]);
}

/**
 * A minimal PE32+ EFI driver (PE/COFF spec: MZ, e_lfanew, PE\0\0, optional header magic 0x20B,
 * SizeOfHeaders 0x200, no sections) with `text` as UTF-16LE inside the headers and `tag` to make
 * images differ.
 */
function makePe(text: string, tag = 0): Uint8Array {
  const b = new Uint8Array(0x200);
  const dv = new DataView(b.buffer);
  b.set([0x4d, 0x5a]);
  dv.setUint32(0x3c, 0x40, true);
  b.set([0x50, 0x45, 0, 0], 0x40);
  dv.setUint16(0x44, 0x8664, true); // Machine x64
  dv.setUint16(0x46, 0, true); // NumberOfSections
  dv.setUint16(0x54, 0xf0, true); // SizeOfOptionalHeader
  const opt = 0x58;
  dv.setUint16(opt, 0x20b, true);
  dv.setUint32(opt + 56, 0x200, true); // SizeOfImage
  dv.setUint32(opt + 60, 0x200, true); // SizeOfHeaders
  dv.setUint16(opt + 68, 11, true); // EFI boot service driver
  b.set(utf16(text), 0x150);
  b[0x1f0] = tag;
  return b;
}

/**
 * A VBT as Linux i915 validates it: a 0x30-byte header ("$VBT <platform>", version, header_size,
 * vbt_size, checksum, bdb_offset) and a 22-byte BDB header "BIOS_DATA_BLOCK " with bdb_size 22.
 */
function makeVbt(
  platform: string,
  opts: { badChecksum?: boolean; bdbSize?: number } = {},
): Uint8Array {
  const size = 0x30 + 22;
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  b.set([...`$VBT ${platform}`.padEnd(20, ' ')].map((c) => c.charCodeAt(0)));
  dv.setUint16(0x14, 100, true);
  dv.setUint16(0x16, 0x30, true);
  dv.setUint16(0x18, size, true);
  dv.setUint32(0x1c, 0x30, true);
  b.set(
    [...'BIOS_DATA_BLOCK '].map((c) => c.charCodeAt(0)),
    0x30,
  );
  dv.setUint16(0x40, 230, true);
  dv.setUint16(0x42, 22, true);
  dv.setUint16(0x44, opts.bdbSize ?? 22, true);
  let sum = 0;
  for (const x of b) sum += x;
  b[0x1a] = (0x100 - (sum & 0xff) + (opts.badChecksum ? 1 : 0)) & 0xff;
  return b;
}

function padded(b: Uint8Array, length: number, fill = 0xff): Uint8Array {
  const out = new Uint8Array(length).fill(fill);
  out.set(b);
  return out;
}

const GOP_TEXT = 'Intel(R) GOP Driver';
const G_DRIVER = '11111111-0000-0000-0000-000000000001';
const G_OTHER = '11111111-0000-0000-0000-000000000002';
const G_DELETED = '11111111-0000-0000-0000-000000000003';
const AMI_OPROM = 'A0327FE0-1FDA-4E5B-905D-B510C45A61D0';
const AMI_OPROM_SUBTYPE = '380B6B4F-1454-41F2-A6D3-61D1333E8CB4';
const IGOP_VBT = '878AC2CC-5343-46F2-B563-51F89DAF56BA';
const GOP_VBT = '56752DA9-DE6B-4895-8819-1945B6B76C22';

describe('findCandidates on a built image', async () => {
  const gopA = makePe(`${GOP_TEXT} [17.0.1064]`, 1);
  const gopB = makePe(`${GOP_TEXT} [17.0.1000]`, 2);
  const gopC = makePe(`${GOP_TEXT} [21.0.1054]`, 3);
  const notGop = makePe('Platform GOP Policy', 4);
  const vbt1 = makeVbt('TIGERLAKE');
  const vbt1Stored = padded(vbt1, 128);
  const vbt2 = makeVbt('ALDERLAKE-P', { badChecksum: true });

  const driver = (guid: string, pe: Uint8Array, name: string, state?: number) =>
    buildFile({
      guid,
      type: FileType.DRIVER,
      state,
      sections: [buildSection(SectionType.PE32, pe), uiSection(name)],
    });
  const vol1 = buildVolume({
    size: 0x4000,
    files: [
      driver(G_DRIVER, gopA, 'IntelGopDriver'),
      driver(G_OTHER, notGop, 'PlatformGopPolicy'),
      driver(G_DELETED, gopB, 'OldGop', FileState.DELETED | 0x07),
      buildFile({
        guid: AMI_OPROM,
        type: FileType.FREEFORM,
        sections: [
          buildSection(SectionType.FREEFORM_SUBTYPE_GUID, gopC, {
            extra: guidBytes(AMI_OPROM_SUBTYPE),
          }),
        ],
      }),
      buildFile({ guid: IGOP_VBT, type: FileType.RAW, raw: vbt1Stored }),
      buildFile({
        guid: GOP_VBT,
        type: FileType.FREEFORM,
        sections: [buildSection(SectionType.RAW, vbt2), uiSection('IntelGopVbt')],
      }),
    ],
  });
  // A backup volume holding the same GOP again.
  const vol2 = buildVolume({ size: 0x2000, files: [driver(G_DRIVER, gopA, 'IntelGopDriver')] });
  const image = new Uint8Array(vol1.length + vol2.length);
  image.set(vol1);
  image.set(vol2, vol1.length);
  const found = await findCandidates(await parseFirmware(image));
  const h = {
    gopA: await sha(gopA),
    gopB: await sha(gopB),
    gopC: await sha(gopC),
    vbt1: await sha(vbt1),
    vbt1Stored: await sha(vbt1Stored),
    vbt2: await sha(vbt2),
  };

  it('offers the live GOPs by content, in a PE32 section and a freeform-subtype section', () => {
    expect(found.gops.map((g) => g.sha256)).toEqual([h.gopA, h.gopC]);
    const [a, c] = found.gops;
    expect(a.fileGuid).toBe(G_DRIVER);
    expect(a.uiName).toBe('IntelGopDriver');
    expect(a.fileType).toBe(FileType.DRIVER);
    expect(a.size).toBe(gopA.length);
    expect([...a.bytes]).toEqual([...gopA]);
    expect(a.deleted).toBe(false);
    expect(c.fileGuid).toBe(AMI_OPROM);
    expect(c.path).toMatch(/FREEFORM_SUBTYPE_GUID/);
  });

  it('keeps one of two identical copies and lists the other', () => {
    const a = found.gops[0];
    expect(a.copies).toHaveLength(1);
    expect(a.copies[0].fileGuid).toBe(G_DRIVER);
    expect(a.copies[0].order).toBeGreaterThan(a.order);
    expect(a.copies[0].path).not.toBe(a.path);
  });

  it('sets a GOP in a DELETED file aside with the reason', () => {
    expect(found.ignored).toHaveLength(1);
    expect(found.ignored[0]).toMatchObject({
      kind: 'gop',
      sha256: h.gopB,
      fileGuid: G_DELETED,
      uiName: 'OldGop',
    });
    expect(found.ignored[0].reason.en).toBe(
      `file ${G_DELETED} is marked DELETED; firmware never loads it`,
    );
    expect(found.ignored[0].reason['zh-CN']).toBe(
      `文件 ${G_DELETED} 被标记为 DELETED，固件不会加载它`,
    );
  });

  it('does not offer a PE without the GOP name', () => {
    expect(found.gops.some((g) => g.fileGuid === G_OTHER)).toBe(false);
  });

  it('finds VBTs in a raw file and a raw section: exact vbt_size bytes and the stored body', () => {
    expect(found.vbts.map((v) => v.fileGuid)).toEqual([IGOP_VBT, GOP_VBT]);
    const [v1, v2] = found.vbts;
    expect([...v1.bytes]).toEqual([...vbt1]);
    expect(v1.sha256).toBe(h.vbt1);
    expect(v1.stored.length).toBe(128);
    expect(v1.storedSha256).toBe(h.vbt1Stored);
    expect(v1.info.platform).toBe('TIGERLAKE');
    expect(v1.warnings).toEqual([]);
    expect(v2.uiName).toBe('IntelGopVbt');
    expect(v2.sha256).toBe(h.vbt2);
    expect(v2.warnings.map((w) => w.en)).toEqual([
      'VBT checksum is bad (Linux i915 and most GOPs accept it anyway)',
    ]);
    expect(v2.warnings[0]['zh-CN']).toMatch(/^VBT 校验和错误/);
  });
});

describe('findCandidates on bare inputs and option-ROM images', () => {
  it('finds a bare VBT file and rejects one whose BDB runs past vbt_size', async () => {
    const good = makeVbt('SKYLAKE');
    const f = await findCandidates(await parseFirmware(good));
    expect(f.vbts.map((v) => v.sha256)).toEqual([await sha(good)]);
    expect(f.vbts[0].fileGuid).toBeUndefined();
    const bad = makeVbt('SKYLAKE', { bdbSize: 0x400 });
    const g = await findCandidates(await parseFirmware(bad));
    expect(g.vbts).toEqual([]);
  });

  it('finds a bare GOP image and ignores a bare non-GOP image', async () => {
    const gop = makePe(`${GOP_TEXT} [9.0.1080]`);
    const f = await findCandidates(await parseFirmware(gop));
    expect(f.gops.map((g) => g.sha256)).toEqual([await sha(gop)]);
    const other = await findCandidates(await parseFirmware(makePe('Something else')));
    expect(other.gops).toEqual([]);
  });

  it("trims an option-ROM PE image's zero padding, keeps other trailing data, finds a legacy VBIOS VBT", async () => {
    const gop = makePe(`${GOP_TEXT} [10.0.1037]`);
    const root = makeNode({
      kind: 'image',
      type: 'image',
      offset: 0,
      raw: new Uint8Array(0x400),
      data: IMAGE_DATA,
    });
    const rom = addChild(
      root,
      makeNode({
        kind: 'rom-image',
        type: 'EFI option ROM image',
        offset: 0,
        raw: root.raw,
        data: NO_DATA,
      }),
    );
    addChild(
      rom,
      makeNode({
        kind: 'pe',
        type: 'PE32+ image',
        offset: 0,
        raw: padded(gop, 0x300, 0),
        data: NO_DATA,
      }),
    );
    const withData = padded(gop, 0x300, 0);
    withData[0x2ff] = 1;
    const rom2 = addChild(
      root,
      makeNode({
        kind: 'rom-image',
        type: 'EFI option ROM image',
        offset: 0,
        raw: root.raw,
        data: NO_DATA,
      }),
    );
    addChild(
      rom2,
      makeNode({ kind: 'pe', type: 'PE32+ image', offset: 0, raw: withData, data: NO_DATA }),
    );
    // A legacy VBIOS image: its VBT lies somewhere in the code.
    const vbt = makeVbt('SKYLAKE');
    const legacy = new Uint8Array(0x400);
    legacy.set(vbt, 0x180);
    const rom3 = addChild(
      root,
      makeNode({
        kind: 'rom-image',
        type: 'legacy option ROM image',
        offset: 0,
        raw: legacy,
        data: NO_DATA,
      }),
    );
    addChild(rom3, makeNode({ kind: 'opaque', type: 'legacy code', offset: 0, raw: legacy }));
    const f = await findCandidates(root);
    expect(f.gops.map((g) => g.size)).toEqual([0x200, 0x300]);
    expect(f.gops[0].sha256).toBe(await sha(gop));
    expect(f.vbts.map((v) => v.sha256)).toEqual([await sha(vbt)]);
    expect(f.vbts[0].stored.length).toBe(0x400 - 0x180);
  });
});
