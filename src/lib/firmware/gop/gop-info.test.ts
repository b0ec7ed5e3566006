import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gopInfo, gopLabel, isIntelGop } from './gop-info';
import {
  GOP_MAJOR_GENERATIONS,
  generationFromGopMajor,
  generationFromVbtPlatform,
  gopMajorsFor,
} from './generations';
import { analyze } from '../analyze';
import { igpuIdsFor, isIgpuCode } from '../igpu/devices';
import {
  fixtureJson,
  fixturePath,
  haveFixtures,
  readFixture,
} from '../../../../tests/helpers/fixtures';
import { withoutNameString, withoutUtf16 } from '../../../../tests/helpers/gop';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileType,
  SectionType,
  uiSection,
  versionSection,
} from '../../../../fixtures/builder/index';

interface Expected {
  file: string;
  kind: string;
  gops: { sha256: string; size: number; version_per_source?: string }[];
  images?: { device: string; pe_size: number; is_gop: boolean }[];
}

const entries = haveFixtures ? fixtureJson<Expected[]>('expected-real.json') : [];
const gopPes = entries.filter((e) => e.kind === 'gop-pe');

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

describe.skipIf(!haveFixtures)('GOP version against the versions their sources state', () => {
  it('covers every gop-vbt pair', () => expect(gopPes.length).toBe(8));
  it.each(gopPes.map((e) => [e.file, e.gops[0].version_per_source!] as const))(
    '%s is %s',
    (file, version) => {
      const [major, minor, build] = version.split('.').map(Number);
      const g = gopInfo(readFixture(file));
      expect(g.name).toBe('Intel(R) GOP Driver');
      expect(g.major).toBe(major);
      expect(g.build).toBe(build);
      if (g.minor !== undefined) expect(g.minor).toBe(minor);
      expect(g.versionKnown).toBe(g.minor === undefined ? 'partial' : 'full');
      expect(g.versionText).toBe(`${major}.${g.minor ?? '?'}.${build}`);
      expect(g.pe.subsystem).toBe(11);
      expect(g.generation?.basis).toBe('version');
    },
  );
});

describe.skipIf(!haveFixtures)('GOP device ID tables', () => {
  // Public Intel PCI IDs of each generation's iGPUs (e.g. HD 620 = 0x5916, UHD 770 = 0x4680).
  const cases: [string, number[]][] = [
    ['gop-vbt/snb/IntelGopDriver.efi', [0x0102, 0x0116, 0x0126]],
    ['gop-vbt/hsw/IntelGopDriver.efi', [0x0412, 0x0416, 0x0a16, 0x1616]],
    ['gop-vbt/skl-kbl/IntelGopDriver.efi', [0x1912, 0x1916, 0x5912, 0x5916, 0x3e92]],
    ['gop-vbt/apl/IntelGopDriver.efi', [0x5a84, 0x5a85]],
    ['gop-vbt/glk/IntelGopDriver.efi', [0x3184, 0x3185]],
    ['gop-vbt/tgl/IntelGopDriver.efi', [0x9a49, 0x4680, 0x4c8a]],
    ['gop-vbt/adl/IntelGopDriver.efi', [0x46a6, 0x46d1, 0xa7a0]],
    ['gop-vbt/mtl/IntelGopDriver.efi', [0x7d55, 0x7d45]],
  ];
  it.each(cases)('%s lists its generation', (file, ids) => {
    const g = gopInfo(readFixture(file));
    for (const id of ids) expect(g.deviceIds, id.toString(16)).toContain(id);
    // one generation's GOP does not claim another's flagship IDs
    if (!file.includes('skl')) expect(g.deviceIds).not.toContain(0x5912);
    if (!file.includes('adl')) expect(g.deviceIds).not.toContain(0x46a6);
  });

  const roms = entries.filter((e) => e.kind === 'option-rom' && e.images?.[0].is_gop);
  it.each(roms.map((e) => [e.file, e] as const))(
    '%s: the GOP inside supports the device ID of its PCI header',
    (file, e) => {
      const rom = readFixture(file);
      const pe = rom.subarray(u16(rom, 0x16), u16(rom, 0x16) + e.images![0].pe_size);
      expect(isIntelGop(pe)).toBe(true);
      expect(gopInfo(pe).deviceIds).toContain(Number(e.images![0].device));
    },
  );

  it('does not mistake a non-GOP EFI driver for a GOP', () => {
    const rom = readFixture('oprom/gangqizai-igd/gen12_igd.rom');
    expect(isIntelGop(rom)).toBe(false);
  });
});

describe('generation tables', () => {
  it('maps version majors and VBT platforms', () => {
    expect(generationFromGopMajor(21)?.code).toBe('ADL');
    expect(generationFromGopMajor(9)?.code).toBe('SKL');
    expect(generationFromGopMajor(4)).toBeUndefined();
    expect(generationFromVbtPlatform('GEMINILAKE')?.code).toBe('GLK');
    expect(generationFromVbtPlatform('SANDYBRIDGE-M')?.code).toBe('SNB');
    expect(generationFromVbtPlatform('ALDERLAKE-P')?.code).toBe('ADL');
    expect(generationFromVbtPlatform('FOO')).toBeUndefined();
  });
});

describe('GOP lines and the iGPU codes the config uses', () => {
  it('every line names a generation and known iGPU codes; Braswell is CHV (0x22B0–0x22B3)', () => {
    for (const [major, line] of Object.entries(GOP_MAJOR_GENERATIONS)) {
      expect(line.igpus.length, major).toBeGreaterThan(0);
      for (const code of line.igpus) expect(isIgpuCode(code), `${major} ${code}`).toBe(true);
    }
    const bsw = generationFromGopMajor(8)!;
    expect([bsw.code, bsw.igpus]).toEqual(['BSW', ['CHV']]);
    expect(igpuIdsFor('CHV')).toEqual([0x22b0, 0x22b1, 0x22b2, 0x22b3]);
    expect(gopMajorsFor('CHV')).toEqual([8]);
    expect(gopMajorsFor('ADL')).toEqual([17, 21]);
    expect(gopMajorsFor('ARL')).toEqual([22]);
    expect(gopMajorsFor('LNL')).toEqual([]);
    expect(gopMajorsFor('PTL')).toEqual([]);
  });

  it.skipIf(!haveFixtures)('a GOP of line 8 gives step 3 the CHV generation', async () => {
    // The Bay Trail GOP with its major string "7" made "8": a Braswell-line GOP as far as the
    // version goes. Analyze hands the config the iGPU code, which must be one it knows.
    const byt = readFixture('gop/N2930.efi');
    const name = Buffer.from(byt).indexOf(Buffer.from('Intel(R) GOP Driver', 'utf16le'));
    const at = name + 0x88; // the UTF-16 major "7", right after the name buffer
    expect([byt[at], byt[at + 1], byt[at + 2], byt[at + 3]]).toEqual([0x37, 0, 0, 0]);
    const bsw = byt.slice();
    bsw[at] = 0x38;
    const info = gopInfo(bsw);
    expect([info.major, info.generation?.code, info.generation?.igpu]).toEqual([8, 'BSW', 'CHV']);
    const [g] = (await analyze(bsw)).gops;
    expect([g.version, g.generation, g.igpuCode]).toEqual([
      '8.?.1007',
      'Braswell / Cherry Trail',
      'CHV',
    ]);
  });
});

describe.skipIf(!haveFixtures)('iGPU families from the device-ID table', () => {
  // The fixture folder names the platform each GOP was shipped for.
  const expectedFamily: Record<string, RegExp> = {
    snb: /Sandy Bridge/,
    hsw: /Haswell/,
    'skl-kbl': /Skylake|Kaby Lake/,
    apl: /Apollo Lake/,
    glk: /Gemini Lake/,
    tgl: /Tiger Lake/,
    adl: /Alder Lake/,
    mtl: /Meteor Lake/,
  };
  for (const [dir, family] of Object.entries(expectedFamily)) {
    it(`${dir}: the GOP's IDs name its platform family`, () => {
      const info = gopInfo(readFixture(`gop-vbt/${dir}/IntelGopDriver.efi`));
      expect(info.deviceFamilies.some((f) => family.test(f))).toBe(true);
      // No family two generations away sneaks in as the strongest signal.
      expect(info.deviceFamilies[0]).not.toMatch(/Lunar Lake|Panther Lake/);
    });
  }
});

describe.skipIf(!haveFixtures)('GOPs of the newest platforms (newgen fixtures)', () => {
  // Builds as newgen/*/SOURCE.txt states them (UTF-16 build number after the name).
  it.each([
    ['newgen/lixiaoliu-mtl-h-155h-gop-b1035/nb-ultra-155h.efi', 1035],
    ['newgen/lixiaoliu-ultra-desktop-gop-b1062/pc-ultra-1-2-IntelGopDriver.efi', 1062],
  ] as const)('%s: 22.x build %i, Meteor Lake / Arrow Lake', (file, build) => {
    const g = gopInfo(readFixture(file));
    expect([g.name, g.major, g.build, g.versionText]).toEqual([
      'Intel(R) GOP Driver',
      22,
      build,
      `22.?.${build}`,
    ]);
    expect(g.generation).toMatchObject({ code: 'MTL', basis: 'version' });
    // INTEL_MTL_IDS and INTEL_ARL_H/U_IDS (pciids.h) are all in its table.
    for (const id of [0x7d40, 0x7d45, 0x7d55, 0x7d60, 0x7dd5, 0x7d51, 0x7dd1, 0x7d41, 0x7d67])
      expect(g.deviceIds, id.toString(16)).toContain(id);
    expect(g.deviceFamilies).toEqual(['Meteor Lake', 'Arrow Lake']);
  });

  it('only the desktop build lists the Arrow Lake-S ID 0xB640', () => {
    const desktop = gopInfo(
      readFixture('newgen/lixiaoliu-ultra-desktop-gop-b1062/pc-ultra-1-2-IntelGopDriver.efi'),
    );
    const notebook = gopInfo(
      readFixture('newgen/lixiaoliu-mtl-h-155h-gop-b1035/nb-ultra-155h.efi'),
    );
    expect(desktop.deviceIds).toContain(0xb640);
    expect(notebook.deviceIds).not.toContain(0xb640);
  });
});

/** Every Intel GOP fixture: the gop-vbt pairs, gop/ (vendor BIOSes, Dasharo) and newgen/. */
function allGopFixtures(): string[] {
  if (!haveFixtures) return [];
  return [
    ...readdirSync(fixturePath('gop-vbt')).map((d) => `gop-vbt/${d}/IntelGopDriver.efi`),
    ...readdirSync(fixturePath('gop'))
      .filter((f) => f.endsWith('.efi'))
      .map((f) => `gop/${f}`),
    ...readdirSync(fixturePath('gop/dasharo')).map((f) => `gop/dasharo/${f}`),
    'newgen/lixiaoliu-mtl-h-155h-gop-b1035/nb-ultra-155h.efi',
    'newgen/lixiaoliu-ultra-desktop-gop-b1062/pc-ultra-1-2-IntelGopDriver.efi',
  ];
}

/** The file GUID of Intel's reference IntelGopDriver. */
const INTEL_GOP_GUID = 'FF0C8745-3270-4439-B74F-3E45F8C77064';

describe.skipIf(!haveFixtures)(
  'an FFS version section that misleads: an OEM module version',
  () => {
    // The Alder Lake GOP with neither its name nor its controller name: no version of its own.
    const ADL = 'gop-vbt/adl/IntelGopDriver.efi';
    const inFile = (version: string) =>
      buildVolume({
        size: 0x40000,
        files: [
          buildFile({
            guid: INTEL_GOP_GUID,
            type: FileType.DRIVER,
            sections: [
              buildSection(
                SectionType.PE32,
                withoutUtf16(withoutNameString(readFixture(ADL)), 'Intel(R) Graphics Controller'),
              ),
              uiSection('IntelGopDriver'),
              versionSection(0, version),
            ],
          }),
        ],
      });

    it('2.20.1271 (major 2, Sandy Bridge) is not the version of a GOP whose table names Alder Lake', async () => {
      const [gop] = (await analyze(inFile('2.20.1271'))).gops;
      expect([gop.version, gop.versionKnown, gop.versionSource]).toEqual(['', 'none', undefined]);
      expect([gop.generation, gop.generationBasis, gop.igpuCode]).toEqual([
        'Alder Lake',
        'device-ids',
        'ADL',
      ]);
      expect(gop.generationFrom?.en).toBe(
        'from its device-ID table (the version 2.20.1271 it was given names Sandy Bridge, which the table does not)',
      );
      const warning = gop.warnings.find((w) => w.en.includes('2.20.1271'));
      expect(warning?.en).toBe(
        "the FFS file's version section says 2.20.1271 (Sandy Bridge), but the device-ID table names Alder Lake, Raptor Lake, Alder Lake-N / Twin Lake: not taken as the GOP version (likely the module's own version)",
      );
      expect(warning?.['zh-CN']).toMatch(/^FFS 文件的版本节写的是 2\.20\.1271（Sandy Bridge）/);
    });

    it('a version of the table’s own line is taken, and a major of no known line is not', async () => {
      const [adl] = (await analyze(inFile('21.0.1066'))).gops;
      expect([adl.version, adl.versionSource, adl.generationBasis]).toEqual([
        '21.0.1066',
        'ffs-version',
        'version',
      ]);
      expect(adl.warnings.map((w) => w.en).join('\n')).not.toMatch(/device-ID table names/);
      const [unknown] = (await analyze(inFile('1.22.3333'))).gops;
      expect([unknown.version, unknown.generationBasis]).toEqual(['', 'device-ids']);
      expect(unknown.warnings.map((w) => w.en)).toContainEqual(
        expect.stringMatching(/says 1\.22\.3333 \(no known GOP line\)/),
      );
    });
  },
);

describe.skipIf(!haveFixtures)('the version of a GOP without its name string', () => {
  it('is the version its source states, for every gop-vbt pair', () => {
    for (const e of gopPes) {
      const [major, minor, build] = e.gops[0].version_per_source!.split('.').map(Number);
      for (const replacement of ['Vendor Video Driver', undefined]) {
        const g = gopInfo(withoutNameString(readFixture(e.file), replacement));
        expect([g.name, g.major, g.build, g.versionSource], e.file).toEqual([
          '',
          major,
          build,
          'beside-controller',
        ]);
        // The minor the named GOP reads (absent in the newer layout, else its source's) is read
        // without the name too.
        const named = gopInfo(readFixture(e.file));
        expect(named.minor === undefined || named.minor === minor, e.file).toBe(true);
        expect(g.minor, e.file).toBe(named.minor);
        expect(g.generation, e.file).toMatchObject({ basis: 'version' });
      }
    }
  });

  it.each(allGopFixtures())('%s reads the same as with its name', (file) => {
    const named = gopInfo(readFixture(file));
    const bare = gopInfo(withoutNameString(readFixture(file)));
    expect(named.versionSource).toBe('beside-name');
    expect(named.versionKnown).not.toBe('none');
    expect([bare.versionText, bare.versionKnown, bare.generation]).toEqual([
      named.versionText,
      named.versionKnown,
      named.generation,
    ]);
    expect(bare.deviceIds).toEqual(named.deviceIds);
  });

  it('the older layout: the scan window is measured from the controller name’s end, not its start', () => {
    // APL (10.0.1037): controller name, then the version strings. Moved to the far end of the
    // window counted from the end of "Intel(R) Graphics Controller", they are still read; a
    // window counted from inside the string would end 16 bytes ("Intel(R)") short of the build.
    const pe = withoutNameString(readFixture('gop-vbt/apl/IntelGopDriver.efi'));
    const text = (t: string) => [...t].flatMap((c) => [c.charCodeAt(0), 0]);
    const find = (needle: number[], from = 0) => Buffer.from(pe).indexOf(Buffer.from(needle), from);
    const end =
      find(text('Intel(R) Graphics Controller')) + 2 * 'Intel(R) Graphics Controller'.length;
    // The image's own strings: "10", "0" and "1037", the build 0xF8 after the name's end.
    const build = find([...text('1037'), 0, 0], end);
    expect(build - end).toBe(0xf8);
    const own = pe.subarray(build - 12, build + 10);
    const zeros = (n: number) => new Array<number>(n).fill(0);
    const strings = [...text('10'), ...zeros(4), ...text('0'), ...zeros(2), ...text('1037')];
    expect([...own]).toEqual([...strings, ...zeros(2)]);
    own.fill(0);
    const windowEnd = end + 0x400;
    const at = windowEnd - 0x14; // the build then starts 8 bytes before the window's end
    pe.fill(0, at - 2, windowEnd + 0x10);
    pe.set([...strings, ...zeros(2)], at);
    const g = gopInfo(pe);
    expect([g.versionText, g.versionSource]).toEqual(['10.0.1037', 'beside-controller']);
  });

  it('the newest GOPs: builds 1035 and 1062 as their SOURCE.txt states, line 22', () => {
    for (const [file, build] of [
      ['newgen/lixiaoliu-mtl-h-155h-gop-b1035/nb-ultra-155h.efi', 1035],
      ['newgen/lixiaoliu-ultra-desktop-gop-b1062/pc-ultra-1-2-IntelGopDriver.efi', 1062],
    ] as const) {
      const g = gopInfo(withoutNameString(readFixture(file)));
      expect([g.versionText, g.generation?.code, g.generation?.igpu]).toEqual([
        `22.?.${build}`,
        'MTL',
        'MTL',
      ]);
      expect(gopLabel(g)).toBe(`Intel GOP driver (no name string) 22.?.${build}`);
    }
  });

  it('with no version left in the image, the device-ID table names the generation', () => {
    // Overwrite the controller name too: nothing anchors the version strings any more.
    const file = 'newgen/lixiaoliu-ultra-desktop-gop-b1062/pc-ultra-1-2-IntelGopDriver.efi';
    const pe = withoutUtf16(withoutNameString(readFixture(file)), 'Intel(R) Graphics Controller');
    const g = gopInfo(pe);
    expect([g.versionText, g.versionKnown, g.versionSource]).toEqual(['', 'none', undefined]);
    expect(g.generation).toEqual({
      code: 'MTL',
      label: 'Meteor Lake',
      basis: 'device-ids',
      igpu: 'MTL',
    });
    expect(gopLabel(g)).toBe('Intel GOP driver (no name string), Meteor Lake');
    // An FFS version section that spells a GOP version fills the gap; edk2's default "1.0" does not.
    expect(gopInfo(pe, { build: 0, text: '1.0' }).versionKnown).toBe('none');
    const ffs = gopInfo(pe, { build: 0, text: '22.0.1062' });
    expect([ffs.versionText, ffs.versionSource, ffs.generation?.basis]).toEqual([
      '22.0.1062',
      'ffs-version',
      'version',
    ]);
    // A GOP-shaped version of another generation than the table's is not taken (below).
    expect(gopInfo(pe, { build: 0, text: '2.20.1271' }).versionRejected).toEqual({
      text: '2.20.1271',
      source: 'ffs-version',
      generation: 'Sandy Bridge',
    });
    // The image's own version wins over the file's.
    const own = gopInfo(readFixture(file), { build: 0, text: '21.0.1066' });
    expect([own.versionText, own.versionSource]).toEqual(['22.?.1062', 'beside-name']);
  });
});
