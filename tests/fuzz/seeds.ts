import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildFile,
  buildSection,
  buildVolume,
  FFS3,
  FileType,
  filler,
  guidDefinedSection,
  SectionType,
  uiSection,
} from '../../fixtures/builder/index';
import { syntheticCorpus } from '../../fixtures/builder/corpus';
import { fixturesDir, haveFixtures } from '../helpers/fixtures';

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

/** Volumes nested `depth` deep: exercises the depth budget. */
function nestedVolumes(depth: number): Uint8Array {
  let inner = buildVolume({ files: [], size: 0x1000 });
  for (let i = 0; i < depth; i++) {
    const file = buildFile({
      guid: `00000000-0000-0000-0000-${(i + 1).toString(16).padStart(12, '0')}`,
      type: FileType.FIRMWARE_VOLUME_IMAGE,
      sections: [buildSection(SectionType.FIRMWARE_VOLUME_IMAGE, inner)],
    });
    const size = Math.ceil((file.length + 0x100) / 0x1000) * 0x1000;
    inner = buildVolume({ files: [file], size });
  }
  return inner;
}

/**
 * Synthetic seeds from our own builder: every container, encoding and structure the parser
 * knows (the corpus of tests/unit/synthetic-corpus.test.ts), small.
 */
export function syntheticSeeds(): Seed[] {
  const driver = buildFile({
    guid: '1647B4F3-3E8A-4FDD-81C8-328ED647AB1A',
    type: FileType.DRIVER,
    sections: [buildSection(SectionType.PE32, filler(700, 3)), uiSection('IntelGopDriver')],
  });
  const guided = buildFile({
    guid: '11111111-2222-3333-4444-555555555555',
    type: FileType.FREEFORM,
    sections: [
      guidDefinedSection(
        'FC1BCDB0-7D31-49AA-936A-A4600D9DD083',
        buildSection(SectionType.RAW, filler(300, 9)),
      ),
    ],
  });
  const large = buildFile({
    guid: '22222222-2222-3333-4444-555555555555',
    type: FileType.RAW,
    raw: filler(2000, 5),
    large: true,
  });
  return [
    ...syntheticCorpus().map((c) => ({ name: `corpus/${c.name}`, bytes: c.bytes })),
    { name: 'synthetic-ffs2', bytes: buildVolume({ files: [driver, guided], size: 0x4000 }) },
    {
      name: 'synthetic-ffs3',
      bytes: buildVolume({ fsGuid: FFS3, files: [large, driver], size: 0x4000 }),
    },
    {
      name: 'synthetic-polarity0',
      bytes: buildVolume({ files: [driver], size: 0x2000, erasePolarity: 0 }),
    },
    { name: 'synthetic-nested-30', bytes: nestedVolumes(30) },
  ];
}

/** Real fixtures up to `maxBytes` each (smaller ones keep cases fast). */
export function fixtureSeeds(maxBytes: number): Seed[] {
  if (!haveFixtures) return [];
  const out: Seed[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.(fd|bin|rom|efi|cap)$/i.test(name) && st.size <= maxBytes && existsSync(p)) {
        const b = readFileSync(p);
        out.push({
          name: p.slice(fixturesDir.length + 1),
          bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
        });
      }
    }
  };
  walk(fixturesDir);
  return out;
}
