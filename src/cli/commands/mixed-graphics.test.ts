/**
 * `extract` and `rom --bios` on BIOS images holding Intel and AMD graphics at once (built around
 * real fixtures by tests/helpers/mixed-graphics.ts): what is written, which vendor's ROM is
 * built, the --vendor / --device-id overrides, and each ROM read back by the project's readers.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOptionRom } from '../../lib/firmware';
import { bytesOf } from '../../lib/firmware/bytes/view';
import { fixturePath, haveFixtures, readFixture } from '../../../tests/helpers/fixtures';
import { acpiVfct } from '../../../fixtures/builder/containers';
import {
  apuGopForTwoDevices,
  intelBoardWithRadeonGop,
  intelExpected,
  intelGopWithApuVbios,
  intelGopWithDiscreteVbios,
  intelVbtWithRadeonGop,
  MIXED,
  withPcirDeviceId,
} from '../../../tests/helpers/mixed-graphics';
import { captureStdout } from '../../../tests/helpers/stdout';
import { UsageError } from '../command';
import { extractCommand } from './extract';
import { romCommand } from './rom';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const stdout = captureStdout();
const root = mkdtempSync(join(tmpdir(), 'mixed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => mkdtempSync(join(root, `${n++}-`));

describe.skipIf(!haveFixtures)('Intel and AMD graphics in one BIOS', () => {
  const intelGopSha = () => intelExpected().gopSha256;
  const vbtSha = () => intelExpected().vbtSha256;
  const fixtureSha = (rel: string) => sha(readFixture(rel));
  // The two images, written once where the commands read them.
  const radeonGopBios = join(root, 'intel-board-radeon-gop.cap');
  const apuVbiosBios = join(root, 'intel-gop-apu-vbios.cap');
  const vbtRadeonGopBios = join(root, 'intel-vbt-radeon-gop.cap');
  const discreteVbiosBios = join(root, 'intel-gop-discrete-vbios.cap');
  if (haveFixtures) {
    writeFileSync(radeonGopBios, intelBoardWithRadeonGop());
    writeFileSync(apuVbiosBios, intelGopWithApuVbios());
    writeFileSync(vbtRadeonGopBios, intelVbtWithRadeonGop());
    writeFileSync(discreteVbiosBios, intelGopWithDiscreteVbios());
  }

  /** The Intel ROM at `file`: its PCIR and the GOP a re-read finds in it. */
  async function intelRom(file: string) {
    const rom = bytesOf(readFileSync(file));
    const model = readOptionRom(rom);
    const out = dir();
    stdout.clear();
    await extractCommand.run([file, '-o', out, '--json']);
    const j = JSON.parse(stdout.text);
    return { model, gops: j.gops.map((g: { sha256: string }) => g.sha256) as string[] };
  }

  it('extract --all --json writes the Intel GOP and VBT and the AMD GOP and VBIOS, saying which is which', async () => {
    const out = dir();
    expect(await extractCommand.run([apuVbiosBios, '-o', out, '--all', '--json'])).toBe(0);
    const j = JSON.parse(stdout.text);
    const written = j.written.map((w: { kind: string; vendor: string; file: string }) => [
      w.vendor,
      w.kind,
      w.file,
    ]);
    expect(written).toEqual([
      ['intel', 'gop', join(out, 'IntelGopDriver-21.x.1066.efi')],
      ['intel', 'vbt', join(out, 'vbt-TIGERLAKE.bin')],
      ['amd', 'amd-gop', join(out, 'AMDGopDriver-3.8.9.efi')],
      ['amd', 'vbios', join(out, 'vbios-15bf-022.012.000.027.000001.bin')],
    ]);
    expect(readdirSync(out).sort()).toEqual(
      written.map((w: string[]) => w[2].slice(out.length + 1)).sort(),
    );
    expect(sha(readFileSync(written[0][2]))).toBe(intelGopSha());
    expect(sha(readFileSync(written[1][2]))).toBe(vbtSha());
    expect(sha(readFileSync(written[2][2]))).toBe(fixtureSha(MIXED.amdGop));
    expect(sha(readFileSync(written[3][2]))).toBe(fixtureSha(MIXED.vbios));
    expect(j.gops.map((g: { sha256: string }) => g.sha256)).toEqual([intelGopSha()]);
    expect(
      j.amd.vbioses.map((v: { deviceId: string; family: string }) => [v.deviceId, v.family]),
    ).toEqual([['0x15bf', 'Phoenix']]);
  });

  it('extract of an Intel board with a Radeon GOP names that GOP a discrete-card one', async () => {
    const out = dir();
    expect(await extractCommand.run([radeonGopBios, '-o', out, '--json'])).toBe(0);
    const j = JSON.parse(stdout.text);
    expect(j.written.map((w: { vendor: string; kind: string }) => [w.vendor, w.kind])).toEqual([
      ['intel', 'gop'],
      ['intel', 'vbt'],
      ['amd', 'amd-gop'],
    ]);
    expect(sha(readFileSync(j.written[2].file))).toBe(
      fixtureSha(MIXED.amdGopRom.replace('.rom', '.efi')),
    );
    expect(j.warnings).toEqual([
      'AMD GOP beside an Intel GOP and no APU VBIOS: a GOP for discrete Radeon cards; the iGPU here is Intel',
    ]);
  });

  it('rom --bios builds the Intel ROM for an Intel board whose only AMD item is a Radeon GOP', async () => {
    const out = join(dir(), 'igd.rom');
    expect(await romCommand.run(['--bios', radeonGopBios, '-o', out, '--json'])).toBe(0);
    const j = JSON.parse(stdout.text);
    expect(j.notes[0]).toBe(
      'vendor: intel (an Intel GOP and no AMD APU VBIOS: the AMD GOP is for discrete Radeon cards)',
    );
    expect(sha(readFileSync(out))).toBe(j.sha256);
    const { model, gops } = await intelRom(out);
    expect(model.images.every((i) => i.pcir.vendorId === 0x8086)).toBe(true);
    expect(gops).toEqual([intelGopSha()]);
  });

  it('rom --bios will not guess between an Intel GOP and an AMD APU VBIOS', async () => {
    const out = join(dir(), 'x.rom');
    const run = (...extra: string[]) =>
      romCommand.run(['--bios', apuVbiosBios, ...extra, '-o', out]);
    const both =
      /holds an Intel GOP driver \(version 21\.\?\.1066\) and an AMD APU VBIOS \(1002:15bf Phoenix 022\.012\.000\.027\.000001\).*--vendor intel or --vendor amd/;
    await expect(run()).rejects.toThrow(both);
    await expect(run()).rejects.toBeInstanceOf(UsageError);
    // 0x1902: Intel Skylake GT1 and AMD Krackan2 alike.
    await expect(run('--device-id', '0x1902')).rejects.toThrow(
      /device ID 0x1902 is in both the Intel and the AMD device tables/,
    );
    expect(readdirSync(join(out, '..'))).toEqual([]);
  });

  it('--vendor intel and --device-id of an Intel iGPU build the Intel ROM from it', async () => {
    const forced = join(dir(), 'igd.rom');
    expect(await romCommand.run(['--bios', apuVbiosBios, '--vendor', 'intel', '-o', forced])).toBe(
      0,
    );
    expect((await intelRom(forced)).gops).toEqual([intelGopSha()]);

    const byId = join(dir(), 'igd.rom');
    stdout.clear();
    expect(
      await romCommand.run(['--bios', apuVbiosBios, '--device-id', '0x46a6', '-o', byId, '--json']),
    ).toBe(0);
    const j = JSON.parse(stdout.text);
    expect(j.notes[0]).toMatch(/^vendor: intel \(.*device ID 0x46a6 is an Intel iGPU\)$/);
    const { model, gops } = await intelRom(byId);
    expect(model.images.map((i) => [i.pcir.vendorId, i.pcir.deviceId])).toContainEqual([
      0x8086, 0x46a6,
    ]);
    expect(gops).toEqual([intelGopSha()]);
  });

  it('--vendor amd and --device-id of an AMD APU build the combined AMD ROM from it', async () => {
    for (const pick of [
      ['--vendor', 'amd'],
      ['--device-id', '0x15bf'],
    ]) {
      const d = dir();
      const out = join(d, 'amd.rom');
      stdout.clear();
      expect(await romCommand.run(['--bios', apuVbiosBios, ...pick, '-o', out, '--json'])).toBe(0);
      const j = JSON.parse(stdout.text);
      expect(j.vendor).toBe('amd');
      expect(j.gop.sha256).toBe(fixtureSha(MIXED.amdGop));
      expect(j.vbios.sha256).toBe(fixtureSha(MIXED.vbios));
      expect(readdirSync(d).sort()).toEqual([
        'amd-gop-15bf-audio.rom',
        'amd.rom',
        'vbios-15bf.bin',
      ]);
      for (const r of j.roms) expect(sha(readFileSync(r.file))).toBe(r.sha256);
      // Read back: the VBIOS image first, then the EFI GOP image, both 1002:15bf, last bit on the last.
      const model = readOptionRom(bytesOf(readFileSync(out)));
      expect(model.images.map((i) => [i.type, i.pcir.vendorId, i.pcir.deviceId])).toEqual([
        ['legacy', 0x1002, 0x15bf],
        ['efi', 0x1002, 0x15bf],
      ]);
      expect(sha(readFileSync(join(d, 'vbios-15bf.bin')))).toBe(fixtureSha(MIXED.vbios));
      if (pick[0] === '--device-id')
        expect(j.notes[0]).toMatch(/^vendor: amd \(.*device ID 0x15bf is an AMD iGPU\)$/);
    }
  });

  it('--vendor amd on the Intel board with a Radeon GOP builds the GOP-only AMD ROM', async () => {
    const d = dir();
    const out = join(d, 'gop.rom');
    expect(
      await romCommand.run(['--bios', radeonGopBios, '--vendor', 'amd', '-o', out, '--json']),
    ).toBe(0);
    const j = JSON.parse(stdout.text);
    expect(j.roms.map((r: { kind: string }) => r.kind)).toEqual(['gop-only']);
    expect(j.gop.sha256).toBe(fixtureSha(MIXED.amdGopRom.replace('.rom', '.efi')));
    const model = readOptionRom(bytesOf(readFileSync(out)));
    expect(model.images.map((i) => [i.type, i.pcir.vendorId])).toEqual([['efi', 0x1002]]);
  });

  it('rom --bios with an Intel VBT (no readable Intel GOP) beside a Radeon GOP goes to Intel, not AMD', async () => {
    const d = dir();
    // The Intel reader then says the GOP is what is missing; no AMD ROM is written.
    await expect(
      romCommand.run(['--bios', vbtRadeonGopBios, '-o', join(d, 'x.rom')]),
    ).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/no Intel GOP driver found/),
    });
    expect(readdirSync(d)).toEqual([]);
  });

  it('extract of an Intel VBT (no readable Intel GOP) beside a Radeon GOP names that GOP a discrete-card one', async () => {
    const out = dir();
    expect(await extractCommand.run([vbtRadeonGopBios, '-o', out, '--json'])).toBe(0);
    const j = JSON.parse(stdout.text);
    expect(j.written.map((w: { vendor: string; kind: string }) => [w.vendor, w.kind])).toEqual([
      ['intel', 'vbt'],
      ['amd', 'amd-gop'],
    ]);
    expect(j.warnings).toContain(
      'AMD GOP beside an Intel VBT and no APU VBIOS: a GOP for discrete Radeon cards; the iGPU here is Intel',
    );
    expect(j.warnings).not.toContain('AMD GOP found but no APU VBIOS');
  });

  it('rom --bios builds the Intel ROM beside a discrete Radeon VBIOS, saying whose VBIOS it is', async () => {
    const out = join(dir(), 'igd.rom');
    stdout.clear();
    expect(await romCommand.run(['--bios', discreteVbiosBios, '-o', out, '--json'])).toBe(0);
    const j = JSON.parse(stdout.text);
    expect(j.notes[0]).toBe(
      "vendor: intel (an Intel GOP and no AMD APU VBIOS: the AMD VBIOS (1002:694c) is a discrete Radeon's)",
    );
    const { model, gops } = await intelRom(out);
    expect(model.images.every((i) => i.pcir.vendorId === 0x8086)).toBe(true);
    expect(gops).toEqual([intelGopSha()]);
  });

  it("rom refuses a --device-id only the other vendor's table holds, unless --vendor says so", async () => {
    const d = dir();
    const out = join(d, 'x.rom');
    const mismatch =
      /--device-id: device ID 0x1681 is an AMD iGPU .*not for an Intel ROM; --vendor intel builds it all the same/;
    for (const input of [
      ['--bios', radeonGopBios],
      ['--gop', fixturePath(MIXED.intelGop)],
    ]) {
      const err = await romCommand
        .run([...input, '--device-id', '0x1681', '-o', out])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(mismatch);
    }
    await expect(
      romCommand.run(['--gop', fixturePath(MIXED.amdGop), '--device-id', '0x46a6', '-o', out]),
    ).rejects.toThrow(/device ID 0x46a6 is an Intel iGPU .*not for an AMD ROM; --vendor amd/);
    expect(readdirSync(d)).toEqual([]);
    // Forced: the ID the user asked for is in the PCIR.
    expect(
      await romCommand.run([
        '--bios',
        radeonGopBios,
        '--vendor',
        'intel',
        '--device-id',
        '0x1681',
        '-o',
        out,
      ]),
    ).toBe(0);
    expect(
      readOptionRom(bytesOf(readFileSync(out))).images.map((i) => [
        i.pcir.vendorId,
        i.pcir.deviceId,
      ]),
    ).toContainEqual([0x8086, 0x1681]);
  });

  it('rom --bios --vbios VFCT picks the record among the devices the GOP is marked for', async () => {
    const bios = join(dir(), 'two-apus.cap');
    writeFileSync(bios, apuGopForTwoDevices());
    const hawkPoint = withPcirDeviceId(readFixture(MIXED.vbios), 0x1900);
    const vfct = (d: string, records: Parameters<typeof acpiVfct>[0]) => {
      writeFileSync(join(d, 'vfct.bin'), acpiVfct(records));
      return join(d, 'vfct.bin');
    };
    // The GOP's ROM images are marked 15bf and 1900; the host's table holds only 1900.
    const d = dir();
    const out = join(d, 'amd.rom');
    const one = vfct(d, [{ deviceId: 0x1900, image: hawkPoint }]);
    stdout.clear();
    expect(await romCommand.run(['--bios', bios, '--vbios', one, '-o', out, '--json'])).toBe(0);
    const j = JSON.parse(stdout.text);
    expect(j.deviceId).toBe('0x1900');
    expect(j.notes).toContainEqual(expect.stringMatching(/the record for c5:00\.0 \[1002:1900\]/));
    expect(sha(readFileSync(join(d, 'vbios-1900.bin')))).toBe(sha(hawkPoint));
    expect(
      readOptionRom(bytesOf(readFileSync(out))).images.map((i) => [i.type, i.pcir.deviceId]),
    ).toEqual([
      ['legacy', 0x1900],
      ['efi', 0x1900],
    ]);
    // The GOP's ID among two other records picks it; both of the GOP's IDs there is not guessed.
    const d2 = dir();
    const rembrandt = {
      bus: 0x03,
      deviceId: 0x1681,
      image: readFixture('amd/vbios/isc30-vbios-1681-032.017.000.055.000000/vbios_6800h.bin'),
    };
    const named = vfct(d2, [rembrandt, { deviceId: 0x1900, image: hawkPoint }]);
    stdout.clear();
    expect(
      await romCommand.run(['--bios', bios, '--vbios', named, '-o', join(d2, 'a.rom'), '--json']),
    ).toBe(0);
    expect(JSON.parse(stdout.text).deviceId).toBe('0x1900');
    const d3 = dir();
    const two = vfct(d3, [
      { bus: 0x03, deviceId: 0x15bf, image: readFixture(MIXED.vbios) },
      { deviceId: 0x1900, image: hawkPoint },
    ]);
    await expect(
      romCommand.run(['--bios', bios, '--vbios', two, '-o', join(d3, 'a.rom')]),
    ).rejects.toMatchObject({
      code: 'bad-input',
      message: expect.stringMatching(/several VBIOS images/),
    });
  });
});
