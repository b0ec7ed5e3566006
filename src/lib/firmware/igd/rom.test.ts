import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../cli/command';
import { romCommand } from '../../../cli/commands/rom';
import {
  fixturePath,
  haveFixtures,
  noFixturesReason,
  readFixture,
} from '../../../../tests/helpers/fixtures';
import { parseFirmware } from '../parse';
import { findAll } from '../tree/node';
import { analyze } from '../analyze';
import { peSectionData } from '../pe/append-section';
import { readPe } from '../pe/headers';
import { driverBytes, igdAssignment, platformGopPolicy } from '../drivers/generated';
import { ascii, imageLength, rawImage, sha256, u16 } from '../oprom/test-support';
import { withoutNameString } from '../../../../tests/helpers/gop';
import { buildIgdRom } from './rom';

const GOP_FIXTURE = 'gop-vbt/adl/IntelGopDriver.efi';
const VBT_FIXTURE = 'gop-vbt/adl/vbt.bin';
const haveGop =
  haveFixtures && existsSync(fixturePath(GOP_FIXTURE)) && existsSync(fixturePath(VBT_FIXTURE));
if (!haveGop)
  console.warn(
    `[skip] GOP/VBT cases: ${haveFixtures ? `${GOP_FIXTURE} missing` : noFixturesReason}`,
  );

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

  it('a GOP without its name string: built in, and the explorer tree labels it as the finder does', async () => {
    const bare = withoutNameString(gop);
    const r = await buildIgdRom({ variant: 'gop', gop: bare, deviceId: 0x46a6 });
    expect(r.images[0].version).toBe('Intel GOP driver (no name string) 21.?.1066');
    const [pe] = (await parseFirmware(r.rom)).children[0].children;
    expect(pe.name).toBe('Intel GOP driver (no name string) 21.?.1066');
    expect(pe.fields).toMatchObject({
      'GOP version': '21.?.1066',
      'GOP version read from':
        'read beside the graphics-controller name (the image lacks "Intel(R) GOP Driver")',
      'GOP generation': 'Alder Lake / Raptor Lake / ADL-N (from the version major 21)',
    });
    expect(pe.fields['GOP device IDs']).toBeGreaterThan(10);
    // The misnamed board module is still no GOP, for the tree as for the finder.
    const notGop = await parseFirmware(
      readFixture('newgen/negative-ssrml-misnamed-IntelGopDriver/IntelGopDriver.efi'),
    );
    const pes = findAll(notGop, (n) => n.kind === 'pe');
    expect(pes).toHaveLength(1);
    expect(pes[0].fields['GOP version']).toBeUndefined();
    expect(pes[0].name ?? '').not.toMatch(/GOP/);
    // The same image with its name string is labelled as before.
    const named = findAll(await parseFirmware(gop), (n) => n.kind === 'pe');
    expect(named.map((n) => n.name)).toEqual(['Intel(R) GOP Driver 21.?.1066']);
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

describe.skipIf(!haveFixtures)(
  'buildIgdRom for Arrow Lake-S (GOP 22.x build 1062 + its VBT)',
  () => {
    it('embeds the 7287-byte ARL-S VBT (BDB 258, larger than mailbox 4) whole in the policy driver', async () => {
      const gop = readFixture(
        'newgen/lixiaoliu-ultra-desktop-gop-b1062/pc-ultra-1-2-IntelGopDriver.efi',
      );
      const vbt = readFixture('newgen/fsp-arl-s-vbt-s03/VbtArlsS03.dat');
      const r = await buildIgdRom({ gop, vbt, deviceId: 0xb640 }); // INTEL_ARL_S_IDS
      expect(r.images.map((i) => i.role)).toEqual(['igd-assignment', 'gop-policy', 'gop']);
      expect(rawImage(r.rom, 0).device).toBe(0xb640);
      expect(r.images[2].sha256).toBe(sha256(gop));
      const policy = r.rom.subarray(
        r.images[1].peOffset,
        r.images[1].peOffset + r.images[1].peSize,
      );
      const vbtSize = u16(vbt, 0x18);
      expect(vbtSize).toBe(7287); // as newgen/fsp-arl-s-vbt-s03/SOURCE.txt states
      expect(sha256(peSectionData(policy, '.vbt')!)).toBe(sha256(vbt.subarray(0, vbtSize)));
      expect(r.vbt).toMatchObject({ source: 'embedded', size: vbtSize });
    });
  },
);
