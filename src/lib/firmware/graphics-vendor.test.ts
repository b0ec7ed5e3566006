/**
 * Which vendor's ROM a BIOS gives: the rules on their own, then the analysis of synthetic
 * AMI-like images holding Intel and AMD graphics at once (built around real fixtures).
 */
import { describe, expect, it } from 'vitest';
import { haveFixtures, readFixture } from '../../../tests/helpers/fixtures';
import {
  intelBoardWithRadeonGop,
  intelExpected,
  intelGopWithApuVbios,
  MIXED,
} from '../../../tests/helpers/mixed-graphics';
import { analyze } from './analyze';
import { sha256Hex } from './bytes/sha256';
import { FirmwareError } from './errors';
import {
  chooseGraphicsVendor,
  MixedGraphicsError,
  vendorsOfDeviceId,
  type GraphicsFound,
} from './graphics-vendor';

const intelGop = { version: '21.0.1066' };
const phoenixVbios = { deviceId: 0x15bf, family: 'Phoenix', version: '022.012.000.027.000001' };
const both: GraphicsFound = {
  intelGops: [intelGop],
  amdGops: [{ version: '3.8.9' }],
  amdVbioses: [phoenixVbios],
};

function mixedError(f: () => unknown): MixedGraphicsError {
  try {
    f();
  } catch (e) {
    if (e instanceof MixedGraphicsError) return e;
    throw e;
  }
  throw new Error('no MixedGraphicsError');
}

describe('chooseGraphicsVendor', () => {
  it('takes the one vendor an image holds, Intel when it holds neither', () => {
    const none: GraphicsFound = { intelGops: [], amdGops: [], amdVbioses: [] };
    expect(chooseGraphicsVendor({ ...none, intelGops: [intelGop] }).vendor).toBe('intel');
    expect(chooseGraphicsVendor({ ...none, amdVbioses: [phoenixVbios] }).vendor).toBe('amd');
    expect(chooseGraphicsVendor({ ...none, amdGops: [{ version: '3.8.9' }] }).vendor).toBe('amd');
    expect(chooseGraphicsVendor(none).vendor).toBe('intel');
  });

  it('keeps Intel for an Intel GOP whose only AMD company is a GOP (discrete Radeon cards)', () => {
    const c = chooseGraphicsVendor({ ...both, amdVbioses: [] });
    expect(c.vendor).toBe('intel');
    expect(c.why).toMatch(/AMD GOP is for discrete Radeon cards/);
  });

  it('refuses to guess between an Intel GOP and an AMD APU VBIOS, naming both', () => {
    const e = mixedError(() => chooseGraphicsVendor(both, { path: 'mixed.bin' }));
    expect(e).toBeInstanceOf(FirmwareError);
    expect(e.code).toBe('bad-input');
    expect(e.path).toBe('mixed.bin');
    expect(e.intelGop).toBe('version 21.0.1066');
    expect(e.amdVbios).toBe('1002:15bf Phoenix 022.012.000.027.000001');
    expect(e.message).toMatch(
      /Intel GOP driver \(version 21\.0\.1066\).*AMD APU VBIOS \(1002:15bf/,
    );
  });

  it('lets a device ID decide only when exactly one vendor table holds it', () => {
    expect(chooseGraphicsVendor(both, { deviceId: 0x46a6 }).vendor).toBe('intel');
    expect(chooseGraphicsVendor(both, { deviceId: 0x15bf }).vendor).toBe('amd');
    // 0x1902 is Intel's Skylake GT1 and AMD's Krackan2: no answer from it.
    expect(vendorsOfDeviceId(0x1902)).toEqual(['intel', 'amd']);
    expect(mixedError(() => chooseGraphicsVendor(both, { deviceId: 0x1902 })).deviceNote).toBe(
      ', and device ID 0x1902 is in both the Intel and the AMD device tables',
    );
    expect(vendorsOfDeviceId(0x6900)).toEqual([]);
    expect(mixedError(() => chooseGraphicsVendor(both, { deviceId: 0x6900 })).message).toMatch(
      /device ID 0x6900 is in neither device table/,
    );
  });

  it('does what the caller forces', () => {
    expect(chooseGraphicsVendor(both, { forced: 'intel' }).vendor).toBe('intel');
    expect(chooseGraphicsVendor(both, { forced: 'amd' }).vendor).toBe('amd');
  });
});

describe.skipIf(!haveFixtures)('analysis of images with Intel and AMD graphics', () => {
  const intelSha = () => intelExpected().gopSha256;
  const vbtSha = () => intelExpected().vbtSha256;

  it('an Intel board with a Radeon GOP: both listed, the AMD GOP named for discrete cards', async () => {
    const r = await analyze(intelBoardWithRadeonGop());
    expect(r.gops.map((g) => g.sha256)).toEqual([intelSha()]);
    expect(r.vbts.map((v) => v.sha256)).toEqual([vbtSha()]);
    // The PE inside the ROM is the .efi published beside it.
    const amdGop = await sha256Hex(readFixture(MIXED.amdGopRom.replace('.rom', '.efi')));
    expect(r.amd?.gops.map((g) => [g.sha256, g.version])).toEqual([[amdGop, '3.8.3']]);
    expect(r.amd?.vbioses).toEqual([]);
    expect(r.amd?.warnings.map((w) => w.en)).toEqual([
      'AMD GOP beside an Intel GOP and no APU VBIOS: a GOP for discrete Radeon cards; the iGPU here is Intel',
    ]);
    expect(r.warnings).toEqual([]);
    // What a front end asks of the same summary: Intel, no question.
    const found = { intelGops: r.gops, amdGops: r.amd!.gops, amdVbioses: r.amd!.vbioses };
    expect(chooseGraphicsVendor(found).vendor).toBe('intel');
  });

  it('an Intel GOP beside an AMD APU VBIOS and GOP: all listed with their SHA-256s, the choice left open', async () => {
    const r = await analyze(intelGopWithApuVbios());
    expect(r.gops.map((g) => g.sha256)).toEqual([intelSha()]);
    expect(r.vbts.map((v) => v.sha256)).toEqual([vbtSha()]);
    expect(r.amd?.gops.map((g) => [g.sha256, g.version])).toEqual([
      [await sha256Hex(readFixture(MIXED.amdGop)), '3.8.9'],
    ]);
    expect(r.amd?.vbioses.map((v) => [v.sha256, v.deviceId, v.family, v.audioDeviceId])).toEqual([
      [await sha256Hex(readFixture(MIXED.vbios)), 0x15bf, 'Phoenix', 0x1640],
    ]);
    expect(r.amd?.warnings).toEqual([]);
    const found = { intelGops: r.gops, amdGops: r.amd!.gops, amdVbioses: r.amd!.vbioses };
    expect(mixedError(() => chooseGraphicsVendor(found)).amdVbios).toBe(
      '1002:15bf Phoenix 022.012.000.027.000001',
    );
  });
});
