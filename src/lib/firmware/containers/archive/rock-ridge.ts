/**
 * Rock Ridge (IEEE P1282) on ISO 9660: the SUSP entries (IEEE P1281) in a directory record's
 * system use area and its continuation areas (`CE`), of which this reader uses the POSIX name
 * (`NM`, possibly in several parts), the moved-directory links (`CL`, `RE`) that put deep
 * directories back where they belong, and `SL` to leave symbolic links out. Attributes (`PX`,
 * `TF`, …) do not matter for reading files and are skipped.
 */
import type { ByteView } from '../../bytes/view';
import {
  isoError,
  readRecord,
  SECTOR,
  type DirectoryRecord,
  type Extent,
  type ReadLimit,
} from './iso9660-records';

/** An NM entry's bytes before its name: signature, length, version, flags. */
const NM_HEADER = 5;

/** What a record's Rock Ridge entries say. */
export interface RockRidgeEntry {
  /** The POSIX name (`NM`), when given. */
  name?: string;
  /** The directory a moved-directory placeholder (`CL`) stands for. */
  movedDirectory?: Extent;
  /** The moved directory itself (`RE`), listed where its placeholder is instead. */
  moved: boolean;
  /** A symbolic link (`SL`): no contents of its own. */
  symlink: boolean;
}

/** SUSP's first entry in the root's `.` record: `SP`, version 1, check bytes BE EF. */
const SP_CHECK = [0xbe, 0xef];

/**
 * Whether the tree under `root` carries SUSP entries, and how many bytes each record's system
 * use area skips before them (`SP`'s LEN_SKP); undefined without SUSP.
 */
export function suspSkip(v: ByteView, root: Extent): number | undefined {
  const self = readRecord(v, root.at);
  const { at, size } = self.systemUse;
  if (size < 7 || !v.has(at, 7)) return undefined;
  const sp =
    v.u8(at) === 0x53 &&
    v.u8(at + 1) === 0x50 &&
    v.u8(at + 2) >= 7 &&
    v.u8(at + 4) === SP_CHECK[0] &&
    v.u8(at + 5) === SP_CHECK[1];
  return sp ? v.u8(at + 6) : undefined;
}

interface SuspEntry {
  signature: string;
  at: number;
  length: number;
}

/**
 * Every SUSP entry of one record, its continuation areas followed in order. A continuation
 * chain that comes back to an area already read is an error, not a loop.
 */
function suspEntries(
  v: ByteView,
  record: DirectoryRecord,
  skip: number,
  limit: ReadLimit,
): SuspEntry[] {
  const out: SuspEntry[] = [];
  const seen = new Set<number>();
  let area: Extent | undefined = {
    at: record.systemUse.at + skip,
    size: record.systemUse.size - skip,
  };
  while (area) {
    const end = area.at + area.size;
    let next: Extent | undefined;
    for (let p = area.at; p + 4 <= end;) {
      const length = v.u8(p + 2);
      // Zeros after the last entry are padding.
      if (length === 0) break;
      if (length < 4 || p + length > end)
        throw isoError(v, `a ${length}-byte system use entry runs past its area`, p);
      const signature = String.fromCharCode(v.u8(p), v.u8(p + 1));
      if (signature === 'ST') break;
      if (signature === 'CE') {
        if (length < 28) throw isoError(v, 'a continuation entry (CE) is too short', p);
        // SUSP 1.12 allows one CE in each system use field or continuation area (libisofs
        // calls a second one a break of the standard too); with two, which one continues the
        // area is a guess, so the image is refused rather than read half.
        if (next) throw isoError(v, 'a second continuation entry (CE) in one system use area', p);
        next = { at: v.u32(p + 4) * SECTOR + v.u32(p + 12), size: v.u32(p + 20) };
      } else out.push({ signature, at: p, length });
      p += length;
    }
    if (next) {
      if (seen.has(next.at))
        throw isoError(
          v,
          'Rock Ridge continuation areas (CE) lead back to one already read',
          next.at,
        );
      seen.add(next.at);
      limit.take(next.size, next.at);
    }
    area = next;
  }
  return out;
}

/** The Rock Ridge entries of `record` this reader uses. */
export function rockRidgeEntry(
  v: ByteView,
  record: DirectoryRecord,
  skip: number,
  limit: ReadLimit,
): RockRidgeEntry {
  const entry: RockRidgeEntry = { moved: false, symlink: false };
  const nameParts: Uint8Array[] = [];
  let named = false;
  for (const e of suspEntries(v, record, skip, limit)) {
    if (e.signature === 'NM' && !named) {
      // SIG, LEN, VER and the flags byte: 5 bytes before any name.
      if (e.length < NM_HEADER)
        throw isoError(
          v,
          `a Rock Ridge NM entry of ${e.length} bytes is shorter than its ${NM_HEADER}-byte header`,
          e.at,
        );
      const flags = v.u8(e.at + 4, 'Rock Ridge NM flags');
      // CURRENT/PARENT name `.`/`..`, which the walk skips by their ISO names anyway.
      if (flags & 0x06) continue;
      nameParts.push(v.slice(e.at + NM_HEADER, e.length - NM_HEADER, 'Rock Ridge name'));
      // Without CONTINUE this part ends the name.
      if (!(flags & 0x01)) named = true;
    } else if (e.signature === 'CL') {
      const at = v.u32(e.at + 4, 'Rock Ridge CL location') * SECTOR;
      // The moved directory's own `.` record gives its size.
      entry.movedDirectory = { at, size: readRecord(v, at).extent.size };
    } else if (e.signature === 'RE') entry.moved = true;
    else if (e.signature === 'SL') entry.symlink = true;
  }
  if (nameParts.length) entry.name = utf8(nameParts);
  return entry;
}

/** POSIX names are bytes; Linux writers store UTF-8. Parts are joined before decoding. */
function utf8(parts: Uint8Array[]): string {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return new TextDecoder('utf-8').decode(all);
}
