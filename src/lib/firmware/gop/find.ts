/**
 * Find every Intel GOP driver and every VBT in a parsed firmware tree, by content rather than by
 * file GUID: GUIDs differ between BIOS vendors, and GOPs also hide in freeform-subtype sections,
 * raw files and option-ROM images. Payloads are taken from the leaves of the tree, so whatever the
 * parsers decompressed is searched too.
 */
import { FirmwareError, hex } from '../errors';
import { sha256Hex } from '../bytes/sha256';
import { isPe, peImageLength } from '../pe/headers';
import { FILE_TYPE, SECTION_TYPE } from '../spec';
import type { Text } from '../text';
import { pathOf, walk, type FirmwareNode } from '../tree/node';
import { gopInfo, type FfsVersion, type GopInfo } from './gop-info';
import { identifyGop, type GopIdentity } from './identify';
import { gopMessages } from './messages';
import { findVbts, type VbtInfo } from './vbt';

const { t } = gopMessages;

/** Where a candidate (or one of its identical copies) sits in the tree. */
export interface Location {
  /** The node holding the bytes (a PE32/TE/RAW/freeform section, a raw file, a 'pe' or 'vbt' node). */
  node: FirmwareNode;
  /** The FFS file around it, when there is one. */
  file?: FirmwareNode;
  fileGuid?: string;
  /** Text of the file's UI section. */
  uiName?: string;
  /** The file's EFI_SECTION_VERSION, when it has one. */
  ffsVersion?: FfsVersion;
  /** The FFS file type code of `file` (0x07 DRIVER, 0x01 RAW, …). */
  fileType?: number;
  path: string;
  /** Position in depth-first (= volume) order over the whole tree. */
  order: number;
}

interface CandidateBase extends Location {
  size: number;
  sha256: string;
  /** Always false for offered candidates (deleted copies go to `ignored`); kept for clarity. */
  deleted: boolean;
  /** Other places holding byte-identical data (recovery/backup volumes, PEI copies). */
  copies: Location[];
  /** Problems worth showing next to the candidate (bad checksums around it, …). */
  warnings: Text[];
}

export interface GopCandidate extends CandidateBase {
  kind: 'gop';
  info: GopInfo;
  /** Why it counts as an Intel GOP, and how sure that is. */
  identity: GopIdentity;
  /** The PE/TE image, without trailing padding. */
  bytes: Uint8Array;
}

export interface VbtCandidate extends CandidateBase {
  kind: 'vbt';
  info: VbtInfo;
  /** Exactly vbt_size bytes (`sha256` is over these). */
  bytes: Uint8Array;
  /** The body as stored, from the `$VBT` header to the end of its section/file (often padded). */
  stored: Uint8Array;
  storedSha256: string;
}

export type Candidate = GopCandidate | VbtCandidate;

/** A copy found but never offered, and why. */
export interface IgnoredCandidate {
  /** Intel GOP, VBT; AMD GOP, AMD VBIOS (amd/find.ts). */
  kind: 'gop' | 'vbt' | 'amd-gop' | 'vbios';
  path: string;
  fileGuid?: string;
  uiName?: string;
  sha256: string;
  size: number;
  reason: Text;
}

export interface Candidates {
  gops: GopCandidate[];
  vbts: VbtCandidate[];
  ignored: IgnoredCandidate[];
}

/** Section types whose bodies can be a driver image or a data blob. */
const PAYLOAD_SECTIONS = new Set<number>([
  SECTION_TYPE.pe32,
  SECTION_TYPE.pic,
  SECTION_TYPE.te,
  SECTION_TYPE.freeformSubtypeGuid,
  SECTION_TYPE.raw,
]);

/** The bytes a leaf node carries that may be a driver or a VBT; undefined for structure. */
export function payloadOf(n: FirmwareNode): Uint8Array | undefined {
  if (n.children.length > 0 || n.decoded) return undefined;
  const data = n.data;
  switch (n.kind) {
    case 'section':
      return data.is === 'section' && PAYLOAD_SECTIONS.has(data.sectionType)
        ? n.raw.subarray(n.headerSize)
        : undefined;
    case 'file':
      // Raw files are kept unparsed unless they wrap a volume.
      return data.is === 'file' && data.fileType === FILE_TYPE.raw
        ? n.raw.subarray(n.headerSize)
        : undefined;
    case 'pe':
    case 'vbt':
      return n.raw;
    case 'opaque':
      // The code of a legacy VBIOS image carries its VBT (Linux i915 scans it the same way).
      return n.parent?.kind === 'rom-image' ? n.raw : undefined;
    default:
      return undefined;
  }
}

/**
 * The tree path plus where the bytes are, so that identical copies in same-named volumes stay
 * apart: the file offset, or for decompressed data the offset of the compressed section holding it.
 */
function locate(n: FirmwareNode): string {
  if (n.absOffset !== undefined) return `${pathOf(n)} @ ${hex(n.absOffset)}`;
  for (let p = n.parent; p; p = p.parent) {
    if (p.decoded && p.absOffset !== undefined)
      return `${pathOf(n)} @ ${hex(p.absOffset)} (decompressed)`;
  }
  return pathOf(n);
}

function enclosingFile(n: FirmwareNode): FirmwareNode | undefined {
  for (let p: FirmwareNode | undefined = n; p; p = p.parent) if (p.kind === 'file') return p;
  return undefined;
}

/** The first FFS file on the way up that is DELETED or HEADER_INVALID (nested volumes included). */
export function deletedAncestor(n: FirmwareNode): FirmwareNode | undefined {
  for (let p: FirmwareNode | undefined = n; p; p = p.parent)
    if (p.data.is === 'file' && p.data.deleted) return p;
  return undefined;
}

/** The first section of `type` that belongs to `file` itself (not to files of a nested volume). */
function ownSection(file: FirmwareNode | undefined, type: number): FirmwareNode | undefined {
  if (!file) return undefined;
  let found: FirmwareNode | undefined;
  walk(file, (n) => {
    if (found) return false;
    const d = n.data;
    if (d.is === 'section' && d.sectionType === type && n.text) found = n;
    return n === file || n.kind === 'section';
  });
  return found;
}

function uiNameOf(file: FirmwareNode | undefined): string | undefined {
  return ownSection(file, SECTION_TYPE.userInterface)?.text;
}

function ffsVersionOf(file: FirmwareNode | undefined): FfsVersion | undefined {
  const n = ownSection(file, SECTION_TYPE.version);
  const d = n?.data;
  return d?.is === 'section' && n?.text !== undefined
    ? { build: d.buildNumber ?? 0, text: n.text }
    : undefined;
}

function allBytes(b: Uint8Array, v: number): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== v) return false;
  return true;
}

/** The image without what follows its last section, when that is only padding (option ROMs pad to 512). */
export function trimPe(body: Uint8Array): Uint8Array {
  const len = peImageLength(body, 0);
  if (len === undefined || len >= body.length) return body;
  const rest = body.subarray(len);
  return allBytes(rest, 0) || allBytes(rest, 0xff) ? body.subarray(0, len) : body;
}

export function checkWarnings(file: FirmwareNode | undefined): Text[] {
  if (!file) return [];
  // The check's name and detail come from the parser, in English.
  return file.checks
    .filter((c) => !c.ok)
    .map((c) =>
      c.detail
        ? t('file.checkFailedDetail', { check: c.name, detail: c.detail })
        : t('file.checkFailed', { check: c.name }),
    );
}

/** Where `node` sits: its file, the file's name and type, the path, the depth-first order. */
export function location(node: FirmwareNode, order: number): Location {
  const file = enclosingFile(node);
  return {
    node,
    file,
    fileGuid: file?.guid,
    uiName: uiNameOf(file),
    ffsVersion: ffsVersionOf(file),
    fileType: file?.data.is === 'file' ? file.data.fileType : undefined,
    path: locate(node),
    order,
  };
}

export interface Found<T> {
  loc: Location;
  deletedBy?: FirmwareNode;
  sha256: string;
  item: T;
}

/**
 * Every GOP and VBT in the tree, de-duplicated, in depth-first order. Copies inside DELETED or
 * HEADER_INVALID files are listed under `ignored` and never offered. `stillWorking` is called
 * before each body is looked at, for progress reports (a large image has thousands).
 */
export async function findCandidates(
  root: FirmwareNode,
  stillWorking: () => void = () => {},
): Promise<Candidates> {
  const leaves: { node: FirmwareNode; body: Uint8Array; order: number }[] = [];
  let order = 0;
  walk(root, (n) => {
    const body = payloadOf(n);
    if (body && body.length) leaves.push({ node: n, body, order });
    order++;
  });

  const gops: Found<{ bytes: Uint8Array; info: GopInfo; identity: GopIdentity }>[] = [];
  const vbts: Found<{ info: VbtInfo; stored: Uint8Array; storedSha256: string }>[] = [];
  const ignored: IgnoredCandidate[] = [];

  for (const { node, body, order: o } of leaves) {
    stillWorking();
    const loc = location(node, o);
    const deletedBy = deletedAncestor(node);
    const pe = isPe(body, 0);
    const id = pe ? identifyGop(body, loc) : undefined;
    if (id?.gop) {
      const bytes = trimPe(body);
      const sha256 = await sha256Hex(bytes);
      let info: GopInfo;
      try {
        info = gopInfo(bytes, loc.ffsVersion);
      } catch (e) {
        if (!(e instanceof FirmwareError)) throw e;
        ignored.push({
          kind: 'gop',
          ...ids(loc),
          sha256,
          size: bytes.length,
          reason: t('ignored.peUnreadable', { error: e.message }),
        });
        continue;
      }
      const identity = { confidence: id.confidence, reasons: id.reasons };
      gops.push({ loc, deletedBy, sha256, item: { bytes, info, identity } });
      continue;
    }
    if (id?.rejected) {
      // Named like a GOP but is not one: say so rather than stay silent.
      const bytes = trimPe(body);
      ignored.push({
        kind: 'gop',
        ...ids(loc),
        sha256: await sha256Hex(bytes),
        size: bytes.length,
        reason: id.rejected,
      });
    }
    // VBTs are stored as data files and sections (and bare); firmware does not keep them inside
    // driver images, so PE bodies (most of an image's bytes) are not scanned.
    if (pe) continue;
    for (const info of findVbts(body)) {
      const stored = body.subarray(info.offset);
      const sha256 = await sha256Hex(info.bytes);
      const storedSha256 = stored.length === info.bytes.length ? sha256 : await sha256Hex(stored);
      vbts.push({ loc, deletedBy, sha256, item: { info, stored, storedSha256 } });
    }
  }

  return {
    gops: dedupe(gops, ignored, 'gop', (f, copies) => ({
      kind: 'gop',
      ...f.loc,
      size: f.item.bytes.length,
      sha256: f.sha256,
      deleted: false,
      copies,
      warnings: checkWarnings(f.loc.file),
      info: f.item.info,
      identity: f.item.identity,
      bytes: f.item.bytes,
    })),
    vbts: dedupe(vbts, ignored, 'vbt', (f, copies) => {
      const warnings = checkWarnings(f.loc.file);
      if (!f.item.info.checksumOk) warnings.push(t('vbt.warn.badChecksum'));
      return {
        kind: 'vbt',
        ...f.loc,
        size: f.item.info.size,
        sha256: f.sha256,
        deleted: false,
        copies,
        warnings,
        info: f.item.info,
        bytes: f.item.info.bytes,
        stored: f.item.stored,
        storedSha256: f.item.storedSha256,
      };
    }),
    ignored,
  };
}

function ids(loc: Location): { path: string; fileGuid?: string; uiName?: string } {
  return { path: loc.path, fileGuid: loc.fileGuid, uiName: loc.uiName };
}

export function dedupe<T, C>(
  found: Found<T>[],
  ignored: IgnoredCandidate[],
  kind: IgnoredCandidate['kind'],
  make: (f: Found<T>, copies: Location[]) => C,
  sizeOf: (f: Found<T>) => number = (f) =>
    kind === 'vbt'
      ? (f.item as { info: VbtInfo }).info.size
      : (f.item as { bytes: Uint8Array }).bytes.length,
): C[] {
  const firsts = new Map<string, { f: Found<T>; copies: Location[] }>();
  for (const f of found) {
    if (f.deletedBy) {
      const d = f.deletedBy.data;
      const state = d.is === 'file' ? d.stateName : 'DELETED';
      ignored.push({
        kind,
        ...ids(f.loc),
        sha256: f.sha256,
        size: sizeOf(f),
        reason: f.deletedBy.guid
          ? t('ignored.deleted', { guid: f.deletedBy.guid, state })
          : t('ignored.deletedNoGuid', { state }),
      });
      continue;
    }
    const seen = firsts.get(f.sha256);
    if (seen) seen.copies.push(f.loc);
    else firsts.set(f.sha256, { f, copies: [] });
  }
  return [...firsts.values()].map(({ f, copies }) => make(f, copies));
}
