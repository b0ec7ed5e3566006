/**
 * ISO 9660 directory records (ECMA-119 9.1) and the bounds every walk of them keeps: a record
 * fits its sector and holds its name; directories and Rock Ridge continuation areas together
 * are read no more than once over.
 */
import type { ByteView } from '../../bytes/view';
import { FirmwareError } from '../../errors';

export const SECTOR = 2048;
export const WHERE = 'ISO 9660 image';

/** An ISO 9660 error at `at` in `v` (its offset in the input file, when known). */
export function isoError(v: ByteView, what: string, at?: number): FirmwareError {
  return new FirmwareError('bad-format', `ISO 9660: ${what}`, {
    offset: at === undefined ? undefined : v.base + at,
    path: WHERE,
  });
}

export interface Extent {
  at: number;
  size: number;
}

export interface DirectoryRecord {
  /** Where the record starts in the image. */
  at: number;
  length: number;
  extent: Extent;
  directory: boolean;
  /** The file identifier as stored: d-characters, UCS-2 (Joliet), or 0/1 for `.` and `..`. */
  rawName: Uint8Array;
  /** Where its system use area (SUSP entries, e.g. Rock Ridge) lies: [at, end). */
  systemUse: Extent;
}

export function readRecord(v: ByteView, at: number): DirectoryRecord {
  const length = v.u8(at, 'ISO 9660 directory record');
  const nameLength = v.u8(at + 32, 'ISO 9660 directory record');
  if (length < 34 || 33 + nameLength > length)
    throw isoError(
      v,
      `a ${length}-byte directory record cannot hold a ${nameLength}-byte name`,
      at,
    );
  v.slice(at, length, 'ISO 9660 directory record');
  // The name is padded to an even length, so the system use area starts on an even byte.
  const suaAt = at + 33 + nameLength + (nameLength % 2 === 0 ? 1 : 0);
  return {
    at,
    length,
    extent: { at: v.u32(at + 2) * SECTOR, size: v.u32(at + 10) },
    directory: (v.u8(at + 25) & 0x02) !== 0,
    rawName: v.slice(at + 33, nameLength, 'ISO 9660 file name'),
    systemUse: { at: suaAt, size: Math.max(0, at + length - suaAt) },
  };
}

/** The `.` and `..` records every directory starts with (a name of one byte, 0 or 1). */
export function isSelfOrParent(r: DirectoryRecord): boolean {
  return r.rawName.length === 1 && r.rawName[0] <= 1;
}

/**
 * How many bytes of directories and continuation areas a walk may still read. In a well-formed
 * image they never overlap, so together they fit in the image; more means records point at the
 * same bytes over and over, and the walk stops instead of running on.
 */
export class ReadLimit {
  private left: number;

  constructor(private readonly v: ByteView) {
    this.left = v.length;
  }

  take(size: number, at: number): void {
    if (at + size > this.v.length)
      throw new FirmwareError(
        'truncated',
        `ISO 9660: ${size} bytes of directory data at 0x${(this.v.base + at).toString(16)} lie past the end`,
        { offset: this.v.base + at, path: WHERE },
      );
    this.left -= size;
    if (this.left < 0)
      throw isoError(
        this.v,
        'directories and continuation areas add up to more than the image (records point at the same data over and over)',
        at,
      );
  }
}
