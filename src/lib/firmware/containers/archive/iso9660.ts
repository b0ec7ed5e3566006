/**
 * ISO 9660 CD images (ECMA-119: volume descriptors from sector 16, directory records) and their
 * El Torito boot image (the boot record's catalog, its initial entry): the files of the CD and
 * the emulated floppy or hard disk a BIOS-update CD boots, whose FAT files the registry reads.
 * Files carry their long names: Rock Ridge's in the primary tree when it has them (full POSIX
 * names, as Linux reads them), else the Joliet tree's (UCS-2, 64 characters at most), else the
 * plain ISO names.
 */
import { ByteView } from '../../bytes/view';
import { FirmwareError } from '../../errors';
import type { ParseContext } from '../../tree/context';
import type { FirmwareNode } from '../../tree/node';
import type { FirmwareFormat, KindGuess } from '../format';
import { asciiAt } from '../util';
import { addArchive, type ArchiveFile } from './entries';
import { isoError, readRecord, SECTOR, WHERE, type Extent } from './iso9660-records';
import { listFiles, type IsoFile, type IsoNames } from './iso9660-tree';
import { suspSkip } from './rock-ridge';

const FIRST_DESCRIPTOR = 16;
/** El Torito media types: the emulated floppy sizes; 4 is a hard disk, 0 no emulation. */
const FLOPPY_BYTES: Record<number, number> = { 1: 1228800, 2: 1474560, 3: 2949120 };
/** A supplementary volume descriptor is Joliet when its escape sequences name UCS-2 level 1–3. */
const JOLIET_ESCAPES = ['%/@', '%/C', '%/E'];

/** The El Torito initial entry's image, as the catalog names it. */
function bootImage(v: ByteView, catalogAt: number): IsoFile | undefined {
  if (v.u8(catalogAt) !== 0x01 || v.u8(catalogAt + 30) !== 0x55 || v.u8(catalogAt + 31) !== 0xaa)
    throw isoError(v, 'the El Torito boot catalog has no validation entry', catalogAt);
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

/** What the volume descriptors point at: the primary and Joliet trees, the boot image. */
interface Volume {
  primary?: Extent;
  joliet?: Extent;
  boot?: IsoFile;
}

function readDescriptors(v: ByteView, bytes: Uint8Array): Volume {
  const volume: Volume = {};
  for (let s = FIRST_DESCRIPTOR; s < FIRST_DESCRIPTOR + 64; s++) {
    const at = s * SECTOR;
    if (!asciiAt(bytes, at + 1, 'CD001'))
      throw isoError(v, 'the volume descriptors are damaged', at);
    const type = v.u8(at);
    if (type === 255) break;
    if (type === 1 && !volume.primary) volume.primary = readRecord(v, at + 156).extent;
    if (type === 2 && !volume.joliet && JOLIET_ESCAPES.some((e) => asciiAt(bytes, at + 88, e)))
      volume.joliet = readRecord(v, at + 156).extent;
    if (type === 0 && asciiAt(bytes, at + 7, 'EL TORITO SPECIFICATION'))
      volume.boot = bootImage(v, v.u32(at + 0x47) * SECTOR);
  }
  return volume;
}

/** The tree to list and the names it carries (see the module comment for the order). */
function chooseTree(v: ByteView, volume: Volume): { root: Extent; names: IsoNames } {
  const primary = volume.primary;
  if (!primary) throw isoError(v, 'there is no primary volume descriptor');
  const skip = suspSkip(v, primary);
  if (skip !== undefined) return { root: primary, names: { kind: 'rock-ridge', skip } };
  if (volume.joliet) return { root: volume.joliet, names: { kind: 'joliet' } };
  return { root: primary, names: { kind: 'iso' } };
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
  const volume = readDescriptors(v, bytes);
  const { root, names } = chooseTree(v, volume);
  const listed = listFiles(v, root, names);
  const boot = volume.boot;
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
