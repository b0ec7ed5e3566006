/**
 * Display fields are for people only: renaming every display key changes what the explorer and
 * the report show, and nothing the reader, the serializer or the builders do with the bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  fixturePath,
  haveFixtures,
  noFixturesReason,
  readFixture,
} from '../../../../tests/helpers/fixtures';
import * as api from '../api';
import { displayFields } from './fields';
import { FIELD_LABELS, type FieldId, type FieldLabels } from './labels';
import type { FirmwareNode } from './node';
import * as serializer from './serialize';

const PREFIX = 'renamed ';
const RENAMED = Object.fromEntries(
  Object.entries(FIELD_LABELS).map(([id, label]) => [id, PREFIX + label]),
) as FieldLabels;

const OVMF = 'ovmf/debian-bookworm/OVMF_CODE_4M.fd';
const GOP = 'gop-vbt/adl/IntelGopDriver.efi';
const VBT = 'gop-vbt/adl/vbt.bin';
/** Between them, every structure with a header: descriptor regions, capsules, FMP images,
 *  volumes, files (some deleted), sections, option ROM images, PE images. */
const IMAGES = [
  OVMF,
  'vendor-like/aptio5-spi.bin',
  'vendor-like/insyde-like.fd',
  'vendor-like-2/fmp-capsule-skl-kbl.cap',
  'vendor-like/efi-oprom.rom',
];
const have = haveFixtures && [...IMAGES, GOP, VBT].every((r) => existsSync(fixturePath(r)));
if (!have) console.warn(`[skip] display-field rename tests: ${noFixturesReason} or files missing`);

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Everything about a node except its display fields, children in order. */
function shape(n: FirmwareNode): unknown {
  return {
    kind: n.kind,
    type: n.type,
    name: n.name,
    guid: n.guid,
    offset: n.offset,
    absOffset: n.absOffset,
    size: n.raw.length,
    headerSize: n.headerSize,
    decoded: n.decoded && { method: n.decoded.method, sha256: sha256(n.decoded.bytes) },
    data: n.data,
    checks: n.checks,
    warnings: n.warnings,
    text: n.text,
    children: n.children.map(shape),
  };
}

function allNodes(n: FirmwareNode, out: FirmwareNode[] = []): FirmwareNode[] {
  out.push(n);
  for (const c of n.children) allNodes(c, out);
  return out;
}

/** The core again, loaded fresh with every display label renamed. */
async function renamedCore(): Promise<{ core: typeof api; ser: typeof serializer }> {
  vi.resetModules();
  vi.doMock('./labels', () => ({ FIELD_LABELS: RENAMED }));
  const core = await import('../api');
  const ser = await import('./serialize');
  return { core, ser };
}
afterAll(() => {
  vi.doUnmock('./labels');
  vi.resetModules();
});

describe('displayFields', () => {
  it.skipIf(!have)('takes its names from the label table, values unchanged', async () => {
    const root = await api.parseFirmware(readFixture(OVMF));
    const volume = allNodes(root).find((n) => n.kind === 'volume')!;
    const renamed = displayFields(volume, RENAMED);
    expect(Object.keys(renamed)).toContain(PREFIX + FIELD_LABELS.fvName);
    expect(Object.entries(renamed)).toEqual(
      Object.entries(volume.fields).map(([k, v]) => [PREFIX + k, v]),
    );
    // One key alone, as a translator would change it.
    const one = displayFields(volume, { ...FIELD_LABELS, fvName: 'volume name' });
    expect(one['volume name']).toBe(volume.fields.fvName);
    expect(one.fvName).toBeUndefined();
  });

  it('gives no two field ids the same label (one node could show only one of them)', () => {
    const byLabel = new Map<string, FieldId[]>();
    for (const [id, label] of Object.entries(FIELD_LABELS) as [FieldId, string][])
      byLabel.set(label, [...(byLabel.get(label) ?? []), id]);
    expect([...byLabel.values()].filter((ids) => ids.length > 1)).toEqual([]);
  });
});

describe.skipIf(!have)('renaming every display key', () => {
  it.each(IMAGES)(
    '%s: same tree, same round trip, only the keys differ',
    async (rel) => {
      const bytes = readFixture(rel);
      const before = await api.parseFirmware(bytes);
      const { core, ser } = await renamedCore();
      const after = await core.parseFirmware(bytes);

      // The renamed labels are in use…
      const nodes = allNodes(after);
      const original = allNodes(before);
      const withFields = nodes.filter((n) => Object.keys(n.fields).length > 0);
      expect(withFields.length).toBeGreaterThan(0);
      for (const [i, n] of nodes.entries()) {
        expect(Object.entries(n.fields)).toEqual(
          Object.entries(original[i].fields).map(([k, v]) => [PREFIX + k, v]),
        );
      }
      // …and nothing else about the tree changed.
      expect(shape(after)).toEqual(shape(before));
      const rebuilt = ser.serialize(after, { force: true });
      expect(rebuilt.length).toBe(bytes.length);
      expect(sha256(rebuilt)).toBe(sha256(bytes));
      expect(sha256(ser.serialize(after, { force: true }))).toBe(
        sha256(serializer.serialize(before, { force: true })),
      );
    },
    60_000,
  );

  it('the OVMF patch and the IGD option ROM come out byte-identical', async () => {
    const input = {
      ovmf: readFixture(OVMF),
      gop: readFixture(GOP),
      vbt: readFixture(VBT),
      preset: 'fast' as const,
    };
    const patched = await api.patchOvmf(input);
    const rom = await api.buildIgdRom({ gop: input.gop, vbt: input.vbt, deviceId: 0x46a6 });
    const { core } = await renamedCore();
    const patchedRenamed = await core.patchOvmf(input);
    const romRenamed = await core.buildIgdRom({ gop: input.gop, vbt: input.vbt, deviceId: 0x46a6 });

    expect(patchedRenamed.image.length).toBe(patched.image.length);
    expect(patchedRenamed.sha256).toBe(patched.sha256);
    expect(patchedRenamed.checks.map((c) => c.name)).toEqual(patched.checks.map((c) => c.name));
    expect(patchedRenamed.files).toEqual(patched.files);
    expect(romRenamed.sha256).toBe(rom.sha256);
    expect(romRenamed.images).toEqual(rom.images);
    // The patch did change the image: the comparison is over real output.
    expect(patched.sha256).not.toBe(sha256(input.ovmf));
  }, 120_000);
});
