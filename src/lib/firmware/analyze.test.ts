import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileType,
  SectionType,
  uiSection,
} from '../../../fixtures/builder/index';
import { makeGop, makeVbt } from '../../../fixtures/builder/payloads';
import { fixtureJson, fixturePath, haveFixtures } from '../../../tests/helpers/fixtures';
import { analyze } from './analyze';

describe('analyze', () => {
  it('returns the identity and the parse error for a file that holds no firmware', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff);
    const r = await analyze(bytes);
    expect(r.file.size).toBe(4096);
    expect(r.gops).toEqual([]);
    expect(r.error?.code).toBe('unrecognized');
  });

  it('explains the ranking in English and Chinese and gives each warning once', async () => {
    const AMI_GOP = '5BBA83E6-F027-4CA7-BFD0-16358CC9E123';
    const IGOP_VBT = '878AC2CC-5343-46F2-B563-51F89DAF56BA';
    const image = buildVolume({
      size: 0x8000,
      files: [
        buildFile({
          guid: AMI_GOP,
          type: FileType.DRIVER,
          sections: [buildSection(SectionType.PE32, makeGop()), uiSection('IntelGopDriver')],
        }),
        buildFile({
          guid: IGOP_VBT,
          type: FileType.RAW,
          raw: makeVbt({ platform: 'TIGERLAKE', badChecksum: true }),
        }),
      ],
    });
    const r = await analyze(image);
    expect(r.gops[0].reason).toEqual({
      en:
        'the only live GOP; a DXE driver file, started by the DXE dispatcher; ' +
        `file GUID ${AMI_GOP} is a known Intel GOP driver file (IntelIvbGopDriver)`,
      'zh-CN':
        '唯一有效的 GOP；DXE 驱动文件，由 DXE 调度器加载；' +
        `文件 GUID ${AMI_GOP} 是已知的 Intel GOP 驱动文件（IntelIvbGopDriver）`,
    });
    // The VBT's own warning, not repeated by the ranking.
    expect(r.vbts[0].warnings).toEqual([
      {
        en: 'VBT checksum is bad (Linux i915 and most GOPs accept it anyway)',
        'zh-CN': 'VBT 校验和错误（Linux i915 和大多数 GOP 仍会接受）',
      },
    ]);
    expect(r.warnings).toEqual([]);
    expect(structuredClone(r)).toEqual(r);
  });

  it.skipIf(!haveFixtures)('ranks the expected GOP and VBT of a vendor image first', async () => {
    const expected = fixtureJson<
      {
        file: string;
        gops: { sha256: string }[];
        vbts: { sha256_exact: string; platform: string }[];
      }[]
    >('vendor-like-2/expected.json').find((e) => e.file === 'aptio5-cap-tgl.CAP')!;
    const progress: number[] = [];
    const r = await analyze(
      new Uint8Array(readFileSync(fixturePath('vendor-like-2/aptio5-cap-tgl.CAP'))),
      (p) => progress.push(p.done),
    );
    expect(r.error).toBeUndefined();
    expect(r.gops[0].sha256).toBe(expected.gops[0].sha256);
    expect(r.gops[0].rank).toBe(1);
    expect(r.vbts[0].sha256).toBe(expected.vbts[0].sha256_exact);
    expect(r.vbts[0].platform).toBe(expected.vbts[0].platform);
    expect(progress.at(-1)).toBe(r.file.size);
    // Plain data only: it must survive structured cloning to the page.
    expect(structuredClone(r)).toEqual(r);
  });
});
