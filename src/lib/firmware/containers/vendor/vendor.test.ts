import { describe, expect, it } from 'vitest';
import { guidBytes } from '../../bytes/guid';
import { ByteWriter } from '../../bytes/view';
import { openContainer } from '../index';
import { recordingContext, rootOf } from '../testing';
import { amiPfat, dellBiosGuardPfs } from '../../../../../fixtures/builder/containers';
import { DELL_ZLIB_MAGIC } from './dell-pfs';

const ascii = (s: string) => new TextEncoder().encode(s);

function iflashBlock(tag: string, data: Uint8Array, slack = 0): Uint8Array {
  const w = new ByteWriter();
  w.bytes(ascii(tag.padEnd(16, '\0')))
    .u32(data.length + slack)
    .u32(data.length)
    .bytes(data)
    .fill(0, slack);
  return w.finish();
}

describe('Insyde iFlash packages', () => {
  it('finds the tagged blocks in an executable and parses only the BIOS image', async () => {
    const bios = new Uint8Array(0x80).fill(0x5a);
    const ini = ascii('[Platform]\r\n');
    const w = new ByteWriter();
    w.bytes(ascii('MZ')).fill(0, 0x3e).bytes(ascii('$_IFLASH_BIOSIMG')); // the flasher's own search string
    w.fill(0, 0x20);
    const iniAt = w.length;
    w.bytes(iflashBlock('$_IFLASH_INI_IMG', ini));
    const biosAt = w.length;
    w.bytes(iflashBlock('$_IFLASH_BIOSIMG', bios, 0x10));
    const bytes = w.finish();
    const root = rootOf(bytes);
    const { ctx, payloads } = recordingContext();
    expect(await openContainer(root, bytes, 0, ctx)).toBe(true);
    const pkg = root.children[0];
    expect(pkg.type).toBe('Insyde iFlash package');
    expect(pkg.children.map((c) => [c.name, c.offset])).toEqual([
      ['INI_IMG', iniAt],
      ['BIOSIMG', biosAt],
    ]);
    expect(payloads.map((p) => [p.abs, p.bytes.length])).toEqual([[biosAt + 0x18, bios.length]]);
    expect(payloads[0].bytes.every((b) => b === 0x5a)).toBe(true);
  });

  it('reports a 7-Zip self-extracting Insyde package as unsupported, naming the tool', async () => {
    const w = new ByteWriter();
    w.bytes(ascii('MZ')).fill(0, 0x100).bytes(ascii('\r\n;!@InstallEnd@!\r\n7z')).fill(0, 0x40);
    const bytes = w.finish();
    await expect(
      openContainer(rootOf(bytes), bytes, 0, recordingContext().ctx),
    ).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/Insyde.*7-Zip/),
    });
  });
});

function pfsEntry(guid: string, data: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  w.bytes(guidBytes(guid)).u32(1);
  w.bytes(new Uint8Array([0x4e, 0x4e, 0x41, 0x20]))
    .u16(1)
    .u16(12)
    .u16(0x1b)
    .u16(0);
  w.u64(0).u32(data.length).u32(0).u32(0).u32(0).fill(0, 16);
  w.bytes(data);
  return w.finish();
}

function pfs(entries: Uint8Array[]): Uint8Array {
  const size = entries.reduce((a, e) => a + e.length, 0);
  const w = new ByteWriter();
  w.bytes(ascii('PFS.HDR.')).u32(1).u32(size);
  for (const e of entries) w.bytes(e);
  w.u32(size).u32(0).bytes(ascii('PFS.FTR.'));
  return w.finish();
}

describe('Dell PFS packages', () => {
  it('walks entries, nested PFS included, and hands entry data to the body parser', async () => {
    const a = new Uint8Array(0x30).fill(1);
    const b = new Uint8Array(0x20).fill(2);
    const inner = pfs([pfsEntry('22222222-2222-2222-2222-222222222222', b)]);
    const bytes = pfs([
      pfsEntry('11111111-1111-1111-1111-111111111111', a),
      pfsEntry('33333333-3333-3333-3333-333333333333', inner),
    ]);
    const root = rootOf(bytes);
    const { ctx, payloads } = recordingContext();
    expect(await openContainer(root, bytes, 0, ctx)).toBe(true);
    const [pkg] = root.children;
    expect(pkg.type).toBe('Dell PFS package');
    expect(pkg.warnings).toEqual([]);
    expect(pkg.children.map((c) => c.guid)).toEqual([
      '11111111-1111-1111-1111-111111111111',
      '33333333-3333-3333-3333-333333333333',
    ]);
    expect(pkg.children[0].fields['version']).toBe('1.12.1B');
    expect(payloads.map((p) => [p.abs, p.bytes[0], p.bytes.length])).toEqual([
      [0x10 + 0x48, 1, 0x30],
      [0x10 + 0x48 + 0x30 + 0x48 + 0x10 + 0x48, 2, 0x20],
    ]);
  });

  it('reports a Dell updater with a zlib-compressed PFS as unsupported, naming BIOSUtilities', async () => {
    const w = new ByteWriter();
    w.bytes(ascii('MZ'))
      .fill(0, 0x80)
      .u32(0x100)
      .u8(1)
      .bytes(new Uint8Array(DELL_ZLIB_MAGIC))
      .u8(0)
      .u8(0x78)
      .u8(0x9c);
    w.fill(0, 0x100);
    const bytes = w.finish();
    await expect(
      openContainer(rootOf(bytes), bytes, 0, recordingContext().ctx),
    ).rejects.toMatchObject({
      code: 'unsupported',
      offset: 0x82,
      message: expect.stringMatching(/Dell PFS.*BIOSUtilities/),
    });
  });

  it('inflates the zlib-compressed PFS inside a Dell updater', async () => {
    const bios = new Uint8Array(0x200).fill(0x42);
    const inner = pfs([pfsEntry('44444444-4444-4444-4444-444444444444', bios)]);
    const z = new Uint8Array(
      await new Response(
        new Blob([inner as Uint8Array<ArrayBuffer>])
          .stream()
          .pipeThrough(new CompressionStream('deflate')),
      ).arrayBuffer(),
    );
    const hdr = new ByteWriter();
    hdr.u32(z.length).u8(0xaa).bytes(new Uint8Array(DELL_ZLIB_MAGIC));
    const h = hdr.finish();
    const w = new ByteWriter();
    w.bytes(ascii('MZ'))
      .fill(0, 0x7e)
      .bytes(h)
      .u8(h.reduce((a, b) => a ^ b, 0))
      .bytes(z)
      .fill(0, 0x10);
    const bytes = w.finish();
    const root = rootOf(bytes);
    const { ctx, payloads } = recordingContext();
    expect(await openContainer(root, bytes, 0, ctx)).toBe(true);
    const section = root.children[0].children[0];
    expect(section.type).toBe('Dell zlib section');
    expect(section.warnings).toEqual([]);
    expect(section.decoded?.bytes).toEqual(inner);
    expect(section.children[0].type).toBe('Dell PFS package');
    expect(payloads.map((p) => [p.abs, p.bytes])).toEqual([[undefined, bios]]);
    expect(ctx.budget.decompressed).toBe(inner.length);
  });

  it('rejects a PFS whose payload size runs past the data', async () => {
    const bytes = pfs([]);
    new DataView(bytes.buffer).setUint32(12, 0x1000, true);
    await expect(
      openContainer(rootOf(bytes), bytes, 0, recordingContext().ctx),
    ).rejects.toMatchObject({
      code: 'truncated',
      offset: 12,
    });
  });
});

describe('Intel BIOS Guard blocks', () => {
  const image = Uint8Array.from({ length: 0x3000 }, (_, i) => (i * 13) & 0xff);

  it('puts Dell BIOS Guard blocks back at their flash offsets, gaps erased', async () => {
    const bytes = dellBiosGuardPfs(image, 0x1000);
    const root = rootOf(bytes);
    const { ctx, payloads } = recordingContext();
    expect(await openContainer(root, bytes, 0, ctx)).toBe(true);
    const assembled = payloads.find((p) => p.parent.type === 'Dell BIOS Guard image');
    expect(assembled?.bytes).toEqual(image);
    const blocks = root.children[0].children[0].children[0].children.filter(
      (c) => c.type === 'Dell PFS entry',
    );
    // Stored out of order; each entry names its flash offset and platform.
    expect(blocks.map((b) => b.fields['flash offset'])).toEqual(['0x1000', '0x0', '0x2000']);
    expect(blocks.every((b) => b.fields['BIOS Guard platform'] === 'DELL')).toBe(true);
  });

  it('does not assemble blocks whose offsets overlap', async () => {
    const bytes = dellBiosGuardPfs(image, 0x1000);
    // The second stored entry's metadata offset (0x0) becomes 0x1800: it overlaps 0x1000's block.
    const meta = [0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0]; // address, 0, offset, size
    const at = Buffer.from(bytes).indexOf(Buffer.from(meta));
    expect(at).toBeGreaterThan(0);
    new DataView(bytes.buffer).setUint32(at + 8, 0x1800, true);
    const root = rootOf(bytes);
    const { ctx, payloads } = recordingContext();
    await openContainer(root, bytes, 0, ctx);
    expect(payloads.some((p) => p.parent.type === 'Dell BIOS Guard image')).toBe(false);
    const inner = root.children[0].children[0].children[0];
    expect(inner.warnings.join()).toMatch(/overlap/);
  });

  it('reads an AMI BIOS Guard update file by file, with the data after the blocks', async () => {
    const ec = new Uint8Array(0x300).fill(0xec);
    const trailer = new Uint8Array(0x20).fill(0x7a);
    const bytes = amiPfat(
      [
        { name: 'BIOS', data: image },
        { name: 'EC', data: ec },
      ],
      0x1000,
      trailer,
    );
    const root = rootOf(bytes);
    const { ctx, payloads } = recordingContext();
    expect(await openContainer(root, bytes, 0, ctx)).toBe(true);
    const pkg = root.children[0];
    expect(pkg.children.map((c) => [c.type, c.name ?? ''])).toEqual([
      ['AMI BIOS Guard file', 'BIOS'],
      ['AMI BIOS Guard file', 'EC'],
      ['AMI BIOS Guard trailing data', ''],
    ]);
    expect(payloads.map((p) => p.bytes)).toEqual([image, ec, trailer]);
    expect(payloads[2].abs).toBe(bytes.length - trailer.length);
  });
});
