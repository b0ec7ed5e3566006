import { describe, expect, it } from 'vitest';
import { haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { guidBytes } from '../bytes/guid';
import { ByteWriter } from '../bytes/view';
import { CAPSULE_GUIDS } from './capsule';
import { openContainer } from './index';
import { parseReport, recordingContext, rootOf } from './testing';

/** Capsules whose payload offset UEFIExtract reports as an "Image" row. */
const CAPSULES: [string, string, string][] = [
  ['vendor-like/efi-capsule.cap', 'UEFI capsule', CAPSULE_GUIDS.efi],
  ['vendor-like-2/efi-capsule-glk.cap', 'UEFI capsule', CAPSULE_GUIDS.efi],
  ['vendor-like/aptio5-asus.cap', 'AMI Aptio signed capsule', CAPSULE_GUIDS.amiSigned],
  ['vendor-like-2/aptio5-cap-tgl.CAP', 'AMI Aptio signed capsule', CAPSULE_GUIDS.amiSigned],
];

describe.skipIf(!haveFixtures)('capsules in the vendor-like sets', () => {
  for (const [rel, type, guid] of CAPSULES) {
    it(`${rel}: the payload is what UEFIExtract calls the image`, async () => {
      const bytes = readFixture(rel);
      const rows = parseReport(new TextDecoder().decode(readFixture(rel + '.report.txt')));
      const cap = rows.find((r) => r.type === 'Capsule')!;
      const image = rows.find((r) => r.type === 'Image')!;
      const root = rootOf(bytes);
      const { ctx, payloads } = recordingContext();
      expect(await openContainer(root, bytes, 0, ctx)).toBe(true);
      const [node] = root.children;
      expect(node.kind).toBe('capsule');
      expect(node.type).toBe(type);
      expect(node.guid).toBe(guid);
      expect(node.raw.length).toBe(cap.size);
      expect(payloads.map((p) => [p.abs, p.bytes.length])).toEqual([[image.base, image.size]]);
      // The payload starts with a firmware volume (signature _FVH at 0x28).
      expect(new TextDecoder().decode(payloads[0].bytes.subarray(0x28, 0x2c))).toBe('_FVH');
      expect(node.warnings).toEqual([]);
    });
  }

  it('fmp-capsule-skl-kbl.cap: skips the authentication and MSS1 header to the first volume', async () => {
    const rel = 'vendor-like-2/fmp-capsule-skl-kbl.cap';
    const bytes = readFixture(rel);
    const rows = parseReport(new TextDecoder().decode(readFixture(rel + '.report.txt')));
    const firstVolume = rows.find((r) => r.type === 'Volume')!;
    const root = rootOf(bytes);
    const { ctx, payloads } = recordingContext();
    expect(await openContainer(root, bytes, 0, ctx)).toBe(true);
    const [cap] = root.children;
    expect(cap.type).toBe('UEFI FMP capsule');
    expect(cap.fields['payload items']).toBe(1);
    const [img] = cap.children;
    expect(img.type).toBe('FMP image');
    expect(img.fields['header version']).toBe(2);
    expect(img.fields['payload header']).toBe('MSS1');
    expect(img.fields['certificate type']).toBe('4AAFD29D-68DF-49EE-8AA9-347D375665A7'); // EFI_CERT_TYPE_PKCS7_GUID
    expect(payloads.length).toBe(1);
    expect(payloads[0].abs).toBe(firstVolume.base);
    expect(payloads[0].abs! + payloads[0].bytes.length).toBe(bytes.length);
  });
});

function capsuleHeader(
  w: ByteWriter,
  guid: string,
  headerSize: number,
  flags: number,
  size: number,
): void {
  w.bytes(guidBytes(guid)).u32(headerSize).u32(flags).u32(size);
}

describe('capsules, synthetic', () => {
  it('FMP v3 image header with an embedded driver and vendor code', async () => {
    const driver = new Uint8Array(0x40);
    driver.set([0x4d, 0x5a]);
    const image = new Uint8Array(0x100).fill(0xab);
    const vendor = new Uint8Array(0x10).fill(0xcd);
    const w = new ByteWriter();
    const fmpAt = 0x20;
    const itemsAt = fmpAt + 8 + 2 * 8;
    const imgAt = itemsAt + driver.length;
    const total = imgAt + 0x30 + image.length + vendor.length;
    capsuleHeader(w, CAPSULE_GUIDS.fmp, 0x20, 0x50000, total);
    w.fill(0, 4);
    w.u32(1)
      .u16(1)
      .u16(1)
      .u64(itemsAt - fmpAt)
      .u64(imgAt - fmpAt);
    w.bytes(driver);
    w.u32(3).bytes(guidBytes('11111111-2222-3333-4444-555555555555')).u8(1).fill(0, 3);
    w.u32(image.length).u32(vendor.length).u64(0).u64(1);
    w.bytes(image).bytes(vendor);
    const bytes = w.finish();
    expect(bytes.length).toBe(total);
    const root = rootOf(bytes);
    const { ctx, payloads } = recordingContext();
    expect(await openContainer(root, bytes, 0x1000, ctx)).toBe(true);
    const cap = root.children[0];
    expect(cap.children.map((c) => [c.kind, c.type])).toEqual([
      ['pe', 'PE image'],
      ['capsule', 'FMP image'],
      ['opaque', 'FMP vendor code'],
    ]);
    expect(cap.children[1].fields['capsule support']).toBe('0x1');
    expect(payloads.map((p) => [p.abs, p.bytes.length])).toEqual([
      [0x1000 + imgAt + 0x30, image.length],
    ]);
    expect(cap.children[2].raw).toEqual(vendor);
  });

  it('Toshiba capsule: size before flags', async () => {
    const w = new ByteWriter();
    w.bytes(guidBytes(CAPSULE_GUIDS.toshiba))
      .u32(0x20)
      .u32(0x60)
      .u32(7)
      .fill(0, 4)
      .fill(0xee, 0x40);
    const bytes = w.finish();
    const root = rootOf(bytes);
    const { ctx, payloads } = recordingContext();
    await openContainer(root, bytes, 0, ctx);
    expect(root.children[0].type).toBe('Toshiba capsule');
    expect(root.children[0].fields['flags']).toBe('0x7');
    expect(payloads[0].bytes.length).toBe(0x40);
  });

  it('a capsule size past the data is clipped, bytes after it kept as padding, a header past it is an error', async () => {
    const w = new ByteWriter();
    capsuleHeader(w, CAPSULE_GUIDS.efi, 0x20, 0, 0x1000);
    w.fill(0, 4).fill(1, 0x20);
    const bytes = w.finish();
    const root = rootOf(bytes);
    const { ctx, payloads } = recordingContext();
    await openContainer(root, bytes, 0, ctx);
    expect(root.children[0].warnings.join()).toMatch(/larger than/);
    expect(payloads[0].bytes.length).toBe(0x20);

    const trailing = new Uint8Array(bytes.length + 0x10);
    trailing.set(bytes);
    new DataView(trailing.buffer).setUint32(0x18, bytes.length, true);
    trailing.fill(7, bytes.length);
    const root2 = rootOf(trailing);
    await openContainer(root2, trailing, 0, recordingContext().ctx);
    expect(root2.children.map((c) => [c.kind, c.offset, c.raw.length])).toEqual([
      ['capsule', 0, bytes.length],
      ['padding', bytes.length, 0x10],
    ]);
    expect(root2.children[1].warnings).toEqual(['0x10 bytes follow the capsule']);

    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(0x10, 0x5000, true);
    await expect(openContainer(rootOf(bad), bad, 0, recordingContext().ctx)).rejects.toMatchObject({
      name: 'FirmwareError',
      code: 'bad-format',
      offset: 0x10,
    });
  });
});
