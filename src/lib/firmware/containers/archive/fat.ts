/**
 * FAT12/FAT16 file systems (Microsoft's FAT specification: the BIOS parameter block, the file
 * allocation table, 32-byte directory entries with long names before them), bare as a floppy
 * image or in the first partition of a disk image (an MBR) — what BIOS-update CDs boot from.
 */
import { ByteView } from '../../bytes/view';
import { FirmwareError } from '../../errors';
import type { ParseContext } from '../../tree/context';
import type { FirmwareNode } from '../../tree/node';
import type { FirmwareFormat, KindGuess } from '../format';
import { addArchive, type ArchiveFile } from './entries';

const WHERE = 'FAT file system';
/** FAT partition types: FAT12, FAT16 < 32 MiB, FAT16, FAT16 LBA. */
const FAT_PARTITIONS = new Set([0x01, 0x04, 0x06, 0x0e]);
const MAX_DIRECTORY_DEPTH = 16;

interface Volume {
  b: Uint8Array;
  v: ByteView;
  bytesPerSector: number;
  clusterBytes: number;
  fatAt: number;
  rootAt: number;
  rootBytes: number;
  dataAt: number;
  clusters: number;
  fat12: boolean;
}

/** The BIOS parameter block at the start of `b`, when it is one of a FAT12/16 volume. */
function readBpb(b: Uint8Array): Volume | undefined {
  if (b.length < 512 || b[510] !== 0x55 || b[511] !== 0xaa) return undefined;
  if (b[0] !== 0xeb && b[0] !== 0xe9) return undefined;
  const v = new ByteView(b);
  const bps = v.u16(0x0b);
  const spc = v.u8(0x0d);
  const reserved = v.u16(0x0e);
  const fats = v.u8(0x10);
  const rootEntries = v.u16(0x11);
  const total = v.u16(0x13) || v.u32(0x20);
  const spf = v.u16(0x16);
  if (![512, 1024, 2048, 4096].includes(bps) || !spc || spc & (spc - 1)) return undefined;
  if (!reserved || fats < 1 || fats > 2 || !spf || !rootEntries) return undefined;
  const rootSectors = Math.ceil((rootEntries * 32) / bps);
  const dataSector = reserved + fats * spf + rootSectors;
  if (total <= dataSector) return undefined;
  const clusters = Math.floor((total - dataSector) / spc);
  if (clusters >= 65525) return undefined; // FAT32
  return {
    b,
    v,
    bytesPerSector: bps,
    clusterBytes: bps * spc,
    fatAt: reserved * bps,
    rootAt: (reserved + fats * spf) * bps,
    rootBytes: rootEntries * 32,
    dataAt: dataSector * bps,
    clusters,
    fat12: clusters < 4085,
  };
}

/** Where the FAT volume starts: 0 for a bare volume, the first FAT partition of an MBR. */
function volumeStart(b: Uint8Array): number {
  if (readBpb(b)) return 0;
  if (b.length < 512 || b[510] !== 0x55 || b[511] !== 0xaa) return -1;
  const v = new ByteView(b);
  for (let i = 0; i < 4; i++) {
    const e = 0x1be + i * 16;
    if (!FAT_PARTITIONS.has(b[e + 4])) continue;
    const at = v.u32(e + 8) * 512;
    if (at > 0 && at < b.length && readBpb(b.subarray(at))) return at;
  }
  return -1;
}

function nextCluster(fs: Volume, c: number): number {
  if (fs.fat12) {
    const at = fs.fatAt + c + (c >> 1);
    const pair = fs.v.u16(at, 'FAT entry');
    return c & 1 ? pair >> 4 : pair & 0xfff;
  }
  return fs.v.u16(fs.fatAt + c * 2, 'FAT entry');
}

/** The bytes of a cluster chain, at most `size` of them (directories: all). */
function readChain(fs: Volume, first: number, size: number, name: string): Uint8Array {
  const end = fs.fat12 ? 0xff8 : 0xfff8;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let c = first, n = 0; c >= 2 && c < end && total < size; c = nextCluster(fs, c), n++) {
    if (c - 2 >= fs.clusters || n > fs.clusters) {
      throw new FirmwareError('bad-format', `${name}: its cluster chain is damaged`, {
        path: `FAT entry ${name}`,
      });
    }
    const at = fs.dataAt + (c - 2) * fs.clusterBytes;
    const part = fs.v.slice(at, Math.min(fs.clusterBytes, size - total), `${name} data`);
    parts.push(part);
    total += part.length;
  }
  if (total < size && size !== Infinity) {
    throw new FirmwareError('truncated', `${name}: its cluster chain ends before its size`, {
      path: `FAT entry ${name}`,
    });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface FatFile {
  path: string;
  cluster: number;
  size: number;
}

/** Long-name pieces sit before their short entry, last piece first. */
function longNamePart(e: Uint8Array): string {
  let s = '';
  for (const [from, count] of [
    [1, 5],
    [14, 6],
    [28, 2],
  ]) {
    for (let i = 0; i < count; i++) {
      const c = e[from + i * 2] | (e[from + i * 2 + 1] << 8);
      if (c === 0 || c === 0xffff) return s;
      s += String.fromCharCode(c);
    }
  }
  return s;
}

function shortName(e: Uint8Array): string {
  const text = (from: number, n: number) =>
    String.fromCharCode(...e.subarray(from, from + n)).trimEnd();
  const ext = text(8, 3);
  return ext ? `${text(0, 8)}.${ext}` : text(0, 8);
}

function listDirectory(fs: Volume, dir: Uint8Array, prefix: string, depth: number, out: FatFile[]) {
  if (depth > MAX_DIRECTORY_DEPTH)
    throw new FirmwareError('bad-format', 'FAT directories nest too deep', { path: WHERE });
  let long: string[] = [];
  for (let at = 0; at + 32 <= dir.length; at += 32) {
    const e = dir.subarray(at, at + 32);
    if (e[0] === 0) break;
    if (e[0] === 0xe5) {
      long = [];
      continue;
    }
    const attr = e[11];
    if (attr === 0x0f) {
      long.unshift(longNamePart(e));
      continue;
    }
    const name = long.length ? long.join('') : shortName(e);
    long = [];
    if (attr & 0x08 || name === '.' || name === '..') continue;
    const cluster = e[26] | (e[27] << 8);
    const size = (e[28] | (e[29] << 8) | (e[30] << 16) | (e[31] << 24)) >>> 0;
    if (attr & 0x10) {
      const sub = readChain(fs, cluster, Infinity, prefix + name);
      listDirectory(fs, sub, `${prefix}${name}/`, depth + 1, out);
    } else out.push({ path: prefix + name, cluster, size });
  }
}

function probeFat(b: Uint8Array): KindGuess | undefined {
  const at = volumeStart(b);
  if (at < 0) return undefined;
  return {
    kind: 'archive',
    label: at ? 'Disk image (FAT partition)' : 'FAT file system image',
    offset: at,
  };
}

async function openFat(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  const at = volumeStart(bytes);
  if (at < 0) return false;
  const fs = readBpb(bytes.subarray(at))!;
  const listed: FatFile[] = [];
  listDirectory(fs, fs.v.slice(fs.rootAt, fs.rootBytes, 'FAT root directory'), '', 0, listed);
  ctx.budget.checkEntries(listed.length, { offset: abs, path: WHERE });
  const files: ArchiveFile[] = listed.map((f) => ({
    data: { is: 'archive-entry', path: f.path, method: 'stored', storedSize: f.size, size: f.size },
    raw: new Uint8Array(),
    offset: -1,
    headerSize: 0,
    inPlace: false,
    expands: true,
    read: () => readChain(fs, f.cluster, f.size, f.path),
  }));
  await addArchive(
    parent,
    bytes,
    base,
    abs,
    ctx,
    {
      type: fs.fat12 ? 'FAT12 file system' : 'FAT16 file system',
      data: { is: 'archive', format: 'FAT', entries: files.length, archiveOffset: at },
    },
    files,
  );
  return true;
}

export const fatFormat: FirmwareFormat = {
  name: 'fat',
  probe: probeFat,
  open: openFat,
};
