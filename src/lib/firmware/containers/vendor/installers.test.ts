import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { descriptorImage, zipArchive } from '../../../../../fixtures/builder/containers';
import { buildVolume, filler } from '../../../../../fixtures/builder/index';
import {
  cabSfx,
  innoInstaller,
  installShieldExe,
  installShieldPlainExe,
  nsisInstaller,
  rarSfx,
} from '../../../../../fixtures/builder/installers';
import { makeGop } from '../../../../../fixtures/builder/payloads';
import {
  fixtureJson,
  fixturePath,
  haveFixtures,
  readFixture,
} from '../../../../../tests/helpers/fixtures';
import { analyze } from '../../analyze';
import { sha256Hex } from '../../bytes/sha256';
import { detectKind } from '../../detect';
import { inspectFirmware } from '../../inspect';
import { parseFirmware, readFirmware } from '../../parse';
import { findAll } from '../../tree/node';
import { firmwareErrorOf } from '../archive/testing';
import { recogniseInstaller } from './installers';

/** A 128 KiB SPI image (descriptor, BIOS region) as a vendor would put in its installer. */
const spi = descriptorImage({
  version: 2,
  size: 0x20000,
  regions: { bios: { offset: 0x10000, data: filler(0x10000, 7) } },
});

async function unsupported(bytes: Uint8Array) {
  const e = await firmwareErrorOf(parseFirmware(bytes));
  expect(e.code).toBe('unsupported');
  return e.message;
}

describe('NSIS installers', () => {
  it('compressed: named with its version and compressor and 7-Zip, not read as a PE', async () => {
    const exe = nsisInstaller(spi, { compression: 'lzma-solid' });
    expect(await unsupported(exe)).toMatch(
      /^this is an NSIS 3\.08 installer \(compressed with LZMA, solid\), which this reader cannot open, and no firmware image is stored uncompressed in it; extract it with 7-Zip/,
    );
    const first = Buffer.from(exe).indexOf('NullsoftInst') - 8;
    expect(detectKind(exe)).toMatchObject({
      kind: 'vendor-package',
      label: 'NSIS installer 3.08',
      offset: first,
    });
    expect(first % 512).toBe(0);
  });

  it('zlib and the uninstaller flag are stated', async () => {
    const exe = nsisInstaller(spi, { compression: 'zlib', uninstaller: true, version: '2.46' });
    expect(await unsupported(exe)).toMatch(
      /an NSIS 2\.46 installer \(an uninstaller, compressed with zlib\)/,
    );
  });

  it('stored (SetCompress off): the SPI image inside is carved at its offset', async () => {
    const exe = nsisInstaller(spi, { compression: 'none' });
    const at = Buffer.from(exe).indexOf(Buffer.from(spi.subarray(0, 0x40)));
    const { root, format } = await readFirmware(exe);
    expect(format?.name).toBe('carved');
    const carved = root!.children.find((c) => c.type === 'image found inside')!;
    expect([carved.name, carved.absOffset, carved.raw.length]).toEqual([
      `a 128 KiB SPI image at 0x${at.toString(16).toUpperCase()}`,
      at,
      spi.length,
    ]);
  });

  it('stored volumes (a BIOS region without descriptor) are read as volumes', async () => {
    const volume = buildVolume({ size: 0x10000, files: [] });
    const exe = nsisInstaller(volume, { compression: 'none' });
    const { root, format } = await readFirmware(exe);
    expect(format?.name).toBe('installer');
    const found = findAll(root!, (n) => n.kind === 'volume').map((n) => n.absOffset);
    expect(found).toEqual([Buffer.from(exe).indexOf(Buffer.from(volume.subarray(0, 0x40)))]);
  });

  it('inside a ZIP, the installer entry carries the reason and the other entries are read', async () => {
    const zip = zipArchive([
      { name: 'BIOS.EXE', data: nsisInstaller(spi, { compression: 'lzma-solid' }) },
      { name: 'IMAGE.BIN', data: spi },
    ]);
    const root = await parseFirmware(zip);
    const entries = root.children[0].children;
    expect(entries[0].warnings).toEqual([
      expect.stringMatching(/^not read: this is an NSIS 3\.08 installer/),
    ]);
    expect(entries[1].children[0].kind).not.toBe('opaque');
  });
});

describe('Inno Setup installers', () => {
  it('by the `Inno` header at 0x30: named with the version its setup data states', async () => {
    const exe = innoInstaller({ table: 'exe-header', version: '5.5.9' });
    expect(recogniseInstaller(exe)).toMatchObject({ kind: 'Inno Setup', version: '5.5.9' });
    expect(await unsupported(exe)).toMatch(
      /^this is an Inno Setup 5\.5\.9 installer, which this reader cannot open.*extract it with innoextract/,
    );
  });

  it('by the 5.1.5+ table id in resources, Unicode build', async () => {
    const exe = innoInstaller({ table: 'resource', version: '6.2.0', unicode: true });
    expect(await unsupported(exe)).toMatch(/an Inno Setup 6\.2\.0 installer \(Unicode\)/);
    expect(detectKind(exe).label).toBe('Inno Setup installer 6.2.0');
  });

  it('without setup data text: named, no version made up', async () => {
    const exe = innoInstaller({ table: 'exe-header' });
    expect(await unsupported(exe)).toMatch(/^this is an Inno Setup installer, which/);
  });
});

describe('InstallShield installers', () => {
  for (const sig of ['InstallShield', 'ISSetupStream'] as const) {
    it(`${sig} header after the program: named with its file count, ISx and unshield`, async () => {
      const exe = installShieldExe(
        [
          { name: 'setup.ini', data: new TextEncoder().encode('[Startup]\r\n') },
          { name: 'data1.cab', data: spi },
        ],
        sig,
      );
      expect(await unsupported(exe)).toMatch(
        new RegExp(
          `^this is an InstallShield installer \\(2 files, ${sig} data, encoded\\).*ISx.*unshield`,
        ),
      );
    });
  }

  it('a plain one (no header, data1.cab first) is named too', async () => {
    const cab = new Uint8Array(0x400);
    cab.set(new TextEncoder().encode('ISc('), 0);
    expect(await unsupported(installShieldPlainExe(cab))).toMatch(
      /^this is an InstallShield installer \(plain, data1\.cab first\).*unshield/,
    );
  });

  it('the data1.cab it unpacks to is named too', async () => {
    const cab = new Uint8Array(0x200);
    cab.set(new TextEncoder().encode('ISc('), 0);
    expect(await unsupported(cab)).toMatch(/InstallShield cabinet.*unshield/);
  });
});

describe('self-extractors of archives this reader does not open', () => {
  for (const format of [4, 5] as const) {
    it(`WinRAR, RAR ${format}: named with 7-Zip or unrar`, async () => {
      const exe = rarSfx(spi, format);
      expect(await unsupported(exe)).toMatch(
        new RegExp(`^this is a WinRAR self-extractor \\(RAR ${format} archive\\).*unrar`),
      );
      expect(detectKind(exe)).toMatchObject({
        label: 'WinRAR self-extractor',
        offset: Buffer.from(exe).indexOf('Rar!'),
      });
    });
  }

  it('IExpress: the cabinet in the program is named, with its file count and cabextract', async () => {
    const exe = cabSfx(spi, 3);
    expect(await unsupported(exe)).toMatch(
      /^this is an IExpress self-extractor \(a Microsoft cabinet of 3 files\).*cabextract/,
    );
  });

  it('a cabinet whose header does not hold together is not one', () => {
    const exe = cabSfx(spi);
    exe[Buffer.from(exe).indexOf('MSCF') + 0x18] = 4; // version 1.4 does not exist
    expect(recogniseInstaller(exe)).toBeUndefined();
  });
});

describe('programs that are not installers stay PE images', () => {
  it('a driver, and a program that only mentions the markers', async () => {
    const gop = makeGop();
    expect(recogniseInstaller(gop)).toBeUndefined();
    const mentions = new Uint8Array(gop.length + 0x400);
    mentions.set(gop);
    // Not at a 512-byte step, no version after the Inno text, no header after the program.
    const note = 'xxNullsoftInst Inno Setup Setup Data ( InstallShield\0 Rar! MSCF\0\0\0\0';
    mentions.set(new TextEncoder().encode(note), gop.length + 0x10);
    mentions.set([0xef, 0xbe, 0xad, 0xde], gop.length + 0x0e);
    expect(recogniseInstaller(mentions)).toBeUndefined();
    expect((await parseFirmware(mentions)).children[0].kind).toBe('pe');
  });
});

/** Real cabinets from Debian's gcab, after a program as IExpress puts them. */
const haveGcab = spawnSync('gcab', ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveGcab) console.warn('[skip] gcab not found (Debian package gcab): real cabinet tests');

describe.skipIf(!haveGcab || !haveFixtures)('cabinet self-extractors with gcab cabinets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gcab-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'README.TXT'), 'Run flash.bat\r\n');
  symlinkSync(fixturePath('vendor-like/aptio5-spi.bin'), join(dir, 'BIOS.BIN'));
  const sfx = (switches: string[]) => {
    execFileSync('gcab', ['-c', ...switches, 'a.cab', 'README.TXT', 'BIOS.BIN'], { cwd: dir });
    const cab = readFileSync(join(dir, 'a.cab'));
    const stub = makeGop({ notGop: true, machine: 0x14c });
    return new Uint8Array(Buffer.concat([stub, cab]));
  };

  it('MSZIP-compressed: named with its file count and cabextract', async () => {
    expect(await unsupported(sfx(['-z']))).toMatch(
      /^this is an IExpress self-extractor \(a Microsoft cabinet of 2 files\).*cabextract/,
    );
  });

  it('stored: the SPI image inside is carved instead', async () => {
    const exe = sfx([]);
    const image = readFixture('vendor-like/aptio5-spi.bin');
    const at = Buffer.from(exe).indexOf(Buffer.from(image.subarray(0, 0x1000)));
    expect((await inspectFirmware(exe)).file).toMatchObject({
      kind: 'intel-descriptor',
      offset: at,
    });
  });
});

/** Real installers from Debian's makensis around a real firmware image. */
const makensis = spawnSync('makensis', ['-VERSION'], { encoding: 'utf8' });
const haveMakensis = makensis.status === 0;
if (!haveMakensis) console.warn('[skip] makensis not found (Debian package nsis): real NSIS tests');

describe.skipIf(!haveMakensis || !haveFixtures)('NSIS installers built by makensis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsis-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const BIOS = 'vendor-like/aptio5-spi.bin';

  function build(name: string, script: string): Uint8Array {
    writeFileSync(join(dir, `${name}.nsi`), `OutFile "${name}.exe"\n${script}`);
    execFileSync('makensis', ['-V1', `${name}.nsi`], { cwd: dir });
    return new Uint8Array(readFileSync(join(dir, `${name}.exe`)));
  }
  // The fixture is linked, not copied.
  symlinkSync(fixturePath(BIOS), join(dir, 'BIOS.BIN'));
  const section = (lines: string) =>
    `Section\nSetOutPath $TEMP\n${lines}\nFile "BIOS.BIN"\nSectionEnd\n`;

  it('LZMA solid: inspect and the app name the installer and 7-Zip', async () => {
    const exe = build('lzma', `SetCompressor /SOLID lzma\n${section('')}`);
    const version = makensis.stdout
      .trim()
      .replace(/^v/, '')
      .match(/^[\d.]+/)![0];
    const { file, error } = await inspectFirmware(exe);
    expect(file.label).toBe(`NSIS installer ${version}`);
    expect(error?.code).toBe('unsupported');
    const shown = (await analyze(exe)).error!;
    expect(shown.message).toMatch(
      new RegExp(`^this is an NSIS ${version} installer \\(compressed with LZMA, solid\\).*7-Zip`),
    );
  });

  it('SetCompress off: the SPI image is carved at its offset, its GOP and VBT found', async () => {
    const exe = build('stored', section('SetCompress off'));
    const image = readFixture(BIOS);
    const at = Buffer.from(exe).indexOf(Buffer.from(image.subarray(0, 0x1000)));
    expect(at).toBeGreaterThan(0);
    const { file } = await inspectFirmware(exe);
    expect(file).toMatchObject({ kind: 'intel-descriptor', offset: at });
    const want = fixtureJson<
      { file: string; gops: { sha256: string }[]; vbts: { sha256_exact: string }[] }[]
    >('vendor-like/expected.json').find((e) => e.file === 'aptio5-spi.bin')!;
    const result = await analyze(exe);
    expect(result.gops.map((g) => g.sha256)).toEqual([want.gops[0].sha256]);
    expect(result.vbts.map((v) => v.sha256)).toContain(want.vbts[0].sha256_exact);
    expect(await sha256Hex(exe.subarray(at, at + image.length))).toBe(await sha256Hex(image));
  });
});
