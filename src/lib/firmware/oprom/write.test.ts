import { describe, expect, it } from 'vitest';
import { efiCompress } from '../../../../fixtures/builder/efi-compress';
import {
  fixtureJson,
  fixturePath,
  haveFixtures,
  readFixture,
} from '../../../../tests/helpers/fixtures';
import { existsSync } from 'node:fs';
import { sum8 } from '../bytes/checksum';
import { driverBytes, igdAssignment, platformGopPolicy, vbtTestApp } from '../drivers/generated';
import { FirmwareError } from '../errors';
import { parseFirmware } from '../parse';
import { buildOptionRom, efiDriverImage } from './efi-driver';
import type { LegacyImage, OptionRom } from './image';
import { layoutOptionRom } from './layout';
import { readOptionRom } from './read';
import { imageLength, rawImage, sha256, u16 } from './test-support';
import { readOptionRomTree, verifyOptionRom } from './verify';
import { writeLaidOut, writeOptionRom } from './write';

/** The FirmwareError code `f` throws, or 'no error'. */
function errorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FirmwareError);
    return (e as FirmwareError).code;
  }
  return 'no error';
}

describe('buildOptionRom: the layout', () => {
  const drivers = [
    { pe: driverBytes(igdAssignment), name: 'IgdAssignment' },
    { pe: driverBytes(platformGopPolicy), name: 'PlatformGopPolicy' },
  ];

  it('writes every header field as the PCI 3.0 / UEFI specs and EfiRom define them', () => {
    const rom = buildOptionRom(drivers, { deviceId: 0x46a6 });
    let at = 0;
    drivers.forEach((d, i) => {
      const img = rawImage(rom, at);
      const len = imageLength(d.pe.length);
      expect(img).toEqual({
        signature: 0xaa55,
        initSize: len,
        efiSignature: 0x0ef1,
        subsystem: 11,
        machine: 0x8664,
        compression: 0,
        reserved: [0, 0, 0, 0, 0, 0, 0, 0],
        peOffset: len - d.pe.length,
        pcirOffset: 0x1c,
        pcirSignature: 'PCIR',
        vendor: 0x8086,
        device: 0x46a6,
        deviceList: 0,
        pcirLength: 0x1c,
        pcirRevision: 3,
        classCode: 0x030000,
        imageLength: len,
        codeRevision: 0,
        codeType: 3,
        indicator: i === drivers.length - 1 ? 0x80 : 0,
      });
      // Between the headers and the PE: 0xFF fill only; the PE ends the image.
      expect(rom.subarray(at + 0x38, at + img.peOffset).every((b) => b === 0xff)).toBe(true);
      expect(sha256(rom.subarray(at + img.peOffset, at + len))).toBe(sha256(d.pe));
      at += len;
    });
    expect(rom.length).toBe(at);
  });

  it('defaults: vendor 0x8086, device 0xFFFF, class 0x030000', () => {
    const img = rawImage(buildOptionRom([drivers[0]]), 0);
    expect([img.vendor, img.device, img.classCode, img.indicator]).toEqual([
      0x8086, 0xffff, 0x030000, 0x80,
    ]);
  });

  it('the project reader (parseFirmware) sees the same chain, fields and PE images', async () => {
    const rom = buildOptionRom(drivers, { deviceId: 0x9a49 });
    const root = await parseFirmware(rom);
    const images = root.children.filter((n) => n.kind === 'rom-image');
    expect(images).toHaveLength(2);
    expect(root.children).toHaveLength(2); // no padding node after the last image
    images.forEach((n, i) => {
      const len = imageLength(drivers[i].pe.length);
      expect(n.warnings).toEqual([]);
      expect(n.fields).toMatchObject({
        'vendor ID': '0x8086',
        'device ID': '0x9A49',
        'class code': '0x030000',
        'PCIR length': 0x1c,
        'PCIR revision': 3,
        'code type': 3,
        'image length': len,
        'initialization size': len,
        compression: 0,
        subsystem: 11,
        last: i === 1,
      });
      expect(n.children).toHaveLength(1);
      expect(n.children[0].kind).toBe('pe');
      expect(sha256(n.children[0].raw)).toBe(sha256(drivers[i].pe));
    });
  });

  it('rejects what OVMF would not run or the format cannot hold', () => {
    const code = errorCode;
    expect(code(() => buildOptionRom([]))).toBe('bad-input');
    // An EFI application (subsystem 10): the PCI bus driver would skip it.
    expect(code(() => buildOptionRom([{ pe: driverBytes(vbtTestApp) }]))).toBe('bad-input');
    expect(code(() => buildOptionRom([{ pe: new Uint8Array(600) }]))).toBe('bad-input');
    expect(code(() => buildOptionRom(drivers, { deviceId: 0x10000 }))).toBe('bad-input');
    expect(code(() => buildOptionRom(drivers, { classCode: -1 }))).toBe('bad-input');
    expect(code(() => buildOptionRom(drivers, { vendorId: 1.5 }))).toBe('bad-input');
  });

  it('the self-check catches a ROM that differs from its plan', async () => {
    const model = { images: drivers.map((d, i) => efiDriverImage(d, {}, i)) };
    const plans = layoutOptionRom(model);
    const rom = writeLaidOut(model, plans);
    await expect(verifyOptionRom(rom, model, plans)).resolves.toHaveLength(2);
    const cases: [string, (r: Uint8Array) => void][] = [
      ['a PE byte', (r) => (r[plans[1].offset + plans[1].payloadOffset + 0x200] ^= 1)],
      ['the last-image bit', (r) => (r[plans[0].offset + 0x1c + 0x15] = 0x80)],
      ['the device ID', (r) => (r[plans[1].offset + 0x1c + 6] = 0x12)],
      ['the EFI signature', (r) => (r[plans[0].offset + 4] = 0xf0)],
      ['the image offset', (r) => (r[plans[0].offset + 0x16] -= 2)],
    ];
    for (const [what, damage] of cases) {
      const bad = rom.slice();
      damage(bad);
      await expect(verifyOptionRom(bad, model, plans), what).rejects.toMatchObject({
        code: 'verify',
      });
    }
  });
});

interface ExpectedRom {
  file: string;
  kind: string;
  images: {
    offset: number;
    vendor: string;
    device: string;
    codeType: number;
    length: number;
    last: boolean;
    compression: number;
    pe_sha256: string;
    pe_size: number;
  }[];
}

describe.skipIf(!haveFixtures)('against option ROMs made by edk2 EfiRom (fixtures)', () => {
  const roms = haveFixtures
    ? fixtureJson<ExpectedRom[]>('expected-real.json').filter((e) => e.kind === 'option-rom')
    : [];

  it('has the option ROM fixtures', () => {
    expect(roms.map((r) => r.file)).toEqual(
      expect.arrayContaining([
        'oprom/vbios-gvt-uefi/vbios_gvt_uefi.rom',
        'oprom/gangqizai-igd/gen12_igd.rom',
      ]),
    );
  });

  it.each(roms.map((r) => [r.file, r] as const))(
    '%s: the reader sees what expected-real.json lists, and our writer rebuilds it byte for byte',
    async (_file, expected) => {
      const original = readFixture(expected.file);
      const tree = await readOptionRomTree(original);
      const nodes = tree.children.filter((n) => n.kind === 'rom-image');
      expect(nodes).toHaveLength(expected.images.length);
      const inputs = [];
      for (const [i, e] of expected.images.entries()) {
        const n = nodes[i];
        expect(n.offset).toBe(e.offset);
        expect(n.fields['vendor ID']).toBe(
          '0x' + parseInt(e.vendor, 16).toString(16).toUpperCase().padStart(4, '0'),
        );
        expect(n.fields['device ID']).toBe(
          '0x' + parseInt(e.device, 16).toString(16).toUpperCase().padStart(4, '0'),
        );
        expect([
          n.fields['code type'],
          n.fields['image length'],
          n.fields.last,
          n.fields.compression,
        ]).toEqual([e.codeType, e.length, e.last, e.compression]);
        const pe = n.children[0].raw;
        expect([pe.length, sha256(pe)]).toEqual([e.pe_size, e.pe_sha256]);
        inputs.push({ pe });
      }
      // Rebuild from the extracted PE images with the original's IDs, class code and revision.
      const first = rawImage(original, 0);
      const rebuilt = buildOptionRom(inputs, {
        vendorId: first.vendor,
        deviceId: first.device,
        classCode: first.classCode,
        codeRevision: first.codeRevision,
      });
      expect(rebuilt.length).toBe(original.length);
      expect(rawImage(rebuilt, 0)).toEqual(first);
      expect(sha256(rebuilt)).toBe(sha256(original));
    },
  );
});

/** x86 code of `blocks` blocks: a recognisable pattern, PCIR pointer and all left to the writer. */
function legacyCode(blocks: number): Uint8Array {
  return Uint8Array.from({ length: blocks * 512 }, (_, i) => (i * 7 + 3) & 0xff);
}

const legacyImage = (blocks: number, extra: Partial<LegacyImage> = {}): LegacyImage => ({
  type: 'legacy',
  code: legacyCode(blocks),
  pcir: {
    vendorId: 0x1002,
    deviceId: 0x1636,
    classCode: 0x030000,
    codeRevision: 0x110a,
    revision: 0,
  },
  pcirOffset: 0x40,
  checksumOffset: blocks * 512 - 1,
  ...extra,
});

describe('writeOptionRom: a legacy image followed by an EFI image', () => {
  const pe = driverBytes(igdAssignment);
  const model: OptionRom = {
    images: [legacyImage(3), efiDriverImage({ pe }, { vendorId: 0x1002, deviceId: 0x1636 })],
  };
  const rom = writeOptionRom(model);

  it('stamps the legacy fields into the code, checksums it, and sets the last bit on the EFI image only', () => {
    expect(rom.length).toBe(3 * 512 + imageLength(pe.length));
    expect([rom[0], rom[1], rom[2], u16(rom, 0x18)]).toEqual([0x55, 0xaa, 3, 0x40]);
    const legacy = rawImage(rom, 0);
    expect(legacy).toMatchObject({
      pcirOffset: 0x40,
      pcirSignature: 'PCIR',
      vendor: 0x1002,
      device: 0x1636,
      deviceList: 0,
      pcirLength: 0x18,
      pcirRevision: 0,
      classCode: 0x030000,
      imageLength: 3 * 512,
      codeRevision: 0x110a,
      codeType: 0,
      indicator: 0,
    });
    // The whole initialization area sums to 0 through the last byte, which is all that changed
    // in the code besides the fields the format owns.
    expect(sum8(rom, 0, 3 * 512)).toBe(0);
    const code = legacyCode(3);
    const owned = (i: number) => i < 3 || (i >= 0x18 && i < 0x1a) || (i >= 0x40 && i < 0x58);
    const changed = [...code.keys()].filter((i) => !owned(i) && rom[i] !== code[i]);
    expect(changed).toEqual([3 * 512 - 1]);
    const efi = rawImage(rom, 3 * 512);
    expect(efi).toMatchObject({ vendor: 0x1002, device: 0x1636, codeType: 3, indicator: 0x80 });
    expect(sha256(rom.subarray(rom.length - pe.length))).toBe(sha256(pe));
  });

  it('reads back into the same model and writes the same bytes again', () => {
    const back = readOptionRom(rom);
    expect(back.images.map((i) => i.type)).toEqual(['legacy', 'efi']);
    const [legacy, efi] = back.images;
    expect(legacy).toMatchObject({
      pcirOffset: 0x40,
      blocks: 3,
      initBlocks: 3,
      checksumOffset: 3 * 512 - 1,
    });
    expect(efi).toMatchObject({
      subsystem: 11,
      machine: 0x8664,
      payload: { compression: 0 },
      kept: [],
    });
    expect(sha256(writeOptionRom(back))).toBe(sha256(rom));
  });

  it('the explorer sees both images, the legacy code and the PE', async () => {
    const root = await parseFirmware(rom);
    expect(root.children.map((n) => [n.kind, n.type, n.fields.last])).toEqual([
      ['rom-image', 'x86 legacy option ROM image', false],
      ['rom-image', 'EFI option ROM image', true],
    ]);
    expect(sha256(root.children[1].children[0].raw)).toBe(sha256(pe));
  });

  it('the self-check accepts it and catches a broken checksum', async () => {
    const layout = layoutOptionRom(model);
    await expect(verifyOptionRom(rom, model, layout)).resolves.toHaveLength(2);
    const bad = rom.slice();
    bad[0x100] ^= 1;
    await expect(verifyOptionRom(bad, model, layout)).rejects.toMatchObject({ code: 'verify' });
  });
});

describe('writeOptionRom: an EFI 1.1-compressed driver', () => {
  const pe = driverBytes(igdAssignment);
  const stream = efiCompress(pe, 'efi');

  it('stores the stream after the PCIR, 0xFF after it, CompressionType 1; the reader decodes the PE', async () => {
    const rom = buildOptionRom([{ pe, compressed: stream }]);
    expect(rom.length).toBe(Math.ceil((0x38 + stream.length) / 512) * 512);
    expect(rawImage(rom, 0)).toMatchObject({
      compression: 1,
      peOffset: 0x38,
      subsystem: 11,
      machine: 0x8664,
      indicator: 0x80,
    });
    expect(sha256(rom.subarray(0x38, 0x38 + stream.length))).toBe(sha256(stream));
    expect(rom.subarray(0x38 + stream.length).every((b) => b === 0xff)).toBe(true);
    const root = await parseFirmware(rom);
    const [image] = root.children;
    expect(image.decoded?.method).toBe('EFI 1.1');
    expect(sha256(image.children[0].raw)).toBe(sha256(pe));
    expect(sha256(writeOptionRom(readOptionRom(rom)))).toBe(sha256(rom));
  });

  it('the self-check compares the decoded PE with the one the stream was made from', async () => {
    const model = { images: [efiDriverImage({ pe, compressed: stream })] };
    const layout = layoutOptionRom(model);
    const rom = writeLaidOut(model, layout);
    await expect(verifyOptionRom(rom, model, layout)).resolves.toHaveLength(1);
  });

  it('refuses a stream that does not decode to the driver', () => {
    const other = efiCompress(driverBytes(platformGopPolicy), 'efi');
    expect(errorCode(() => buildOptionRom([{ pe, compressed: other }]))).toBe('bad-input');
    expect(errorCode(() => buildOptionRom([{ pe, compressed: stream.subarray(0, 40) }]))).toBe(
      'bad-input',
    );
  });
});

describe('writeOptionRom: size limits are FirmwareError no-space', () => {
  const efiOf = (size: number) => ({
    type: 'efi' as const,
    pcir: { vendorId: 0x8086, deviceId: 0xffff, classCode: 0x030000, codeRevision: 0 },
    subsystem: 11,
    machine: 0x8664,
    payload: { compression: 0 as const, pe: new Uint8Array(size) },
  });

  it('a legacy image initializes at most 255 blocks (its size byte)', () => {
    expect(errorCode(() => writeOptionRom({ images: [legacyImage(255)] }))).toBe('no error');
    expect(errorCode(() => writeOptionRom({ images: [legacyImage(256)] }))).toBe('no-space');
  });

  it('an image is at most 0xFFFF blocks (the PCIR image length)', () => {
    // 0x38 bytes of headers + this payload need exactly 0x10000 blocks.
    const e = (() => {
      try {
        layoutOptionRom({ images: [efiOf(0xffff * 512)] });
      } catch (err) {
        return err as FirmwareError;
      }
    })();
    expect(e).toBeInstanceOf(FirmwareError);
    expect([e!.code, e!.message]).toEqual(['no-space', expect.stringMatching(/65535/)]);
  });

  it('the ROM is at most 16 MiB (ROM BAR), or the limit the caller states', () => {
    const nine = efiOf(9 << 20);
    expect(errorCode(() => layoutOptionRom({ images: [nine] }))).toBe('no error');
    expect(errorCode(() => layoutOptionRom({ images: [nine, nine] }))).toBe('no-space');
    const small = efiOf(200 << 10);
    expect(() =>
      layoutOptionRom({ images: [small] }, { maxSize: 128 << 10, limitReason: 'test flash' }),
    ).toThrow(/more than 131072 \(test flash\)/);
  });
});

const VBIOS = 'amd/vbios/amdfw-vbios-1636-renoir-v2000a/RenoirGenericVbios.bin';
const AMD_GOP_ROM = 'amd/gop/thieuson-gop-renoir-v2.10.0.0.0/AMDGopDriver_org.rom';
const haveAmd =
  haveFixtures && existsSync(fixturePath(VBIOS)) && existsSync(fixturePath(AMD_GOP_ROM));

describe.skipIf(!haveAmd)('a VBIOS followed by a GOP image (the discrete-card shape)', () => {
  it('the VBIOS changes only in its last-image bit and its checksum byte; the GOP image not at all', async () => {
    const vbios = readFixture(VBIOS);
    const gopRom = readFixture(AMD_GOP_ROM);
    const model: OptionRom = {
      images: [...readOptionRom(vbios).images, ...readOptionRom(gopRom).images],
    };
    // 54784 + 75264 bytes: inside the 128 KiB legacy-era flash parts, so say so.
    const rom = writeOptionRom(model, { maxSize: 128 << 10, limitReason: '128 KiB flash' });
    expect(rom.length).toBe(vbios.length + gopRom.length);
    const pcir = u16(vbios, 0x18);
    const changed = [...vbios.keys()].filter((i) => rom[i] !== vbios[i]);
    expect(changed).toEqual([0x21, pcir + 0x15]);
    expect([rom[pcir + 0x15], sum8(rom, 0, vbios.length)]).toEqual([0, 0]);
    expect(sha256(rom.subarray(vbios.length))).toBe(sha256(gopRom));
    const root = await parseFirmware(rom);
    expect(root.children.map((n) => [n.fields['code type'], n.fields.last])).toEqual([
      [0, false],
      [3, true],
    ]);
  });
});
