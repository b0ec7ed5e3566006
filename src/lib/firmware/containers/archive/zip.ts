/**
 * ZIP archives (PKWARE APPNOTE 6.3): the central directory at the end lists every entry with its
 * sizes and CRC-32 (so entries written with data descriptors need nothing else), ZIP64 records
 * where sizes or counts overflow, stored and deflated entries. A self-extracting ZIP (a stub
 * before the archive) is read too: offsets are shifted by where the directory actually lies.
 */
import { inflateSync } from 'fflate';
import { ByteView } from '../../bytes/view';
import { FirmwareError } from '../../errors';
import type { ParseContext } from '../../tree/context';
import type { FirmwareNode } from '../../tree/node';
import type { FirmwareFormat, KindGuess } from '../format';
import { asciiAt } from '../util';
import { addArchive, entryWhere, type ArchiveFile } from './entries';

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const ZIP64_END_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const END_SIZE = 22;
const ZIP64_EXTRA = 0x0001;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
/** APPNOTE 4.4.5, for messages about methods we do not read. */
const METHOD_NAMES: Record<number, string> = {
  1: 'shrink',
  6: 'implode',
  9: 'deflate64',
  12: 'bzip2',
  14: 'LZMA',
  93: 'Zstandard',
  95: 'xz',
  98: 'PPMd',
  99: 'AES encryption',
};

interface EndRecord {
  /** Where the end-of-central-directory record lies. */
  at: number;
  entries: number;
  cdSize: number;
  cdOffset: number;
  /** Where offset 0 of the archive lies in the bytes (a self-extractor's stub before it). */
  shift: number;
}

/** The last end-of-central-directory record whose comment reaches the end of the bytes. */
function findEnd(b: Uint8Array): number {
  const v = new ByteView(b);
  const lowest = Math.max(0, b.length - END_SIZE - 0xffff);
  for (let i = b.length - END_SIZE; i >= lowest; i--) {
    if (b[i] === 0x50 && b[i + 1] === 0x4b && v.u32(i) === END_SIG) {
      if (i + END_SIZE + v.u16(i + 20) <= b.length) return i;
    }
  }
  return -1;
}

function readEnd(b: Uint8Array, at: number): EndRecord {
  const v = new ByteView(b);
  if (v.u16(at + 4) !== 0 || v.u16(at + 6) !== 0) {
    throw new FirmwareError(
      'unsupported',
      'this ZIP archive is split across several files (a multi-part download); join the parts with 7-Zip first',
      { offset: at },
    );
  }
  let entries = v.u16(at + 10);
  let cdSize = v.u32(at + 12);
  let cdOffset = v.u32(at + 16);
  let endOfCd = at;
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = at - 20;
    if (loc >= 0 && v.u32(loc) === ZIP64_LOCATOR_SIG) {
      // The locator gives the ZIP64 record's offset from the archive start; a stub shifts it.
      const stated = v.u64(loc + 8, 'ZIP64 end record offset');
      const size = 56;
      const found =
        v.has(stated, size) && v.u32(stated) === ZIP64_END_SIG ? stated : findZip64End(b, loc);
      if (found < 0)
        throw new FirmwareError('bad-format', 'the ZIP64 end record is missing', { offset: loc });
      entries = v.u64(found + 32, 'ZIP64 entry count');
      cdSize = v.u64(found + 40, 'ZIP64 directory size');
      cdOffset = v.u64(found + 48, 'ZIP64 directory offset');
      endOfCd = found;
    }
  }
  const shift = endOfCd - cdSize - cdOffset;
  if (shift < 0) {
    throw new FirmwareError(
      'truncated',
      `the ZIP central directory (${cdSize} bytes at 0x${cdOffset.toString(16)}) does not fit before its end record`,
      { offset: at },
    );
  }
  return { at, entries, cdSize, cdOffset, shift };
}

/** The ZIP64 end record just before its locator, when the locator's offset is off by a stub. */
function findZip64End(b: Uint8Array, loc: number): number {
  const v = new ByteView(b);
  for (let i = loc - 56; i >= Math.max(0, loc - 0x10000); i--)
    if (v.u32(i) === ZIP64_END_SIG) return i;
  return -1;
}

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  directory: boolean;
}

function decodeName(raw: Uint8Array, utf8: boolean): string {
  if (utf8) return new TextDecoder().decode(raw);
  // IBM 437 in theory; vendors' names are ASCII, other bytes are shown as Latin-1.
  let s = '';
  for (const c of raw) s += String.fromCharCode(c);
  return s;
}

function readCentral(b: Uint8Array, end: EndRecord): CentralEntry[] {
  const v = new ByteView(b);
  const out: CentralEntry[] = [];
  let p = end.cdOffset + end.shift;
  for (let n = 0; n < end.entries; n++) {
    if (!v.has(p, 46) || v.u32(p) !== CENTRAL_SIG) {
      throw new FirmwareError(
        'bad-format',
        `ZIP central directory entry ${n + 1} of ${end.entries} is damaged`,
        { offset: p },
      );
    }
    const flags = v.u16(p + 8);
    const nameLen = v.u16(p + 28);
    const extraLen = v.u16(p + 30);
    const commentLen = v.u16(p + 32);
    const name = decodeName(v.slice(p + 46, nameLen, 'ZIP entry name'), (flags & FLAG_UTF8) !== 0);
    const e: CentralEntry = {
      name,
      flags,
      method: v.u16(p + 10),
      crc: v.u32(p + 16),
      compressedSize: v.u32(p + 20),
      size: v.u32(p + 24),
      localOffset: v.u32(p + 42),
      directory: name.endsWith('/') || name.endsWith('\\'),
    };
    readZip64Extra(v.view(p + 46 + nameLen, extraLen, 'ZIP extra field'), e);
    out.push(e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** ZIP64 extended information: 64-bit values for exactly the fields saturated at 0xFFFFFFFF. */
function readZip64Extra(extra: ByteView, e: CentralEntry): void {
  for (let q = 0; q + 4 <= extra.length;) {
    const id = extra.u16(q);
    const len = extra.u16(q + 2);
    if (id === ZIP64_EXTRA) {
      let r = q + 4;
      const next = (what: string) => {
        const value = extra.u64(r, what);
        r += 8;
        return value;
      };
      if (e.size === 0xffffffff) e.size = next('ZIP64 size');
      if (e.compressedSize === 0xffffffff) e.compressedSize = next('ZIP64 compressed size');
      if (e.localOffset === 0xffffffff) e.localOffset = next('ZIP64 local header offset');
      return;
    }
    q += 4 + len;
  }
}

function methodName(method: number): string {
  if (method === METHOD_STORED) return 'stored';
  if (method === METHOD_DEFLATE) return 'deflate';
  return METHOD_NAMES[method] ?? `method ${method}`;
}

/** An entry's local header and data, as the central directory places them. */
function fileOf(b: Uint8Array, e: CentralEntry, shift: number): ArchiveFile {
  const v = new ByteView(b);
  const at = e.localOffset + shift;
  const where = { offset: at, path: entryWhere('ZIP', e.name) };
  if (e.flags & FLAG_ENCRYPTED || e.method === 99) {
    throw new FirmwareError(
      'unsupported',
      `${e.name} is encrypted in this ZIP archive; extract it with the password (7-Zip), then open the BIOS image`,
      where,
    );
  }
  if (e.method !== METHOD_STORED && e.method !== METHOD_DEFLATE) {
    throw new FirmwareError(
      'unsupported',
      `${e.name} is compressed with ${methodName(e.method)}, which this reader does not expand; extract it with 7-Zip`,
      where,
    );
  }
  if (!v.has(at, 30) || v.u32(at) !== LOCAL_SIG) {
    throw new FirmwareError(
      'bad-format',
      `${e.name}: its local header is missing or damaged`,
      where,
    );
  }
  const headerSize = 30 + v.u16(at + 26) + v.u16(at + 28);
  if (!v.has(at + headerSize, e.compressedSize)) {
    throw new FirmwareError(
      'truncated',
      `${e.name}: its ${e.compressedSize} stored bytes run past the end of the archive`,
      where,
    );
  }
  const raw = b.subarray(at, at + headerSize + e.compressedSize);
  const stored = raw.subarray(headerSize);
  const stays = e.method === METHOD_STORED;
  return {
    data: {
      is: 'archive-entry',
      path: e.name,
      method: methodName(e.method),
      storedSize: e.compressedSize,
      size: e.size,
      crc32: e.crc,
    },
    raw,
    offset: at,
    headerSize,
    inPlace: stays,
    expands: !stays,
    read: () => (stays ? stored : inflateEntry(stored, e, where)),
  };
}

/** Raw DEFLATE into a buffer one byte larger than declared, so more output shows as more. */
function inflateEntry(
  stored: Uint8Array,
  e: CentralEntry,
  where: { offset: number; path: string },
): Uint8Array {
  let out: Uint8Array;
  try {
    out = inflateSync(stored, { out: new Uint8Array(e.size + 1) });
  } catch (err) {
    throw new FirmwareError(
      'decompress',
      `${e.name}: its deflate data is damaged (${err instanceof Error ? err.message : String(err)})`,
      { ...where, cause: err },
    );
  }
  if (out.length > e.size) {
    throw new FirmwareError(
      'bad-format',
      `${e.name} expands past the ${e.size} bytes the archive declares`,
      where,
    );
  }
  return out;
}

/** The archive's end record, when `b` is a ZIP (at 0 or after a self-extractor's stub). */
function zipEnd(b: Uint8Array): number {
  const startsAsZip = asciiAt(b, 0, 'PK\x03\x04') || asciiAt(b, 0, 'PK\x05\x06');
  if (!startsAsZip && !asciiAt(b, 0, 'MZ')) return -1;
  const end = findEnd(b);
  if (end < 0 || startsAsZip) return end;
  // An executable is a self-extractor only when the directory leads back to a local header.
  try {
    const rec = readEnd(b, end);
    const first = readCentral(b, { ...rec, entries: Math.min(rec.entries, 1) })[0];
    return first === undefined || asciiAt(b, first.localOffset + rec.shift, 'PK\x03\x04')
      ? end
      : -1;
  } catch (e) {
    if (e instanceof FirmwareError) return -1;
    throw e;
  }
}

function probeZip(b: Uint8Array): KindGuess | undefined {
  const end = zipEnd(b);
  if (end < 0) return undefined;
  if (asciiAt(b, 0, 'MZ'))
    return { kind: 'archive', label: 'Self-extracting ZIP archive', offset: 0 };
  return { kind: 'archive', label: 'ZIP archive', offset: 0 };
}

async function openZip(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  const at = zipEnd(bytes);
  if (at < 0) return false;
  const end = readEnd(bytes, at);
  ctx.budget.checkEntries(end.entries, { offset: abs, path: 'ZIP archive' });
  const entries = readCentral(bytes, end).filter((e) => !e.directory);
  const files = entries.map((e) => fileOf(bytes, e, end.shift));
  const sfx = asciiAt(bytes, 0, 'MZ');
  await addArchive(
    parent,
    bytes,
    base,
    abs,
    ctx,
    {
      type: sfx ? 'self-extracting ZIP archive' : 'ZIP archive',
      data: { is: 'archive', format: 'ZIP', entries: files.length, archiveOffset: end.shift },
    },
    files,
  );
  return true;
}

export const zipFormat: FirmwareFormat = {
  name: 'zip',
  probe: probeZip,
  open: openZip,
};
