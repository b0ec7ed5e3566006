/**
 * The re-check every patched OVMF image passes before it is offered: the output is parsed
 * afresh and compared with a fresh parse of the input, region by region.
 */
import { bytesEqual, firstDifference } from '../bytes/compare';
import { ByteView } from '../bytes/view';
import { FirmwareError, hex } from '../errors';
import { parseFirmware } from '../parse';
import type { Text } from '../text';
import { pathOf, walk, type FirmwareNode } from '../tree/node';
import { isPad, locateOvmf, REPLACED_FILE_GUIDS, type OvmfLayout } from './layout';
import { ovmfMessages } from './messages';

const { t } = ovmfMessages;

/** The checks every patched image passes, in the order they run; the names are stable ids. */
export const PATCH_CHECK_NAMES = [
  'size',
  'outside the payload',
  'PEIFV',
  'LZMA payload',
  'DXEFV',
  'existing files',
  'new files',
  'alignment',
  'checksums',
] as const;

export type PatchCheckName = (typeof PATCH_CHECK_NAMES)[number];

export interface PatchCheck {
  name: PatchCheckName;
  /** What was found to hold, for people. */
  detail: Text;
}

/** What verification needs of an inserted file. */
export interface ExpectedFile {
  guid: string;
  name: string;
  bytes: Uint8Array;
}

/** First differing index of two equally long arrays outside [skipStart, skipEnd), or -1. */
function differenceOutside(
  a: Uint8Array,
  b: Uint8Array,
  skipStart: number,
  skipEnd: number,
): number {
  const before = firstDifference(a, b);
  if (before < Math.min(skipStart, a.length)) return before;
  const after = firstDifference(a, b, skipEnd);
  return after < a.length ? after : -1;
}

/** Failed checks and warnings of a tree, keyed by node path, to tell old damage from new. */
function problems(root: FirmwareNode): Set<string> {
  const out = new Set<string>();
  walk(root, (n) => {
    const at = pathOf(n);
    for (const c of n.checks) if (!c.ok) out.add(`${at}: ${c.name} failed`);
    for (const w of n.warnings) out.add(`${at}: ${w}`);
  });
  return out;
}

const files = (v: FirmwareNode) => v.children.filter((n) => n.kind === 'file' && !isPad(n));

/** Where DXEFV sits in the decoded payload: its section's offset plus the section header. */
function dxeRange(l: OvmfLayout): [number, number] {
  const section = l.dxeFv.parent!;
  const start = section.offset + section.headerSize + l.dxeFv.offset;
  return [start, start + l.dxeFv.raw.length];
}

function streamHeader(l: OvmfLayout): { props: number; dictSize: number; size: number } {
  const v = new ByteView(l.lzmaSection.raw.subarray(l.lzmaSection.headerSize));
  return {
    props: v.u8(0, 'LZMA properties'),
    dictSize: v.u32(1, 'dictionary size'),
    size: v.u64(5, 'size'),
  };
}

/** What verification needs to know of the input, taken before the patch changes its tree. */
export interface OvmfSnapshot {
  bytes: Uint8Array;
  layout: OvmfLayout;
  /** DXEFV's files (without pads) as they were. */
  dxeFiles: FirmwareNode[];
  problems: Set<string>;
}

export function snapshotOvmf(
  bytes: Uint8Array,
  root: FirmwareNode,
  layout: OvmfLayout,
): OvmfSnapshot {
  return { bytes, layout: { ...layout }, dxeFiles: files(layout.dxeFv), problems: problems(root) };
}

/**
 * Checks `patched` against the input it was made from: same size; every byte outside
 * FVMAIN_COMPACT, PEIFV and everything of the payload outside DXEFV unchanged; the LZMA
 * stream's header as before; every old DXEFV file there in order with its bytes; each expected
 * file exactly once with exactly its bytes, aligned; no check that passed before fails now, and
 * no new warning. Returns what was checked; throws FirmwareError('verify') at the first failure.
 */
export async function verifyPatchedOvmf(
  before: OvmfSnapshot,
  patched: Uint8Array,
  expected: readonly ExpectedFile[],
  /** Bytes of the patched image parsed so far. */
  onProgress?: (done: number) => void,
): Promise<PatchCheck[]> {
  const checks: PatchCheck[] = [];
  const fail = (what: string, where?: FirmwareNode): never => {
    throw new FirmwareError('verify', `the patched image failed its re-check: ${what}`, {
      path: where ? pathOf(where) : undefined,
    });
  };
  const pass = (name: PatchCheckName, detail: Text) => checks.push({ name, detail });
  const original = before.bytes;
  const a = before.layout;

  if (patched.length !== original.length)
    fail(`its size is ${patched.length} bytes, the original's ${original.length}`);
  pass('size', t('check.size', { size: patched.length }));

  let newRoot: FirmwareNode;
  let b: OvmfLayout;
  try {
    newRoot = await parseFirmware(patched, { progress: onProgress });
    b = locateOvmf(newRoot);
  } catch (e) {
    return fail(`it no longer reads as OVMF (${e instanceof FirmwareError ? e.describe() : e})`);
  }

  const start = a.compact.absOffset!;
  const end = start + a.compact.raw.length;
  if (b.compact.absOffset !== start || b.compact.raw.length !== a.compact.raw.length)
    fail('FVMAIN_COMPACT moved or changed size', b.compact);
  const outside = differenceOutside(original, patched, start + a.compact.headerSize, end);
  if (outside >= 0) fail(`byte ${hex(outside)} outside FVMAIN_COMPACT's files changed`);
  pass(
    'outside the payload',
    t('check.outside', { offset: hex(start), length: hex(a.compact.raw.length) }),
  );

  if (!bytesEqual(a.peiFv.raw, b.peiFv.raw)) fail('PEIFV changed', b.peiFv);
  pass('PEIFV', t('check.peifv', { size: a.peiFv.raw.length }));

  const oldHeader = streamHeader(a);
  const newHeader = streamHeader(b);
  const oldPayload = a.lzmaSection.decoded!.bytes;
  const newPayload = b.lzmaSection.decoded!.bytes;
  if (newHeader.props !== oldHeader.props || newHeader.dictSize !== oldHeader.dictSize)
    fail('the LZMA properties or dictionary size changed', b.lzmaSection);
  if (newHeader.size !== newPayload.length || newPayload.length !== oldPayload.length)
    fail('the LZMA payload changed size', b.lzmaSection);
  pass(
    'LZMA payload',
    t('check.lzma', {
      size: newPayload.length,
      dictionary: hex(newHeader.dictSize),
      compressed: b.lzmaSection.raw.length - b.lzmaSection.headerSize,
    }),
  );

  const [dxeStart, dxeEnd] = dxeRange(a);
  const [newStart, newEnd] = dxeRange(b);
  if (newStart !== dxeStart || newEnd !== dxeEnd) fail('DXEFV moved or changed size', b.dxeFv);
  const inPayload = differenceOutside(
    oldPayload,
    newPayload,
    dxeStart + a.dxeFv.headerSize,
    dxeEnd,
  );
  if (inPayload >= 0) fail(`payload byte ${hex(inPayload)} outside DXEFV's files changed`);
  pass('DXEFV', t('check.dxefv', { length: hex(a.dxeFv.raw.length) }));

  const inserted = new Set(expected.map((f) => f.guid));
  const replaced = new Set(REPLACED_FILE_GUIDS);
  const oldFiles = before.dxeFiles.filter((n) => !replaced.has(n.guid!));
  const newFiles = files(b.dxeFv).filter((n) => !inserted.has(n.guid!));
  for (let i = 0; i < Math.max(oldFiles.length, newFiles.length); i++) {
    const o = oldFiles[i];
    const n = newFiles[i];
    if (!o || !n || o.guid !== n.guid) fail(`DXEFV file ${(o ?? n).guid} is missing or moved`, n);
    if (!bytesEqual(o.raw, n.raw)) fail(`DXEFV file ${o.guid} changed`, n);
  }
  pass('existing files', t('check.existing', { count: oldFiles.length }));

  for (const f of expected) {
    const found = files(b.dxeFv).filter((n) => n.guid === f.guid);
    if (found.length !== 1) fail(`${f.name} (${f.guid}) is there ${found.length} times`);
    if (!bytesEqual(found[0].raw, f.bytes)) fail(`${f.name} (${f.guid}) has other bytes`, found[0]);
  }
  const stale = files(b.dxeFv).filter((n) => replaced.has(n.guid!) && !inserted.has(n.guid!));
  if (stale.length) fail(`a file of an earlier patch remained: ${stale[0].guid}`, stale[0]);
  pass('new files', t('check.new', { files: expected.map((f) => f.name).join(', ') }));

  const volumeHeader = b.dxeFv.headerSize;
  for (const n of b.dxeFv.children) {
    if (n.data.is !== 'file') continue;
    const alignment = n.data.alignment;
    if ((volumeHeader + n.offset + n.headerSize) % alignment !== 0)
      fail(`${n.name ?? n.guid} is not ${alignment}-byte aligned`, n);
  }
  pass('alignment', t('check.alignment'));

  const fresh = [...problems(newRoot)].filter((p) => !before.problems.has(p));
  if (fresh.length) fail(fresh[0]);
  pass('checksums', t('check.checksums'));
  return checks;
}
