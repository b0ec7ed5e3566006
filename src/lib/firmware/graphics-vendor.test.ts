/**
 * Which vendor's ROM a BIOS gives: the rules on their own, then the analysis of synthetic
 * AMI-like images holding Intel and AMD graphics at once (built around real fixtures).
 */
import { describe, expect, it } from 'vitest';
import { haveFixtures, readFixture } from '../../../tests/helpers/fixtures';
import {
  DISCRETE_RADEON,
  intelBoardWithRadeonGop,
  intelExpected,
  intelGopWithApuVbios,
  intelGopWithDiscreteVbios,
  intelVbtWithRadeonGop,
  MIXED,
  withPcirDeviceId,
} from '../../../tests/helpers/mixed-graphics';
import { analyze, type AnalyzeResult } from './analyze';
import { sha256Hex } from './bytes/sha256';
import { FirmwareError } from './errors';
import {
  checkDeviceIdVendor,
  chooseGraphicsVendor,
  DeviceVendorMismatchError,
  intelEvidence,
  MixedGraphicsError,
  vendorsOfDeviceId,
  type GraphicsFound,
} from './graphics-vendor';

const intelGop = { version: '21.0.1066' };
const phoenixVbios = { deviceId: 0x15bf, family: 'Phoenix', version: '022.012.000.027.000001' };
const both: GraphicsFound = {
  intelGops: [intelGop],
  intelVbts: [{}],
  amdGops: [{ version: '3.8.9' }],
  amdVbioses: [phoenixVbios],
};

/** What a front end hands the vendor choice from an analysis. */
const foundOf = (r: AnalyzeResult): GraphicsFound => ({
  intelGops: r.gops,
  intelVbts: r.vbts,
  amdGops: r.amd?.gops ?? [],
  amdVbioses: r.amd?.vbioses ?? [],
});

function mixedError(f: () => unknown): MixedGraphicsError {
  try {
    f();
  } catch (e) {
    if (e instanceof MixedGraphicsError) return e;
    throw e;
  }
  throw new Error('no MixedGraphicsError');
}

describe('intelEvidence', () => {
  it('is the Intel GOP, else the Intel VBT, else none', () => {
    expect(intelEvidence(both)).toBe('gop');
    expect(intelEvidence({ intelGops: [], intelVbts: [{}] })).toBe('vbt');
    expect(intelEvidence({ intelGops: [], intelVbts: [] })).toBeUndefined();
  });
});

describe('chooseGraphicsVendor', () => {
  it('takes the one vendor an image holds, Intel when it holds neither', () => {
    const none: GraphicsFound = { intelGops: [], intelVbts: [], amdGops: [], amdVbioses: [] };
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

  it('counts an Intel VBT as Intel evidence: with only a Radeon GOP beside it, Intel', () => {
    const vbtOnly: GraphicsFound = { ...both, intelGops: [], amdVbioses: [] };
    const c = chooseGraphicsVendor(vbtOnly);
    expect(c.vendor).toBe('intel');
    expect(c.why).toBe(
      'an Intel VBT and no AMD APU VBIOS: the AMD GOP is for discrete Radeon cards',
    );
    // Beside an APU VBIOS it leaves the choice open, naming the VBIOS and the VBIOS-only Intel side.
    const e = mixedError(() => chooseGraphicsVendor({ ...both, intelGops: [] }));
    expect(e.intelGop).toBeUndefined();
    expect(e.message).toMatch(
      /^the image holds an Intel VBT \(and no readable Intel GOP\) and an AMD APU VBIOS \(1002:15bf Phoenix/,
    );
  });

  it('takes a VBIOS of a device the APU table lacks for a discrete Radeon beside Intel', () => {
    const discrete = { deviceId: DISCRETE_RADEON, version: '022.012.000.027.000001' };
    const c = chooseGraphicsVendor({ ...both, amdGops: [], amdVbioses: [discrete] });
    expect(c).toEqual({
      vendor: 'intel',
      why: "an Intel GOP and no AMD APU VBIOS: the AMD VBIOS (1002:694c) is a discrete Radeon's",
    });
    // Beside an APU VBIOS too, the APU's is the one named.
    expect(
      mixedError(() => chooseGraphicsVendor({ ...both, amdVbioses: [discrete, phoenixVbios] }))
        .amdVbios,
    ).toBe('1002:15bf Phoenix 022.012.000.027.000001');
    // Without Intel graphics it is still AMD firmware.
    const amdOnly = { intelGops: [], intelVbts: [], amdGops: [], amdVbioses: [discrete] };
    expect(chooseGraphicsVendor(amdOnly).vendor).toBe('amd');
  });

  it('names a versionless Intel GOP by its generation, never by an empty version', () => {
    const unnamed = mixedError(() =>
      chooseGraphicsVendor({ ...both, intelGops: [{ version: '' }] }),
    );
    expect(unnamed.intelGop).toBe('no version stored');
    expect(unnamed.message).toMatch(
      /^the image holds an Intel GOP driver \(no version stored\) and/,
    );
    const generation = { version: '', generation: 'Alder Lake' };
    expect(
      mixedError(() => chooseGraphicsVendor({ ...both, intelGops: [generation] })).intelGop,
    ).toBe('Alder Lake, no version stored');
  });

  it("refuses a device ID only the other vendor's table holds, unless the vendor is forced", () => {
    const radeonBoard: GraphicsFound = { ...both, amdVbioses: [] };
    const e = (() => {
      try {
        chooseGraphicsVendor(radeonBoard, { deviceId: 0x1681, path: 'board.bin' });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(DeviceVendorMismatchError);
    expect(e).toMatchObject({
      code: 'bad-input',
      path: 'board.bin',
      message:
        'device ID 0x1681 is an AMD iGPU (only the AMD device table holds it), not for an Intel ROM',
    });
    expect(() =>
      chooseGraphicsVendor({ ...both, intelGops: [], intelVbts: [] }, { deviceId: 0x46a6 }),
    ).toThrow(
      'device ID 0x46a6 is an Intel iGPU (only the Intel device table holds it), not for an AMD ROM',
    );
    expect(chooseGraphicsVendor(radeonBoard, { deviceId: 0x1681, forced: 'intel' }).vendor).toBe(
      'intel',
    );
    // In both tables, or in neither: the caller's to vouch for.
    expect(chooseGraphicsVendor(radeonBoard, { deviceId: 0x1902 }).vendor).toBe('intel');
    expect(chooseGraphicsVendor(radeonBoard, { deviceId: 0x6900 }).vendor).toBe('intel');
    expect(() => checkDeviceIdVendor(0x1902, 'amd')).not.toThrow();
    expect(() => checkDeviceIdVendor(undefined, 'amd')).not.toThrow();
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
    const found = foundOf(r);
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
    const found = foundOf(r);
    expect(mixedError(() => chooseGraphicsVendor(found)).amdVbios).toBe(
      '1002:15bf Phoenix 022.012.000.027.000001',
    );
  });

  it('an Intel VBT without a readable Intel GOP, beside a Radeon GOP: Intel', async () => {
    const r = await analyze(intelVbtWithRadeonGop());
    expect(r.gops).toEqual([]);
    expect(r.vbts.map((v) => v.sha256)).toEqual([vbtSha()]);
    expect(r.amd?.gops.map((g) => g.version)).toEqual(['3.8.3']);
    // The AMD note reads the choice's rule: a GOP for discrete cards, not "no APU VBIOS".
    expect(r.amd?.warnings.map((w) => [w.en, w['zh-CN']])).toEqual([
      [
        'AMD GOP beside an Intel VBT and no APU VBIOS: a GOP for discrete Radeon cards; the iGPU here is Intel',
        'AMD GOP 与 Intel VBT 并存且没有 APU VBIOS：这是给独立 Radeon 显卡用的 GOP，这里的核显是 Intel',
      ],
    ]);
    const found = foundOf(r);
    expect(chooseGraphicsVendor(found).vendor).toBe('intel');
  });

  it("an Intel GOP beside a discrete Radeon VBIOS: Intel, the VBIOS named a discrete GPU's", async () => {
    const r = await analyze(intelGopWithDiscreteVbios());
    expect(r.gops.map((g) => g.sha256)).toEqual([intelSha()]);
    expect(r.amd?.vbioses.map((v) => [v.sha256, v.deviceId, v.family])).toEqual([
      [
        await sha256Hex(withPcirDeviceId(readFixture(MIXED.vbios), DISCRETE_RADEON)),
        0x694c,
        undefined,
      ],
    ]);
    expect(r.amd?.warnings.map((w) => [w.en, w['zh-CN']])).toEqual([
      [
        "AMD VBIOS 1002:694c beside an Intel GOP, and not an APU the table holds: a discrete Radeon GPU's VBIOS; the iGPU here is Intel",
        'AMD VBIOS 1002:694c 与 Intel GOP 并存，且不在 APU 表中：这是独立 Radeon 显卡的 VBIOS，这里的核显是 Intel',
      ],
    ]);
    const found = foundOf(r);
    expect(chooseGraphicsVendor(found).vendor).toBe('intel');
  });
});
