import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../cli/command';
import { romCommand } from '../../../cli/commands/rom';
import {
  fixtureJson,
  fixturePath,
  haveFixtures,
  noFixturesReason,
  readFixture,
} from '../../../../tests/helpers/fixtures';
import { parseFirmware } from '../parse';
import { analyze } from '../analyze';
import { FirmwareError } from '../errors';
import { peSectionData } from '../pe/append-section';
import { readPe } from '../pe/headers';
import { driverBytes, igdAssignment, platformGopPolicy, vbtTestApp } from '../drivers/generated';
import { buildOptionRom, efiDriverImage } from '../oprom/efi-driver';
import { layoutOptionRom } from '../oprom/layout';
import { readOptionRomTree, verifyOptionRom } from '../oprom/verify';
import { writeLaidOut } from '../oprom/write';
import { buildIgdRom } from './rom';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));
/** The spec's layout rule, stated independently: 0x38 bytes of headers, PE last, 512-byte blocks. */
const imageLength = (peSize: number) => Math.ceil((0x38 + peSize) / 512) * 512;

/** Reads every header field of the image at `at` straight from the bytes (PCI FW 3.0 / UEFI offsets). */
function rawImage(rom: Uint8Array, at: number) {
  const p = at + u16(rom, at + 0x18);
  return {
    signature: u16(rom, at),
    initSize: u16(rom, at + 2) * 512,
    efiSignature: u32(rom, at + 4),
    subsystem: u16(rom, at + 8),
    machine: u16(rom, at + 0x0a),
    compression: u16(rom, at + 0x0c),
    reserved: [...rom.subarray(at + 0x0e, at + 0x16)],
    peOffset: u16(rom, at + 0x16),
    pcirOffset: p - at,
    pcirSignature: ascii(rom, p, 4),
    vendor: u16(rom, p + 4),
    device: u16(rom, p + 6),
    deviceList: u16(rom, p + 8),
    pcirLength: u16(rom, p + 0x0a),
    pcirRevision: rom[p + 0x0c],
    classCode: rom[p + 0x0d] | (rom[p + 0x0e] << 8) | (rom[p + 0x0f] << 16),
    imageLength: u16(rom, p + 0x10) * 512,
    codeRevision: u16(rom, p + 0x12),
    codeType: rom[p + 0x14],
    indicator: rom[p + 0x15],
  };
}

const GOP_FIXTURE = 'gop-vbt/adl/IntelGopDriver.efi';
const VBT_FIXTURE = 'gop-vbt/adl/vbt.bin';
const haveGop =
  haveFixtures && existsSync(fixturePath(GOP_FIXTURE)) && existsSync(fixturePath(VBT_FIXTURE));
if (!haveGop)
  console.warn(
    `[skip] GOP/VBT cases: ${haveFixtures ? `${GOP_FIXTURE} missing` : noFixturesReason}`,
  );

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
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(FirmwareError);
        return (e as FirmwareError).code;
      }
      return 'no error';
    };
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

describe.skipIf(!haveGop)('buildIgdRom (ADL GOP 21.0.1066 + its VBT)', () => {
  const gop = haveGop ? readFixture(GOP_FIXTURE) : new Uint8Array();
  const vbt = haveGop ? readFixture(VBT_FIXTURE) : new Uint8Array();
  const GOP_NAME = new Uint8Array([...'Intel(R) GOP Driver'].flatMap((c) => [c.charCodeAt(0), 0]));
  const contains = (hay: Uint8Array, needle: Uint8Array) =>
    Buffer.from(hay).indexOf(Buffer.from(needle)) >= 0;

  it('full + embedded VBT: IgdAssignment, PlatformGopPolicy with the VBT, the GOP; verified', async () => {
    const r = await buildIgdRom({ gop, vbt, deviceId: 0x46a6 });
    expect(r.images.map((i) => i.role)).toEqual(['igd-assignment', 'gop-policy', 'gop']);
    expect(r.sha256).toBe(sha256(r.rom));
    let at = 0;
    for (const [i, img] of r.images.entries()) {
      const raw = rawImage(r.rom, at);
      expect([raw.device, raw.classCode, raw.indicator]).toEqual([
        0x46a6,
        0x030000,
        i === 2 ? 0x80 : 0,
      ]);
      expect(img.offset).toBe(at);
      expect(img.length).toBe(imageLength(img.peSize));
      expect(sha256(r.rom.subarray(img.peOffset, img.peOffset + img.peSize))).toBe(img.sha256);
      at += raw.imageLength;
    }
    expect(at).toBe(r.rom.length);
    expect(r.images[0].sha256).toBe(igdAssignment.sha256);
    expect(r.images[2].sha256).toBe(sha256(gop));
    // Version pieces are gop-info's business; the name and build number are certain.
    expect(r.images[2].version).toMatch(/^Intel\(R\) GOP Driver 21\.\S+\.1066$/);
    // The policy driver = the bundled one + a .vbt section holding vbt_size bytes of the VBT.
    const policy = r.rom.subarray(r.images[1].peOffset, r.images[1].peOffset + r.images[1].peSize);
    const vbtSize = u16(vbt, 0x18);
    expect(sha256(peSectionData(policy, '.vbt')!)).toBe(sha256(vbt.subarray(0, vbtSize)));
    expect(readPe(policy).numberOfSections).toBe(
      readPe(driverBytes(platformGopPolicy)).numberOfSections + 1,
    );
    expect(r.vbt).toEqual({
      source: 'embedded',
      size: vbtSize,
      sha256: sha256(vbt.subarray(0, vbtSize)),
      signature: ascii(vbt, 0, 20).trim(),
    });
  });

  it('full, VBT from the OpRegion: the policy driver is the bundled one, unchanged', async () => {
    const r = await buildIgdRom({ gop, vbt: 'opregion' });
    expect(r.images[1].sha256).toBe(platformGopPolicy.sha256);
    expect(r.vbt).toEqual({ source: 'opregion' });
    expect(rawImage(r.rom, 0).device).toBe(0xffff);
  });

  it('assignment: IgdAssignment only, no GOP and no policy driver', async () => {
    const r = await buildIgdRom({ variant: 'assignment' });
    expect(r.images.map((i) => [i.role, i.sha256])).toEqual([
      ['igd-assignment', igdAssignment.sha256],
    ]);
    expect(rawImage(r.rom, 0).indicator).toBe(0x80);
    expect(r.rom.length).toBe(imageLength(igdAssignment.size));
    expect(contains(r.rom, GOP_NAME)).toBe(false);
    expect(contains(r.rom, driverBytes(platformGopPolicy).subarray(0x400, 0x800))).toBe(false);
  });

  it('gop: the GOP alone', async () => {
    const r = await buildIgdRom({ variant: 'gop', gop });
    expect(r.images.map((i) => [i.role, i.sha256])).toEqual([['gop', sha256(gop)]]);
    expect(r.rom.length).toBe(imageLength(gop.length));
    expect(r.vbt).toBeUndefined();
    expect(contains(r.rom, driverBytes(igdAssignment).subarray(0x400, 0x800))).toBe(false);
  });

  it('the reader shows every image with its PE details; the GOP finder finds exactly our GOP', async () => {
    const names = (pe: Uint8Array) => readPe(pe).sections.map((s) => s.name);
    for (const [variant, opts] of [
      ['full', { gop, vbt, deviceId: 0x46a6 }],
      ['full', { gop, vbt: 'opregion' as const }],
      ['gop', { variant: 'gop' as const, gop }],
      ['assignment', { variant: 'assignment' as const }],
    ] as const) {
      const r = await buildIgdRom(opts);
      const root = await parseFirmware(r.rom);
      expect(root.children.map((n) => n.kind)).toEqual(r.images.map(() => 'rom-image'));
      root.children.forEach((n, i) => {
        expect(n.fields, `${variant} image ${i}`).toMatchObject({
          'code type name': 'EFI',
          'subsystem name': 'EFI boot service driver',
          'machine name': 'x64',
          compression: 0,
          last: i === r.images.length - 1,
        });
        const [pe] = n.children;
        expect([pe.kind, pe.type, pe.fields.machine, pe.fields.subsystem]).toEqual([
          'pe',
          'PE32+ image',
          '0x8664',
          11,
        ]);
        expect(pe.absOffset).toBe(r.images[i].peOffset);
        const hdr = readPe(pe.raw);
        expect(pe.fields).toMatchObject({
          'machine name': 'x64',
          'entry point': '0x' + hdr.entryPoint.toString(16).toUpperCase(),
          'size of image': hdr.sizeOfImage,
          sections: names(pe.raw)
            .map((n) => n || '""')
            .join(' '),
        });
        if (r.images[i].role === 'gop') {
          expect(pe.name).toMatch(/^Intel\(R\) GOP Driver 21\..+\.1066$/);
          expect(pe.fields['GOP device IDs']).toBeGreaterThan(10);
        } else expect(pe.fields['GOP version']).toBeUndefined();
        expect(sha256(pe.raw)).toBe(r.images[i].sha256);
        // The policy driver carries the VBT as its own section only when one is embedded.
        if (r.images[i].role === 'gop-policy')
          expect(names(pe.raw).includes('.vbt')).toBe(r.vbt?.source === 'embedded');
      });
      const found = await analyze(r.rom);
      expect(found.error).toBeUndefined();
      if (variant === 'assignment') expect(found.gops).toEqual([]);
      else {
        expect(found.gops.map((g) => [g.sha256, g.size])).toEqual([[sha256(gop), gop.length]]);
        expect(found.gops[0].path).toContain(`EFI option ROM image image ${r.images.length - 1}`);
        expect(found.gops[0].deviceIds).toContain(0x46a6);
      }
    }
  });

  it('same inputs, same bytes', async () => {
    const a = await buildIgdRom({ gop, vbt });
    const b = await buildIgdRom({ gop: gop.slice(), vbt: vbt.slice() });
    expect(sha256(a.rom)).toBe(sha256(b.rom));
  });

  it('refuses inconsistent requests with clear errors', async () => {
    const policy = driverBytes(platformGopPolicy);
    await expect(buildIgdRom({})).rejects.toMatchObject({
      code: 'bad-input',
      message: /needs a GOP/,
    });
    await expect(buildIgdRom({ variant: 'assignment', gop })).rejects.toMatchObject({
      code: 'bad-input',
    });
    await expect(buildIgdRom({ variant: 'gop', gop, vbt })).rejects.toMatchObject({
      code: 'bad-input',
    });
    await expect(buildIgdRom({ gop: policy })).rejects.toMatchObject({
      code: 'bad-input',
      message: /not an Intel GOP/,
    });
    await expect(buildIgdRom({ gop, vbt: vbt.subarray(0x30) })).rejects.toMatchObject({
      code: 'bad-format',
    });
    await expect(buildIgdRom({ gop, deviceId: 0x1ffff })).rejects.toMatchObject({
      code: 'bad-input',
    });
    await expect(buildIgdRom({ variant: 'x' as never, gop })).rejects.toMatchObject({
      code: 'bad-input',
    });
  });
});

describe('rom CLI command', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rom-cli-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const out = join(tmp, 'igd.rom');

  /** Runs the command with stdout captured. */
  async function run(args: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      stdout += String(s);
      return true;
    });
    try {
      return { code: await romCommand.run(args), stdout };
    } finally {
      spy.mockRestore();
    }
  }

  it.each([
    [[], /-o OUTPUT is required/],
    [['-o', out], /needs --bios or --gop/],
    [['--bios', 'a', '--gop', 'b', '-o', out], /either --bios or --gop/],
    [['--gop', 'g.efi', '--vbt', 'embed', '-o', out], /--vbt embed takes the VBT from --bios/],
    [['--variant', 'gop', '--gop', 'g.efi', '--vbt', 'v.bin', '-o', out], /needs the full variant/],
    [['--variant', 'assignment', '--gop', 'g.efi', '-o', out], /holds no GOP/],
    [['--variant', 'tiny', '-o', out], /--variant must be one of/],
    [['--variant', 'assignment', '--device-id', 'intel', '-o', out], /16-bit hex ID/],
    [['--variant', 'assignment', '--frobnicate', '-o', out], /unknown option/],
  ])('usage error: %j', async (args, message) => {
    await expect(romCommand.run(args)).rejects.toSatisfy(
      (e) => e instanceof UsageError && message.test(e.message),
    );
  });

  it('a missing input file is a FirmwareError naming it', async () => {
    await expect(romCommand.run(['--gop', join(tmp, 'nope.efi'), '-o', out])).rejects.toMatchObject(
      {
        code: 'bad-input',
        message: /nope\.efi: no such file/,
      },
    );
  });

  it('--variant assignment --json: writes the ROM and describes it', async () => {
    const { code, stdout } = await run([
      '--variant',
      'assignment',
      '--device-id',
      '0x9A49',
      '-o',
      out,
      '--json',
    ]);
    expect(code).toBe(0);
    const rom = new Uint8Array(readFileSync(out));
    const j = JSON.parse(stdout);
    expect(j).toMatchObject({
      output: out,
      size: rom.length,
      sha256: sha256(rom),
      variant: 'assignment',
      deviceId: 0x9a49,
    });
    expect(j.images).toHaveLength(1);
    expect(rawImage(rom, 0).device).toBe(0x9a49);
  });

  const BIOS = 'vendor-like/aptio5-spi.bin';
  it.skipIf(!haveGop || !existsSync(fixturePath(BIOS)))(
    '--bios --vbt embed: GOP and VBT found in a vendor image; the ROM equals the one built from the same pair as files',
    async () => {
      const { code, stdout } = await run([
        '--bios',
        fixturePath(BIOS),
        '--vbt',
        'embed',
        '-o',
        out,
      ]);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^GOP: Intel\(R\) GOP Driver .*DRIVER IntelGopDriver/m);
      expect(stdout).toMatch(/^VBT: \$VBT TIGERLAKE .*IntelIGopVbt/m);
      // aptio5-spi.bin was built around gop-vbt/adl: same GOP, same vbt_size bytes of VBT.
      const direct = await buildIgdRom({
        gop: readFixture(GOP_FIXTURE),
        vbt: readFixture(VBT_FIXTURE),
      });
      expect(sha256(new Uint8Array(readFileSync(out)))).toBe(direct.sha256);
    },
  );

  it.skipIf(!existsSync(fixturePath('ovmf/kholia-osx-kvm/OVMF_CODE.fd')))(
    '--bios on firmware without a GOP: not-found, nothing written',
    async () => {
      const none = join(tmp, 'none.rom');
      await expect(
        romCommand.run(['--bios', fixturePath('ovmf/kholia-osx-kvm/OVMF_CODE.fd'), '-o', none]),
      ).rejects.toMatchObject({ code: 'not-found', message: /no Intel GOP driver found/ });
      expect(existsSync(none)).toBe(false);
    },
  );

  it.skipIf(!haveGop)('--gop FILE --vbt FILE: the same bytes as the core builder', async () => {
    const { code, stdout } = await run([
      '--gop',
      fixturePath(GOP_FIXTURE),
      '--vbt',
      fixturePath(VBT_FIXTURE),
      '--device-id',
      '46a6',
      '-o',
      out,
    ]);
    expect(code).toBe(0);
    const direct = await buildIgdRom({
      gop: readFixture(GOP_FIXTURE),
      vbt: readFixture(VBT_FIXTURE),
      deviceId: 0x46a6,
    });
    expect(sha256(new Uint8Array(readFileSync(out)))).toBe(direct.sha256);
    expect(stdout).toContain(`sha256 ${direct.sha256}`);
    expect(stdout).toMatch(/VBT: embedded in PlatformGopPolicy \(\$VBT TIGERLAKE, 8608 bytes/);
  });
});
