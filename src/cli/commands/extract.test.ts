import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../../lib/firmware/errors';
import { fixtureJson, fixturePath, haveFixtures } from '../../../tests/helpers/fixtures';
import { UsageError } from '../command';
import { extractCommand, sanitizeName } from './extract';
import { captureStdout } from '../../../tests/helpers/stdout';
import { withoutNameString, withoutUtf16 } from '../../../tests/helpers/gop';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Expected {
  file: string;
  gops: { sha256: string }[];
  vbts: { sha256_exact: string; platform: string }[];
  must_ignore: string[];
}

const stdout = captureStdout();

const tmp = () => mkdtempSync(join(tmpdir(), 'extract-'));

describe('extract: errors and names', () => {
  it('needs exactly one file and knows its options', async () => {
    await expect(extractCommand.run([])).rejects.toBeInstanceOf(UsageError);
    await expect(extractCommand.run(['a', '--bogus'])).rejects.toBeInstanceOf(UsageError);
  });

  it('fails with a FirmwareError on a file holding no firmware', async () => {
    const f = join(tmp(), 'junk.bin');
    writeFileSync(f, new Uint8Array(4096).fill(0x5a));
    const err = await extractCommand.run([f]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareError);
  });

  it('keeps file names portable', () => {
    expect(sanitizeName('21.?.1066')).toBe('21.x.1066');
    expect(sanitizeName('SANDYBRIDGE-M')).toBe('SANDYBRIDGE-M');
    expect(sanitizeName('a/b c')).toBe('a_b_c');
    expect(sanitizeName('')).toBe('unknown');
  });
});

describe.skipIf(!haveFixtures)('extract on fixtures', () => {
  const v1 = haveFixtures ? fixtureJson<Expected[]>('vendor-like/expected.json') : [];
  const exp = (name: string) => v1.find((e) => e.file === name)!;

  it(
    'writes the top GOP and VBT with the expected SHA-256s and prints why',
    { timeout: 30_000 },
    async () => {
      const dir = tmp();
      const code = await extractCommand.run([fixturePath('vendor-like/aptio5-spi.bin'), '-o', dir]);
      expect(code).toBe(0);
      const files = readdirSync(dir).sort();
      expect(files).toHaveLength(2);
      const gopFile = files.find((f) => /^IntelGopDriver-.*\.efi$/.test(f))!;
      expect(sha(readFileSync(join(dir, gopFile)))).toBe(exp('aptio5-spi.bin').gops[0].sha256);
      expect(sha(readFileSync(join(dir, 'vbt-TIGERLAKE.bin')))).toBe(
        exp('aptio5-spi.bin').vbts[0].sha256_exact,
      );
      expect(stdout.text).toMatch(/why: +.*first live GOP|why: +the only live GOP/);
      expect(stdout.text).toContain(exp('aptio5-spi.bin').gops[0].sha256);
    },
  );

  it(
    '--all writes every distinct candidate under unique names, never a deleted copy',
    { timeout: 30_000 },
    async () => {
      const dir = tmp();
      const e = exp('insyde-like.fd');
      await extractCommand.run([fixturePath('vendor-like/insyde-like.fd'), '-o', dir, '--all']);
      const files = readdirSync(dir);
      expect(files).toHaveLength(e.gops.length + e.vbts.length);
      const hashes = files.map((f) => sha(readFileSync(join(dir, f)))).sort();
      expect(hashes).toEqual(
        [...e.gops.map((g) => g.sha256), ...e.vbts.map((v) => v.sha256_exact)].sort(),
      );
      for (const h of e.must_ignore) expect(hashes).not.toContain(h);
      expect(stdout.text).toMatch(/ignored GOP .*DELETED/);
    },
  );

  it(
    '--json reports the ranked candidates and the files written',
    { timeout: 30_000 },
    async () => {
      const dir = tmp();
      await extractCommand.run([fixturePath('vendor-like/aptio5-asus.cap'), '-o', dir, '--json']);
      const j = JSON.parse(stdout.text);
      const e = exp('aptio5-asus.cap');
      expect(j.gops.map((g: { sha256: string }) => g.sha256)).toEqual([e.gops[0].sha256]);
      expect(j.vbts[0].sha256).toBe(e.vbts[0].sha256_exact);
      expect(j.vbts[0].platform).toBe(e.vbts[0].platform);
      // The VBT names its generation as the GOP does: a TIGERLAKE platform string.
      expect(j.vbts[0].generation).toMatchObject({ code: 'TGL', basis: 'platform', guess: true });
      // GOP details: version parts, the generation (labelled a guess), the device-ID table.
      expect([j.gops[0].version, j.gops[0].versionKnown]).toEqual(['17.?.1064', 'partial']);
      expect(j.gops[0].generation).toMatchObject({ code: 'TGL', basis: 'version', guess: true });
      expect(j.gops[0].deviceIds).toContain('0x9a49'); // TGL GT2 (Linux pciids.h)
      expect(j.gops[0].deviceFamilies).toContain('Tiger Lake');
      expect([j.gops[0].machine, j.gops[0].subsystem]).toEqual(['x64', 'EFI boot service driver']);
      // Reasons and warnings are the English strings, as the text report prints them.
      expect(j.gops[0].reason).toMatch(/^the only live GOP; in AMI's option-ROM container file/);
      expect(j.gops[0].warnings).toEqual(['version only partly stored: 17.?.1064']);
      expect(j.vbts[0].reason).toMatch(/file GUID is the Intel VBT file IntelGopVbt/);
      expect(j.written).toHaveLength(2);
      for (const w of j.written as { file: string }[])
        expect(readFileSync(w.file).length).toBeGreaterThan(0);
    },
  );

  it.skipIf(!haveFixtures)(
    'names the generation of a Panther Lake VBT in --json and in the text report',
    { timeout: 30_000 },
    async () => {
      const file = fixturePath('vbt/intel-fsp/PantherLake-Vbt.dat');
      await extractCommand.run([file, '-o', tmp(), '--json']);
      const j = JSON.parse(stdout.text);
      expect(j.vbts[0]).toMatchObject({ platform: 'PANTHERLAKE', bdbVersion: 266 });
      expect(j.vbts[0].generation).toEqual({
        code: 'PTL',
        label: 'Panther Lake',
        basis: 'platform',
        guess: true,
      });
      stdout.clear();
      await extractCommand.run([file, '-o', tmp()]);
      expect(stdout.text).toContain(
        'generation:  PTL, Panther Lake (a guess from the platform string)',
      );
    },
  );

  it.skipIf(!haveFixtures)(
    'a GOP without its name string: version, where it was read and the generation, in --json and text',
    { timeout: 30_000 },
    async () => {
      const gop = readFileSync(
        fixturePath('newgen/lixiaoliu-ultra-desktop-gop-b1062/pc-ultra-1-2-IntelGopDriver.efi'),
      );
      const dir = tmp();
      const bare = join(dir, 'nameless.efi');
      writeFileSync(bare, withoutNameString(gop));
      await extractCommand.run([bare, '-o', join(dir, 'out'), '--json']);
      const j = JSON.parse(stdout.text);
      expect(j.gops).toHaveLength(1);
      expect(j.gops[0]).toMatchObject({
        version: '22.?.1062',
        versionKnown: 'partial',
        versionSource: 'beside-controller',
        versionFrom:
          'read beside the graphics-controller name (the image lacks "Intel(R) GOP Driver")',
      });
      expect(j.gops[0].generation).toEqual({
        code: 'MTL',
        label: 'Meteor Lake / Arrow Lake',
        basis: 'version',
        igpu: 'MTL',
        from: 'from the version major 22',
        guess: true,
      });
      expect(j.gops[0].identity.confidence).toBe('medium');
      // No version left at all: the text report says so, and names the device-ID table's generation.
      const none = join(dir, 'no-version.efi');
      writeFileSync(none, withoutUtf16(withoutNameString(gop), 'Intel(R) Graphics Controller'));
      stdout.clear();
      await extractCommand.run([none, '-o', join(dir, 'out2')]);
      expect(stdout.text).toContain('  version:     not stored in the image\n');
      expect(stdout.text).toContain(
        '  generation:  MTL, Meteor Lake (a guess from its device-ID table (the image holds no version))\n',
      );
    },
  );

  it(
    'fails with a one-line reason when the image holds no GOP and no VBT',
    { timeout: 30_000 },
    async () => {
      const err = await extractCommand
        .run([fixturePath('ovmf/debian-bookworm/OVMF_CODE.fd'), '-o', tmp()])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FirmwareError);
      expect((err as FirmwareError).message).toMatch(/no Intel GOP driver and no VBT found/);
      expect((err as FirmwareError).message).not.toContain('\n');
    },
  );
});

// Through the real entry point, once src/cli/main.ts lists the command.
const registered = readFileSync(join(__dirname, '../main.ts'), 'utf8').includes('extractCommand');
describe.skipIf(!haveFixtures || !registered)('extract via the CLI', () => {
  function cli(...args: string[]) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      encoding: 'utf8',
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it(
    'exits 0 and writes the pair; exits 1 with one line when nothing is found',
    { timeout: 60_000 },
    () => {
      const dir = tmp();
      const ok = cli('extract', fixturePath('vendor-like-2/aptio4-tiano-snb.rom'), '-o', dir);
      expect(ok.code).toBe(0);
      const e = fixtureJson<(Expected & { gops: { version: string }[] })[]>(
        'vendor-like-2/expected.json',
      ).find((x) => x.file === 'aptio4-tiano-snb.rom')!;
      expect(readdirSync(dir).sort()).toEqual([
        `IntelGopDriver-${e.gops[0].version}.efi`,
        `vbt-${e.vbts[0].platform}.bin`,
      ]);
      const none = cli('extract', fixturePath('ovmf/kholia-osx-kvm/OVMF_CODE.fd'), '-o', dir);
      expect(none.code).toBe(1);
      expect(none.stderr.trim().split('\n')).toHaveLength(1);
    },
  );
});
