/**
 * The ACPI VFCT table around real APU VBIOS images (fixtures/amd/vbios, never copied): the reader
 * finds each image with its PCI address, the AMD finder reports it, the picker takes the one for
 * a device ID, and damaged tables end in typed errors that say where.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acpiVfct } from '../../../../fixtures/builder/containers';
import { fixtureJson, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { findAmdCandidates } from '../amd/find';
import { buildAmdRoms } from '../amd/rom';
import { isVfct, vbiosFromVfct } from '../amd/vfct';
import { detectKind } from '../detect';
import { FirmwareError } from '../errors';
import { parseFirmware } from '../parse';
import { readOptionRom } from '../oprom/read';
import { readOptionRomTree } from '../oprom/verify';
import { sum8 } from '../bytes/checksum';
import { readVfct } from './acpi-vfct';
import { recordingContext, rootOf } from './testing';
import { acpiVfctFormat } from './acpi-vfct';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const PHOENIX = 'amd/vbios/isc30-vbios-15bf-022.012.000.027.000001/vbios_7840hs.bin';
const REMBRANDT = 'amd/vbios/isc30-vbios-1681-032.017.000.055.000000/vbios_6800h.bin';
const GOP = 'amd/gop/isc30-gop-7840hs-v3.8.3/AMDGopDriver_7840hs.efi';

/** The fixture authors' SHA-256 of a file (amd/expected.json), not ours. */
function expectedSha(file: string): string {
  const e = fixtureJson<{ file: string; sha256: string }[]>('amd/expected.json').find(
    (x) => x.file === file,
  );
  if (!e) throw new Error(`${file} is not in amd/expected.json`);
  return e.sha256;
}

/** Two records: the iGPU at c5:00.0 and a second GPU at 03:00.0, as a host with both has. */
function twoImageTable(): Uint8Array {
  return acpiVfct([
    { bus: 0xc5, deviceId: 0x1681, image: readFixture(REMBRANDT) },
    { bus: 0x03, deviceId: 0x15bf, image: readFixture(PHOENIX) },
  ]);
}

describe('ACPI VFCT table: synthetic header and records', () => {
  const image = new Uint8Array(0x200);
  image.set([0x55, 0xaa, 1]);

  it('reads the header fields and each record; the checksum byte makes the table sum to 0', () => {
    const t = acpiVfct([{ bus: 0x06, device: 0, function: 0, deviceId: 0x1636, image }]);
    const table = readVfct(t);
    expect(table.data).toMatchObject({
      is: 'acpi-vfct',
      length: t.length,
      revision: 1,
      checksumOk: true,
      oemId: 'AMD',
      vbiosImageOffset: 0x4c,
    });
    expect(table.records).toHaveLength(1);
    expect(table.records[0]).toMatchObject({
      offset: 0x4c,
      bus: 6,
      device: 0,
      function: 0,
      vendorId: 0x1002,
      deviceId: 0x1636,
      imageLength: 0x200,
    });
    // The image starts right after the 28-byte record header (0x68, as the amd-gfx report says).
    expect(table.records[0].image.byteOffset - t.byteOffset).toBe(0x68);
    expect(table.warnings).toEqual([]);
    expect(detectKind(t)).toMatchObject({ kind: 'acpi-table', offset: 0 });
  });

  it('a bad checksum is a warning on the table (ACPICA only warns too), not an error', () => {
    const t = acpiVfct([{ deviceId: 0x1636, image }]);
    t[9] ^= 0x01;
    const table = readVfct(t);
    expect(table.data.checksumOk).toBe(false);
    expect(table.warnings[0]).toMatch(/checksum does not add up/);
    expect(table.records).toHaveLength(1);
  });

  it('an image longer than the table is an error at its ImageLength field', () => {
    const t = acpiVfct([{ deviceId: 0x1636, image }]);
    new DataView(t.buffer, t.byteOffset).setUint32(0x4c + 24, 0x201, true);
    const e = catchError(() => readVfct(t));
    expect(e).toMatchObject({ code: 'truncated', offset: 0x4c + 24 });
    expect(e.message).toMatch(/VFCT image at 0x68 is 0x201 bytes long and runs past the end/);
  });

  it('a record header cut by the table end, a table longer than the file, a wild first-record offset: typed errors with offsets', () => {
    const t = acpiVfct([{ deviceId: 0x1636, image }]);
    // A table that ends 10 bytes into a second record header.
    const cut = new Uint8Array(t.length + 10);
    cut.set(t);
    new DataView(cut.buffer).setUint32(4, cut.length, true);
    expect(catchError(() => readVfct(cut))).toMatchObject({
      code: 'truncated',
      offset: t.length,
    });
    expect(catchError(() => readVfct(t.subarray(0, t.length - 1)))).toMatchObject({
      code: 'truncated',
      offset: 4,
    });
    const wild = t.slice();
    new DataView(wild.buffer).setUint32(0x34, 0x10, true);
    expect(catchError(() => readVfct(wild))).toMatchObject({ code: 'bad-format', offset: 0x34 });
    expect(
      catchError(() => readVfct(new TextEncoder().encode('FACP' + '\0'.repeat(80)))),
    ).toMatchObject({ code: 'bad-format' });
  });

  it('the opener attaches the table and one record node per image, and hands the image on', async () => {
    const t = acpiVfct([{ bus: 0xc5, deviceId: 0x1681, image }]);
    const root = rootOf(t);
    const { ctx, payloads } = recordingContext();
    expect(await acpiVfctFormat.open!(root, t, 0, 0, ctx)).toBe(true);
    const [table] = root.children;
    expect([table.kind, table.type, table.headerSize, table.raw.length]).toEqual([
      'acpi-table',
      'ACPI VFCT table',
      0x4c,
      t.length,
    ]);
    expect(table.checks).toEqual([
      { name: 'table checksum', ok: true, detail: expect.any(String) },
    ]);
    expect(table.children.map((c) => [c.kind, c.name, c.offset, c.headerSize])).toEqual([
      ['vfct-image', 'VBIOS for c5:00.0 [1002:1681]', 0, 28],
    ]);
    expect(table.children[0].fields).toMatchObject({ 'PCI address': 'c5:00.0' });
    expect(payloads.map((p) => [p.bytes.length, p.abs])).toEqual([[0x200, 0x68]]);
  });
});

describe.skipIf(!haveFixtures)('ACPI VFCT table around real APU VBIOS images', () => {
  it('the whole reader opens it and the AMD finder reports each VBIOS with the address of its record', async () => {
    const t = twoImageTable();
    expect(isVfct(t)).toBe(true);
    const root = await parseFirmware(t, { name: 'VFCT' });
    const found = await findAmdCandidates(root);
    expect(found.vbioses.map((v) => [v.sha256, v.info.deviceId, v.path])).toEqual([
      [
        expectedSha(REMBRANDT),
        0x1681,
        expect.stringMatching(/ACPI VFCT table.*VBIOS for c5:00\.0 \[1002:1681\]/),
      ],
      [
        expectedSha(PHOENIX),
        0x15bf,
        expect.stringMatching(/ACPI VFCT table.*VBIOS for 03:00\.0 \[1002:15bf\]/),
      ],
    ]);
  });

  it('picks the VBIOS by device ID, byte for byte; typed errors for a missing ID or an ambiguous table', () => {
    const t = twoImageTable();
    const phoenix = vbiosFromVfct(t, 0x15bf);
    expect(sha(phoenix.image)).toBe(expectedSha(PHOENIX));
    expect(phoenix.info.version).toBe('022.012.000.027.000001');
    expect(sha(vbiosFromVfct(t, 0x1681).image)).toBe(expectedSha(REMBRANDT));
    expect(catchError(() => vbiosFromVfct(t, 0x1900))).toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(
        /no VBIOS for device 1002:1900 .*c5:00\.0 \[1002:1681\], 03:00\.0 \[1002:15bf\]/,
      ),
    });
    expect(catchError(() => vbiosFromVfct(t))).toMatchObject({ code: 'bad-input' });
    const one = acpiVfct([{ deviceId: 0x15bf, image: readFixture(PHOENIX) }]);
    expect(sha(vbiosFromVfct(one).image)).toBe(expectedSha(PHOENIX));
  });

  it('as amdgpu matches a record: the record at the PCI address first, and only vendor 1002', () => {
    const rembrandt = readFixture(REMBRANDT);
    // The same device ID at two addresses: ambiguous without one, the record there with one.
    const two = acpiVfct([
      { bus: 0xc5, deviceId: 0x1681, image: rembrandt },
      { bus: 0x04, deviceId: 0x1681, image: rembrandt },
    ]);
    expect(catchError(() => vbiosFromVfct(two, 0x1681))).toMatchObject({ code: 'bad-input' });
    const at04 = vbiosFromVfct(two, 0x1681, { bus: 0x04, device: 0, function: 0 });
    expect([at04.record.bus, at04.record.offset, at04.warnings]).toEqual([
      0x04,
      0x4c + 28 + rembrandt.length,
      [],
    ]);
    expect(vbiosFromVfct(two, 0x1681, { bus: 0xc5, device: 0, function: 0 }).record.offset).toBe(
      0x4c,
    );
    // An address no record has does not settle which of the two it is.
    expect(
      catchError(() => vbiosFromVfct(two, 0x1681, { bus: 0x07, device: 0, function: 0 })),
    ).toMatchObject({ code: 'bad-input' });
    // One record for the device elsewhere: taken, with a warning naming both addresses.
    const one = vbiosFromVfct(
      acpiVfct([{ bus: 0xc5, deviceId: 0x1681, image: rembrandt }]),
      0x1681,
      {
        bus: 0x07,
        device: 0,
        function: 0,
      },
    );
    expect(sha(one.image)).toBe(expectedSha(REMBRANDT));
    expect(one.warnings).toEqual([
      expect.stringMatching(
        /no VBIOS record .* at 07:00\.0; the one for c5:00\.0 \[1002:1681\] is used/,
      ),
    ]);
    // A record of another vendor with the same device ID is not an AMD VBIOS record.
    const mixed = acpiVfct([
      { bus: 0, device: 2, vendorId: 0x8086, deviceId: 0x1681, image: rembrandt },
      { bus: 0xc5, deviceId: 0x1681, image: rembrandt },
    ]);
    expect(vbiosFromVfct(mixed, 0x1681).record.bus).toBe(0xc5);
    expect(vbiosFromVfct(mixed).record.bus).toBe(0xc5);
    expect(vbiosFromVfct(mixed, 0x1681, { bus: 0, device: 2, function: 0 }).record.bus).toBe(0xc5);
    const intelOnly = acpiVfct([
      { bus: 0, device: 2, vendorId: 0x8086, deviceId: 0x1681, image: rembrandt },
    ]);
    expect(catchError(() => vbiosFromVfct(intelOnly, 0x1681))).toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/00:02\.0 \[8086:1681\]/),
    });
  });

  it('a record whose image is not a VBIOS is refused with its offset', () => {
    const t = acpiVfct([{ deviceId: 0x15bf, image: new Uint8Array(0x200) }]);
    expect(catchError(() => vbiosFromVfct(t, 0x15bf))).toMatchObject({
      code: 'bad-format',
      offset: 0x68,
    });
  });

  it('the combined ROM from a GOP and the VFCT VBIOS verifies and holds the VBIOS unchanged', async () => {
    const { image } = vbiosFromVfct(twoImageTable(), 0x15bf);
    const r = await buildAmdRoms({ gop: readFixture(GOP), vbios: image });
    const combined = r.roms.find((x) => x.kind === 'combined')!;
    const rom = readOptionRom(combined.rom);
    expect(rom.images.map((i) => [i.type, i.pcir.vendorId, i.pcir.deviceId])).toEqual([
      ['legacy', 0x1002, 0x15bf],
      ['efi', 0x1002, 0x15bf],
    ]);
    // The VBIOS image is the table's except its last-image bit and checksum byte, and sums to 0;
    // the VBIOS written alone is the table's, byte for byte.
    const first = combined.rom.subarray(0, image.length);
    expect(first.filter((b, i) => b !== image[i]).length).toBeLessThanOrEqual(2);
    expect(sum8(combined.rom, 0, image[2] * 512)).toBe(0);
    expect(sha(r.roms.find((x) => x.kind === 'vbios')!.rom)).toBe(expectedSha(PHOENIX));
    // The reader sees the two images and nothing wrong.
    const tree = await readOptionRomTree(combined.rom);
    expect(tree.warnings).toEqual([]);
    expect(tree.children.filter((n) => n.kind === 'rom-image')).toHaveLength(2);
    expect(r.vbios?.sha256).toBe(expectedSha(PHOENIX));
  });
});

function catchError(f: () => unknown): FirmwareError {
  try {
    f();
  } catch (e) {
    if (e instanceof FirmwareError) return e;
    throw e;
  }
  throw new Error('no FirmwareError thrown');
}
