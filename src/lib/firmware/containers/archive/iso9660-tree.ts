/**
 * Every file of an ISO 9660 directory tree with its path, named the way the tree's writer meant:
 * plain ISO names (8.3 and `;1`), Joliet's UCS-2 names, or Rock Ridge's POSIX names. A directory
 * is read once: a tree whose records lead back to a directory already read is an error.
 */
import type { ByteView } from '../../bytes/view';
import { FirmwareError } from '../../errors';
import {
  isoError,
  isSelfOrParent,
  readRecord,
  ReadLimit,
  SECTOR,
  WHERE,
  type DirectoryRecord,
  type Extent,
} from './iso9660-records';
import { rockRidgeEntry } from './rock-ridge';

/** Paths deeper than this are not a CD's (ISO 9660 allows 8 levels, Rock Ridge moves deeper ones). */
const MAX_DIRECTORY_DEPTH = 64;

export interface IsoFile extends Extent {
  path: string;
}

/** Which names a tree's records carry. */
export type IsoNames =
  | { kind: 'iso' }
  | { kind: 'joliet' }
  /** `skip`: bytes before the SUSP entries in each system use area (SP's LEN_SKP). */
  | { kind: 'rock-ridge'; skip: number };

/** A file identifier without its version (`;1`) and the dot of an empty extension. */
function withoutVersion(name: string): string {
  return name.replace(/;\d+$/, '').replace(/\.$/, '');
}

function ucs2be(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i] << 8) | b[i + 1]);
  return s;
}

/** What one record is in the listing: a file, a directory to walk, or nothing to show. */
type Listed =
  | { is: 'file'; name: string; extent: Extent }
  | { is: 'directory'; name: string; extent: Extent }
  | { is: 'hidden' };

function listed(v: ByteView, r: DirectoryRecord, names: IsoNames, limit: ReadLimit): Listed {
  if (names.kind === 'joliet') {
    const name = withoutVersion(ucs2be(r.rawName));
    return { is: r.directory ? 'directory' : 'file', name, extent: r.extent };
  }
  const isoName = withoutVersion(String.fromCharCode(...r.rawName));
  if (names.kind === 'iso')
    return { is: r.directory ? 'directory' : 'file', name: isoName, extent: r.extent };
  const rr = rockRidgeEntry(v, r, names.skip, limit);
  // A moved directory is listed at its placeholder; a link has no bytes of its own.
  if (rr.moved || rr.symlink) return { is: 'hidden' };
  // An empty NM names nothing: keep the ISO name.
  const name = rr.name || isoName;
  if (rr.movedDirectory) return { is: 'directory', name, extent: rr.movedDirectory };
  return { is: r.directory ? 'directory' : 'file', name, extent: r.extent };
}

/** Every file under `root`, in the order the directories list them, with its path. */
export function listFiles(v: ByteView, root: Extent, names: IsoNames): IsoFile[] {
  const out: IsoFile[] = [];
  const limit = new ReadLimit(v);
  const read = new Set<number>();
  const walk = (dir: Extent, prefix: string, depth: number) => {
    if (depth > MAX_DIRECTORY_DEPTH) throw isoError(v, 'directories nest too deep', dir.at);
    if (dir.at + dir.size > v.length)
      throw new FirmwareError(
        'truncated',
        `ISO 9660 directory ${prefix || '/'} lies past the end`,
        { offset: v.base + dir.at, path: WHERE },
      );
    if (read.has(dir.at))
      throw isoError(v, `directory ${prefix} leads back to a directory already read`, dir.at);
    read.add(dir.at);
    limit.take(dir.size, dir.at);
    for (let at = dir.at; at < dir.at + dir.size;) {
      const length = v.u8(at);
      // Records do not cross sectors: a zero length means the rest of this sector is empty.
      if (length === 0) {
        at = (Math.floor(at / SECTOR) + 1) * SECTOR;
        continue;
      }
      if ((at % SECTOR) + length > SECTOR)
        throw isoError(v, 'a directory record crosses the end of its sector', at);
      const r = readRecord(v, at);
      at += length;
      if (isSelfOrParent(r)) continue;
      const entry = listed(v, r, names, limit);
      if (entry.is === 'directory') walk(entry.extent, `${prefix}${entry.name}/`, depth + 1);
      else if (entry.is === 'file') out.push({ path: prefix + entry.name, ...entry.extent });
    }
  };
  walk(root, '', 0);
  return out;
}
