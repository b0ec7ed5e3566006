/**
 * Which vendor's steps the page shows for step 1's files, read from real analyses: the Intel
 * board with a Radeon GOP, the Intel GOP beside an AMD APU VBIOS (answered, by lspci, or not
 * yet), an AMD-only pair; and which companion file step 1 asks for.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '$lib/firmware/analyze';
import type { KeptFile } from '$lib/worker/bridge';
import { haveFixtures, readFixture } from '../../../tests/helpers/fixtures';
import {
  intelBoardWithRadeonGop,
  intelGopWithApuVbios,
  intelGopWithApuVbiosOnly,
  intelGopWithDiscreteVbios,
  intelVbtWithRadeonGop,
  MIXED,
  PHOENIX_LSPCI,
  versionlessIntelGopWithApuVbios,
} from '../../../tests/helpers/mixed-graphics';
import {
  graphicsFoundOf,
  intelGopText,
  lspciVendor,
  missingCompanion,
  stepGraphics,
} from './graphics';
import { candidates, type Source } from './sources';

const INTEL_LSPCI =
  '00:02.0 VGA compatible controller [0300]: Intel Corporation Alder Lake-P GT2 [Iris Xe Graphics] [8086:46a6] (rev 0c)';

async function source(name: string, bytes: Uint8Array): Promise<Source> {
  return { name, kept: { id: 0 } as unknown as KeptFile, result: await analyze(bytes) };
}
const fixture = (rel: string) => source(rel, readFixture(rel));

describe('lspciVendor', () => {
  it('reads the vendor of the first device line, and nothing from other text', () => {
    expect(lspciVendor(INTEL_LSPCI)).toBe('intel');
    expect(lspciVendor(PHOENIX_LSPCI)).toBe('amd');
    // An Intel device the iGPU table does not hold is still Intel.
    expect(lspciVendor('00:02.0 VGA [0300]: Intel Corporation Device [8086:ffff]')).toBe('intel');
    expect(lspciVendor('01:00.0 VGA [0300]: NVIDIA [10de:2684]')).toBeUndefined();
    expect(lspciVendor('no ids here')).toBeUndefined();
    expect(lspciVendor('  ')).toBeUndefined();
    expect(lspciVendor(undefined)).toBeUndefined();
  });
});

describe('intelGopText', () => {
  it('names a GOP by its version, else by its generation and that no version is stored', () => {
    const both = (g: { version: string; generation?: string }) => [
      intelGopText(g, 'en'),
      intelGopText(g, 'zh-CN'),
    ];
    expect(both({ version: '21.?.1066', generation: 'Alder Lake' })).toEqual([
      'Intel GOP driver 21.?.1066',
      'Intel GOP 驱动 21.?.1066',
    ]);
    expect(both({ version: '', generation: 'Meteor Lake' })).toEqual([
      'Intel GOP driver (Meteor Lake, no version stored)',
      'Intel GOP 驱动（Meteor Lake，未存储版本号）',
    ]);
    expect(both({ version: '' })).toEqual([
      'Intel GOP driver (no version stored)',
      'Intel GOP 驱动（未存储版本号）',
    ]);
  });

  it.skipIf(!haveFixtures)(
    'names the GOP of a real analysis that stores no version by its generation',
    async () => {
      const sources = [await source('versionless.cap', versionlessIntelGopWithApuVbios())];
      // The GOP as the vendor question lists it (step 1's candidates).
      const [gop] = candidates(sources).gops;
      expect([gop.version, gop.versionKnown, gop.generation]).toEqual(['', 'none', 'Alder Lake']);
      expect([intelGopText(gop, 'en'), intelGopText(gop, 'zh-CN')]).toEqual([
        'Intel GOP driver (Alder Lake, no version stored)',
        'Intel GOP 驱动（Alder Lake，未存储版本号）',
      ]);
    },
  );
});

describe.skipIf(!haveFixtures)('stepGraphics on real analyses', () => {
  it('an Intel board with a Radeon GOP: Intel, the AMD GOP a discrete-card one, no question', async () => {
    const sources = [await source('radeon-gop.cap', intelBoardWithRadeonGop())];
    const found = graphicsFoundOf(sources);
    expect(found.intelGops.length).toBe(1);
    expect(found.amdGops.length).toBe(1);
    expect(found.amdVbioses).toEqual([]);
    // Neither an answer nor an AMD lspci turns it into an AMD image; the AMD lspci is reported:
    // this Intel board's BIOS is not the machine's.
    for (const chosen of [undefined, 'amd'] as const)
      expect(stepGraphics(sources, chosen, PHOENIX_LSPCI)).toEqual({
        vendor: 'intel',
        ask: false,
        discreteAmdGop: true,
        lspciOther: 'amd',
      });
    for (const lspci of [INTEL_LSPCI, '', undefined])
      expect(stepGraphics(sources, undefined, lspci)).toEqual({
        vendor: 'intel',
        ask: false,
        discreteAmdGop: true,
        lspciOther: undefined,
      });
    expect(missingCompanion(sources, 'intel')).toBeUndefined();
  });

  it('an Intel GOP beside an APU VBIOS: asks; the answer, else the lspci, settles it', async () => {
    const sources = [await source('apu-vbios.cap', intelGopWithApuVbios())];
    expect(graphicsFoundOf(sources).amdVbioses).toEqual([
      { deviceId: 0x15bf, family: 'Phoenix', version: '022.012.000.027.000001' },
    ]);
    expect(stepGraphics(sources, undefined, '')).toEqual({
      vendor: undefined,
      ask: true,
      from: undefined,
      discreteAmdGop: false,
      lspciOther: undefined,
    });
    expect(stepGraphics(sources, undefined, PHOENIX_LSPCI)).toMatchObject({
      vendor: 'amd',
      from: 'lspci',
      lspciOther: undefined,
    });
    expect(stepGraphics(sources, undefined, INTEL_LSPCI)).toMatchObject({
      vendor: 'intel',
      from: 'lspci',
    });
    expect(stepGraphics(sources, 'amd', PHOENIX_LSPCI)).toMatchObject({
      vendor: 'amd',
      from: 'choice',
      lspciOther: undefined,
    });
    // The answer stays the answer; the other vendor's lspci is reported, not followed.
    expect(stepGraphics(sources, 'amd', INTEL_LSPCI)).toMatchObject({
      vendor: 'amd',
      ask: true,
      from: 'choice',
      lspciOther: 'intel',
    });
    expect(stepGraphics(sources, 'intel', PHOENIX_LSPCI)).toMatchObject({
      vendor: 'intel',
      lspciOther: 'amd',
    });
    // It holds every piece of both: nothing to ask for, whichever the answer.
    for (const v of [undefined, 'intel', 'amd'] as const)
      expect(missingCompanion(sources, v)).toBeUndefined();
  });

  it('an Intel GOP beside an APU VBIOS and no AMD GOP: the AMD answer asks for the GOP', async () => {
    const sources = [await source('apu-vbios-only.cap', intelGopWithApuVbiosOnly())];
    expect(stepGraphics(sources, undefined, '')).toMatchObject({ vendor: undefined, ask: true });
    expect(missingCompanion(sources, 'amd')).toBe('amdGop');
    expect(missingCompanion(sources, 'intel')).toBeUndefined();
    expect(missingCompanion(sources, undefined)).toBeUndefined();
  });

  it('an Intel VBT without a readable Intel GOP, beside a Radeon GOP: Intel, asking for the Intel GOP', async () => {
    const sources = [await source('vbt-radeon-gop.cap', intelVbtWithRadeonGop())];
    expect(graphicsFoundOf(sources).intelVbts.length).toBe(1);
    expect(stepGraphics(sources, undefined, PHOENIX_LSPCI)).toEqual({
      vendor: 'intel',
      ask: false,
      discreteAmdGop: true,
      lspciOther: 'amd',
    });
    expect(missingCompanion(sources, 'intel')).toBe('gop');
  });

  it('an Intel GOP beside a discrete Radeon VBIOS: Intel, no question', async () => {
    const sources = [await source('discrete-vbios.cap', intelGopWithDiscreteVbios())];
    expect(graphicsFoundOf(sources).amdVbioses.map((v) => v.deviceId)).toEqual([0x694c]);
    for (const chosen of [undefined, 'amd'] as const)
      expect(stepGraphics(sources, chosen, PHOENIX_LSPCI)).toEqual({
        vendor: 'intel',
        ask: false,
        discreteAmdGop: false,
        lspciOther: 'amd',
      });
    expect(missingCompanion(sources, 'intel')).toBeUndefined();
  });

  it('an AMD GOP .efi and a VBIOS .bin: AMD without a question', async () => {
    const sources = [await fixture(MIXED.amdGop), await fixture(MIXED.vbios)];
    // An Intel lspci is reported: the AMD firmware is not this machine's.
    expect(stepGraphics(sources, 'intel', INTEL_LSPCI)).toEqual({
      vendor: 'amd',
      ask: false,
      discreteAmdGop: false,
      lspciOther: 'intel',
    });
    expect(stepGraphics(sources, undefined, PHOENIX_LSPCI)).toEqual({
      vendor: 'amd',
      ask: false,
      discreteAmdGop: false,
      lspciOther: undefined,
    });
  });

  it('an Intel GOP or VBT alone and an AMD lspci: the mismatch; a file with no graphics firmware: none', async () => {
    for (const rel of [MIXED.intelGop, MIXED.vbt])
      expect(stepGraphics([await fixture(rel)], undefined, PHOENIX_LSPCI)).toMatchObject({
        vendor: 'intel',
        ask: false,
        lspciOther: 'amd',
      });
    const notFirmware = [await source('x.txt', new TextEncoder().encode('hello'))];
    expect(stepGraphics(notFirmware, undefined, PHOENIX_LSPCI)).toMatchObject({
      vendor: 'intel',
      lspciOther: undefined,
    });
    expect(stepGraphics([], undefined, PHOENIX_LSPCI).lspciOther).toBeUndefined();
  });

  it('asks for the file that completes a pair, for the vendor of the steps', async () => {
    const vbiosOnly = [await fixture(MIXED.vbios)];
    expect(stepGraphics(vbiosOnly, undefined, '').vendor).toBe('amd');
    expect(missingCompanion(vbiosOnly, 'amd')).toBe('amdGop');
    const gopOnly = [await fixture(MIXED.amdGop)];
    expect(missingCompanion(gopOnly, 'amd')).toBe('vbios');
    const intelGop = [await fixture(MIXED.intelGop)];
    expect(missingCompanion(intelGop, 'intel')).toBe('vbt');
    const vbt = [await fixture(MIXED.vbt)];
    expect(missingCompanion(vbt, 'intel')).toBe('gop');
    // Two files, or a file that is not firmware: nothing to ask for.
    expect(missingCompanion([...gopOnly, ...vbiosOnly], 'amd')).toBeUndefined();
    const notFirmware = [await source('x.txt', new TextEncoder().encode('hello'))];
    expect(missingCompanion(notFirmware, 'intel')).toBeUndefined();
  });
});
