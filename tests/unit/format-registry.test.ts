/**
 * One registry names and reads every file: for each real fixture and each synthetic corpus
 * image, the name `inspect` gives is the name of the format whose opener produced the root's
 * children. Which opener that is gets worked out here independently: each registered opener runs
 * alone on the bytes, in registry order, and the first that accepts must have built the same
 * top-level nodes as the real parse (or the first that throws must be the one the parse failed
 * in). Where a fixture's own expected JSON says what the file is, the kind must agree with it.
 */
import { describe, expect, it } from 'vitest';
import {
  buildVolume,
  buildFile,
  buildSection,
  FileType,
  filler,
  SectionType,
} from '../../fixtures/builder/index';
import { syntheticCorpus } from '../../fixtures/builder/corpus';
import { inspect, inspectFirmware } from '../../src/lib/firmware/api';
import { FIRMWARE_FORMATS } from '../../src/lib/firmware/containers/index';
import type { FileKind, FirmwareFormat } from '../../src/lib/firmware/containers/format';
import { recordingContext, rootOf } from '../../src/lib/firmware/containers/testing';
import { detectKind } from '../../src/lib/firmware/detect';
import { FirmwareError } from '../../src/lib/firmware/errors';
import type { FirmwareNode } from '../../src/lib/firmware/tree/node';
import { firmwareFixtureFiles, fixtureJson, haveFixtures, readFixture } from '../helpers/fixtures';

/** What the fixture authors call each file, as our kinds (their words, not our output). */
const AUTHOR_KINDS: Record<string, FileKind[]> = {
  'firmware-image': ['firmware-volume', 'ifwi', 'intel-descriptor'],
  'gop-pe': ['pe'],
  'option-rom': ['option-rom'],
  vbt: ['vbt'],
  'aptio4-tiano': ['firmware-volume'],
  'insyde-like': ['firmware-volume'],
  'aptio5-spi': ['intel-descriptor'],
  'aptio5-asus': ['capsule-ami'],
  'aptio5-cap': ['capsule-ami'],
  'efi-capsule': ['capsule-efi'],
  'fmp-capsule (EFI capsule variant)': ['capsule-efi'],
  'fmp-capsule': ['capsule-fmp'],
  'efi-oprom': ['option-rom'],
  'efi-compressed-oprom': ['option-rom'],
};

function authorKinds(): Map<string, string> {
  const out = new Map<string, string>();
  if (!haveFixtures) return out;
  for (const [list, dir] of [
    ['expected-real.json', ''],
    ['vendor-like/expected.json', 'vendor-like/'],
    ['vendor-like-2/expected.json', 'vendor-like-2/'],
  ]) {
    for (const e of fixtureJson<{ file: string; kind: string }[]>(list))
      out.set(dir + e.file, e.kind);
  }
  return out;
}

/** Top-level nodes as a reader sees them. */
const shape = (nodes: FirmwareNode[]) => nodes.map((n) => [n.kind, n.type, n.offset, n.raw.length]);

type AloneResult =
  | { format: FirmwareFormat; outcome: 'opened'; children: FirmwareNode[] }
  | { format: FirmwareFormat; outcome: 'failed' }
  | undefined;

/**
 * Each registered opener alone, in order, where its probe matches (payloads only recorded): the
 * first that claims the bytes.
 */
async function firstOpenerAlone(bytes: Uint8Array): Promise<AloneResult> {
  for (const format of FIRMWARE_FORMATS) {
    if (!format.open || !format.probe(bytes)) continue;
    const root = rootOf(bytes);
    try {
      if (await format.open(root, bytes, 0, 0, recordingContext().ctx))
        return { format, outcome: 'opened', children: root.children };
    } catch (e) {
      if (!(e instanceof FirmwareError)) throw e;
      return { format, outcome: 'failed' };
    }
    expect(root.children, `${format.name} declined but left nodes`).toEqual([]);
  }
  return undefined;
}

/** inspect's label names the opener that produced the root's children (or failed on the file). */
async function expectLabelFollowsOpener(bytes: Uint8Array): Promise<FileKind> {
  const { file, root, error } = await inspectFirmware(bytes);
  const alone = await firstOpenerAlone(bytes);
  if (!alone) {
    // Nothing read the file: the parse says so, and the name is the first probe's guess.
    expect(root).toBeUndefined();
    expect(['unrecognized', 'unsupported']).toContain(error?.code);
    expect(file.label).toBe(detectKind(bytes).label);
    return file.kind;
  }
  if (alone.outcome === 'opened' && root) {
    expect(shape(root.children)).toEqual(shape(alone.children));
  } else {
    // The opener failed on the file, or something it holds did.
    expect(error).toBeInstanceOf(FirmwareError);
  }
  const named = alone.format.probe(bytes);
  expect(named, `${alone.format.name}'s probe matches what its opener read`).toBeDefined();
  expect([file.kind, file.label]).toEqual([named!.kind, named!.label]);
  return file.kind;
}

const files = firmwareFixtureFiles();
const authors = authorKinds();

describe.skipIf(!haveFixtures)(
  'inspect names every real fixture by the format that read it',
  () => {
    it('has the fixtures to run on', () => {
      expect(files.length).toBeGreaterThanOrEqual(90);
      expect(authors.size).toBeGreaterThanOrEqual(40);
    });
    for (const rel of files) {
      it(rel, { timeout: 30_000 }, async () => {
        const kind = await expectLabelFollowsOpener(readFixture(rel));
        const said = authors.get(rel);
        if (said !== undefined) expect(AUTHOR_KINDS[said], said).toContain(kind);
      });
    }
  },
);

describe('inspect names every synthetic corpus image by the format that read it', () => {
  const corpus = syntheticCorpus();
  for (const img of corpus) {
    it(img.name, async () => {
      await expectLabelFollowsOpener(img.bytes);
    });
  }

  it('every registered opener reads at least one corpus image', async () => {
    const readers = new Set<string>();
    for (const img of corpus) {
      const alone = await firstOpenerAlone(img.bytes);
      if (alone?.outcome === 'opened') readers.add(alone.format.name);
    }
    const openers = FIRMWARE_FORMATS.filter((f) => f.open).map((f) => f.name);
    expect(openers.filter((name) => !readers.has(name))).toEqual([]);
  });
});

describe('when a probe matches but its opener declines, the next format names the file', () => {
  const volume = buildVolume({
    size: 0x1000,
    files: [
      buildFile({
        guid: '3C1DE39F-1234-4A5B-8C9D-0123456789AB',
        type: FileType.DRIVER,
        sections: [buildSection(SectionType.RAW, filler(64))],
      }),
    ],
  });

  const small = buildVolume({ size: 0x800, files: [] });

  it('an MZ file whose PE headers do not read, holding a volume', async () => {
    const b = new Uint8Array(0x3000);
    b.set([0x4d, 0x5a]);
    b.set(volume, 0x1000);
    expect(detectKind(b).kind).toBe('pe');
    const { file, root } = await inspectFirmware(b);
    expect(file).toMatchObject({
      kind: 'firmware-volume',
      label: 'Firmware image (volumes found inside)',
      offset: 0x1000,
    });
    expect(root!.children.map((c) => [c.kind, c.offset])).toEqual([
      ['padding', 0],
      ['volume', 0x1000],
      ['padding', 0x2000],
    ]);
    await expectLabelFollowsOpener(b);
    // The same answer through the plain entry point the worker exposes.
    expect(await inspect(b)).toMatchObject({ kind: 'firmware-volume', offset: 0x1000 });
  });

  it('a flash descriptor signature in a file too short for a descriptor, holding a volume', async () => {
    const b = new Uint8Array(0xc00).fill(0xff);
    new DataView(b.buffer).setUint32(0x10, 0x0ff0a55a, true);
    b.set(small, 0x400);
    expect(detectKind(b).kind).toBe('intel-descriptor');
    const { file } = await inspectFirmware(b);
    expect(file).toMatchObject({ kind: 'firmware-volume', offset: 0x400 });
    await expectLabelFollowsOpener(b);
  });

  it('an opener that fails on its format names the file, with the reason', async () => {
    const sfx = new TextEncoder().encode(
      'MZ' + '\0'.repeat(100) + ';!@InstallEnd@!' + '\0'.repeat(64),
    );
    const { file, error } = await inspectFirmware(sfx);
    expect(file.label).toBe('Insyde BIOS update executable');
    expect(error?.code).toBe('unsupported');
    expect(error?.message).toMatch(/7-Zip/);
  });
});
