/** `rom` and `extract` on AMD inputs, as a user runs them: files written, their bytes, the JSON. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acpiVfct } from '../../../fixtures/builder/containers';
import {
  fixtureJson,
  fixturePath,
  haveFixtures,
  readFixture,
} from '../../../tests/helpers/fixtures';
import { FirmwareError } from '../../lib/firmware';
import { captureStdout } from '../../../tests/helpers/stdout';
import { UsageError } from '../command';
import { extractCommand } from './extract';
import { romCommand } from './rom';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const tmp = () => mkdtempSync(join(tmpdir(), 'amd-'));
const stdout = captureStdout();

const F = {
  gop: 'amd/gop/isc30-gop-7840hs-v3.8.3/AMDGopDriver_7840hs.efi',
  vbios: 'amd/vbios/isc30-vbios-15bf-022.012.000.027.000001/vbios_7840hs.bin',
  card: 'amd/oprom/thieuson-renoir-1636-vbios+gop/Renoir_Generic_VBIOS_updGOP.bin',
};

describe.skipIf(!haveFixtures)('rom and extract for AMD', () => {
  it('rom --gop --vbios writes the combined ROM to OUT, the GOP-only ROM and the VBIOS beside it', async () => {
    const dir = tmp();
    const out = join(dir, 'out.rom');
    const code = await romCommand.run([
      '--gop',
      fixturePath(F.gop),
      '--vbios',
      fixturePath(F.vbios),
      '-o',
      out,
      '--json',
    ]);
    expect(code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      'amd-gop-15bf-audio.rom',
      'out.rom',
      'vbios-15bf.bin',
    ]);
    const json = JSON.parse(stdout.text);
    expect(json.vendor).toBe('amd');
    expect(json.roms.map((r: { kind: string; file: string }) => [r.kind, r.file])).toEqual([
      ['combined', out],
      ['gop-only', join(dir, 'amd-gop-15bf-audio.rom')],
      ['vbios', join(dir, 'vbios-15bf.bin')],
    ]);
    for (const r of json.roms) expect(sha(readFileSync(r.file))).toBe(r.sha256);
    expect(sha(readFileSync(join(dir, 'vbios-15bf.bin')))).toBe(
      sha(readFileSync(fixturePath(F.vbios))),
    );
  });

  it('rom --bios picks AMD for a BIOS holding AMD graphics; Intel-only options are refused', async () => {
    const dir = tmp();
    const out = join(dir, 'renoir.rom');
    expect(await romCommand.run(['--bios', fixturePath(F.card), '-o', out])).toBe(0);
    const text = stdout.text;
    expect(text).toMatch(/GOP: AMD GOP 2\.8\.0\.0\.0 \(x64\)/);
    expect(text).toMatch(/wrote .*renoir\.rom \(combined, romfile= of BB:00\.0\)/);
    expect(text).toMatch(/limits: each ROM <= 16 MiB .*128 KiB for the combined ROM/);
    await expect(
      romCommand.run(['--bios', fixturePath(F.card), '--variant', 'gop', '-o', out]),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(
      romCommand.run(['--gop', fixturePath(F.gop), '--vendor', 'nvidia', '-o', out]),
    ).rejects.toBeInstanceOf(UsageError);
  });

  it('extract --all --json writes the AMD GOP as .efi and the VBIOS as .bin and says which is which', async () => {
    const dir = tmp();
    expect(await extractCommand.run([fixturePath(F.card), '-o', dir, '--all', '--json'])).toBe(0);
    const json = JSON.parse(stdout.text);
    expect(json.written.map((w: { kind: string; file: string }) => [w.kind, w.file])).toEqual([
      ['amd-gop', join(dir, 'AMDGopDriver-2.8.0.0.0.efi')],
      ['vbios', join(dir, 'vbios-1636-017.010.000.029.000000.bin')],
    ]);
    expect(sha(readFileSync(join(dir, 'AMDGopDriver-2.8.0.0.0.efi')))).toBe(
      'd89a25a9df6564089d05f5a6ee40845d5698e895b6bf168681bf8db1c7dbb0d8',
    );
    expect(sha(readFileSync(join(dir, 'vbios-1636-017.010.000.029.000000.bin')))).toBe(
      '2315e4f54deb60789dd0da98d5e63419630e63b34aa7085836ae988b4377407f',
    );
    expect(json.amd.vbioses[0]).toMatchObject({
      deviceId: '0x1636',
      family: 'Renoir',
      partNumber: '113-RENOIR-034',
    });
    expect(json.gops).toEqual([]);
    expect(json.warnings).toEqual([]);
  });
});

describe.skipIf(!haveFixtures)('rom and extract with an ACPI VFCT table as the VBIOS', () => {
  const PHOENIX = 'amd/vbios/isc30-vbios-15bf-022.012.000.027.000001/vbios_7840hs.bin';
  const REMBRANDT = 'amd/vbios/isc30-vbios-1681-032.017.000.055.000000/vbios_6800h.bin';
  const GOP_ONLY = 'amd/gop/isc30-gop-6600h-v3.7.10/AMDGopDriver_6600H.rom';
  /** The fixture authors' SHA-256 (amd/expected.json). */
  const expected = (file: string) =>
    fixtureJson<{ file: string; sha256: string }[]>('amd/expected.json').find(
      (e) => e.file === file,
    )!.sha256;
  /** A VFCT table as the host shows it, written to a scratch folder (built around the fixtures). */
  const vfctFile = (dir: string, records: Parameters<typeof acpiVfct>[0]) => {
    const path = join(dir, 'vfct.bin');
    writeFileSync(path, acpiVfct(records));
    return path;
  };
  const both = (dir: string) =>
    vfctFile(dir, [
      { bus: 0xc5, deviceId: 0x1681, image: readFixture(REMBRANDT) },
      { bus: 0x03, deviceId: 0x15bf, image: readFixture(PHOENIX) },
    ]);

  it('rom --gop --vbios vfct.bin --device-id: the image for that device; the VBIOS written alone is its bytes', async () => {
    const dir = tmp();
    const out = join(dir, 'out.rom');
    const vfct = both(dir);
    const args = ['--gop', fixturePath(F.gop), '--vbios', vfct, '-o', out];
    expect(await romCommand.run([...args, '--device-id', '0x15bf', '--json'])).toBe(0);
    const json = JSON.parse(stdout.text);
    expect(json.deviceId).toBe('0x15bf');
    expect(json.notes[0]).toMatch(
      /from the ACPI VFCT table vfct\.bin, the record for 03:00\.0 \[1002:15bf\]/,
    );
    expect(sha(readFileSync(join(dir, 'vbios-15bf.bin')))).toBe(expected(PHOENIX));
    // Two images and no device ID: which one is not guessed; an ID the table lacks is named.
    await expect(romCommand.run(args)).rejects.toMatchObject({ code: 'bad-input' });
    await expect(romCommand.run([...args, '--device-id', '0x1900'])).rejects.toThrow(
      /no VBIOS for device 1002:1900/,
    );
  });

  it('rom --bios (a GOP, no VBIOS) --vbios vfct.bin: the combined ROM from the BIOS GOP and the table VBIOS, re-read and verified', async () => {
    const dir = tmp();
    const out = join(dir, 'rembrandt.rom');
    const vfct = vfctFile(dir, [{ deviceId: 0x1681, image: readFixture(REMBRANDT) }]);
    expect(
      await romCommand.run(['--bios', fixturePath(GOP_ONLY), '--vbios', vfct, '-o', out]),
    ).toBe(0);
    expect(stdout.text).toMatch(
      /VBIOS: from the ACPI VFCT table vfct\.bin, the record for c5:00\.0 \[1002:1681\]/,
    );
    expect(stdout.text).toMatch(
      /wrote .*rembrandt\.rom \(combined, romfile= of BB:00\.0\).*re-read and verified/,
    );
    expect(stdout.text).toMatch(/image @0x000000 {2}PCIR 1002:1681 .*legacy/);
    expect(sha(readFileSync(join(dir, 'vbios-1681.bin')))).toBe(expected(REMBRANDT));
  });

  it('rom --bios with a VBIOS of its own picks that device from the table, and says when the table lacks it', async () => {
    const dir = tmp();
    const err = await romCommand
      .run(['--bios', fixturePath(F.card), '--vbios', both(dir), '-o', join(dir, 'x.rom')])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareError);
    expect((err as FirmwareError).message).toMatch(/no VBIOS for device 1002:1636/);
  });

  it('extract vfct.bin writes each VBIOS, byte for byte', async () => {
    const dir = tmp();
    const vfct = both(dir);
    const outDir = join(dir, 'out');
    expect(await extractCommand.run([vfct, '-o', outDir, '--all', '--json'])).toBe(0);
    const json = JSON.parse(stdout.text);
    const written = json.written.filter((w: { kind: string }) => w.kind === 'vbios');
    expect(written.map((w: { file: string }) => sha(readFileSync(w.file))).sort()).toEqual(
      [expected(REMBRANDT), expected(PHOENIX)].sort(),
    );
  });
});
