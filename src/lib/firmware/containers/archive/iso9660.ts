/**
 * ISO 9660 CD images (ECMA-119: volume descriptors from sector 16, directory records) and their
 * El Torito boot image (the boot record's catalog, its initial entry): the files of the CD and
 * the emulated floppy or hard disk a BIOS-update CD boots, whose FAT files the registry reads.
 */
import { ByteView } from '../../bytes/view';
import { FirmwareError } from '../../errors';
import type { ParseContext } from '../../tree/context';
import type { FirmwareNode } from '../../tree/node';
import type { FirmwareFormat, KindGuess } from '../format';
import { asciiAt } from '../util';
import { addArchive, type ArchiveFile } from './entries';

const SECTOR = 2048;
const FIRST_DESCRIPTOR = 16;
const WHERE = 'ISO 9660 image';
const MAX_DIRECTORY_DEPTH = 16;
/** El Torito media types: the emulated floppy sizes; 4 is a hard disk, 0 no emulation. */
const FLOPPY_BYTES: Record<number, number> = { 1: 1228800, 2: 1474560, 3: 2949120 };

function bad(what: string, offset?: number): FirmwareError {
  return new FirmwareError('bad-format', `ISO 9660: ${what}`, { offset, path: WHERE });
}

interface Extent {
  at: number;
  size: number;
}

interface IsoFile extends Extent {
  path: string;
}

/** A directory record's extent, flags and name (without the `;1` version). */
function readRecord(v: ByteView, at: number) {
  const length = v.u8(at);
  const nameLength = v.u8(at + 32);
  const raw = v.slice(at + 33, nameLength, 'ISO 9660 file name');
  let name = String.fromCharCode(...raw)
    .replace(/;\d+$/, '')
    .replace(/\.$/, '');
  if (nameLength === 1 && raw[0] <= 1) name = raw[0] === 0 ? '.' : '..';
  return {
    length,
    extent: { at: v.u32(at + 2) * SECTOR, size: v.u32(at + 10) },
    directory: (v.u8(at + 25) & 0x02) !== 0,
    name,
  };
}

function listDirectory(v: ByteView, dir: Extent, prefix: string, depth: number, out: IsoFile[]) {
  if (depth > MAX_DIRECTORY_DEPTH) throw bad('directories nest too deep');
  if (dir.at + dir.size > v.length)
    throw new FirmwareError('truncated', `ISO 9660 directory ${prefix || '/'} lies past the end`, {
      offset: dir.at,
      path: WHERE,
    });
  for (let at = dir.at; at < dir.at + dir.size;) {
    const length = v.u8(at);
    // Records do not cross sectors: a zero length means the rest of this sector is empty.
    if (length === 0) {
      at = (Math.floor(at / SECTOR) + 1) * SECTOR;
      continue;
    }
    const r = readRecord(v, at);
    at += length;
    if (r.name === '.' || r.name === '..') continue;
    if (r.directory) listDirectory(v, r.extent, `${prefix}${r.name}/`, depth + 1, out);
    else out.push({ path: prefix + r.name, ...r.extent });
  }
}

/** The El Torito initial entry's image, as the catalog names it. */
function bootImage(v: ByteView, catalogAt: number): IsoFile | undefined {
  if (v.u8(catalogAt) !== 0x01 || v.u8(catalogAt + 30) !== 0x55 || v.u8(catalogAt + 31) !== 0xaa)
    throw bad('the El Torito boot catalog has no validation entry', catalogAt);
  const entry = catalogAt + 32;
  if (v.u8(entry) !== 0x88) return undefined; // not bootable
  const media = v.u8(entry + 1) & 0x0f;
  const at = v.u32(entry + 8) * SECTOR;
  let size: number;
  let kind: string;
  if (FLOPPY_BYTES[media]) {
    size = FLOPPY_BYTES[media];
    kind = 'floppy';
  } else if (media === 4) {
    // The emulated disk ends where its partition ends.
    const part = at + 0x1be;
    size = (v.u32(part + 8) + v.u32(part + 12)) * 512;
    kind = 'hard disk';
  } else {
    size = v.u16(entry + 6) * 512;
    kind = 'no emulation';
  }
  return { path: `[El Torito ${kind} image]`, at, size };
}

function probeIso(b: Uint8Array): KindGuess | undefined {
  if (!asciiAt(b, FIRST_DESCRIPTOR * SECTOR + 1, 'CD001')) return undefined;
  return { kind: 'archive', label: 'ISO 9660 CD image', offset: 0 };
}

async function openIso(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  if (!probeIso(bytes)) return false;
  const v = new ByteView(bytes, abs ?? 0);
  let root: Extent | undefined;
  let boot: IsoFile | undefined;
  for (let s = FIRST_DESCRIPTOR; s < FIRST_DESCRIPTOR + 64; s++) {
    const at = s * SECTOR;
    if (!asciiAt(bytes, at + 1, 'CD001')) throw bad('the volume descriptors are damaged', at);
    const type = v.u8(at);
    if (type === 255) break;
    if (type === 1 && !root) root = readRecord(v, at + 156).extent;
    if (type === 0 && asciiAt(bytes, at + 7, 'EL TORITO SPECIFICATION'))
      boot = bootImage(v, v.u32(at + 0x47) * SECTOR);
  }
  if (!root) throw bad('there is no primary volume descriptor');
  const listed: IsoFile[] = [];
  listDirectory(v, root, '', 0, listed);
  // mkisofs also lists the boot image as a file; vendors' CDs usually hide it.
  if (boot && !listed.some((f) => f.at === boot.at)) listed.push(boot);
  ctx.budget.checkEntries(listed.length, { offset: abs, path: WHERE });
  const files: ArchiveFile[] = listed.map((f) => {
    const where = { offset: f.at, path: `ISO 9660 entry ${f.path}` };
    if (f.at + f.size > bytes.length)
      throw new FirmwareError('truncated', `${f.path} lies past the end of the image`, where);
    const raw = bytes.subarray(f.at, f.at + f.size);
    return {
      data: {
        is: 'archive-entry',
        path: f.path,
        method: 'stored',
        storedSize: f.size,
        size: f.size,
      },
      raw,
      offset: f.at,
      headerSize: 0,
      inPlace: true,
      expands: false,
      read: () => raw,
    };
  });
  await addArchive(
    parent,
    bytes,
    base,
    abs,
    ctx,
    {
      type: 'ISO 9660 CD image',
      data: { is: 'archive', format: 'ISO 9660', entries: files.length, archiveOffset: 0 },
    },
    files,
  );
  return true;
}

export const isoFormat: FirmwareFormat = {
  name: 'iso9660',
  probe: probeIso,
  open: openIso,
};
