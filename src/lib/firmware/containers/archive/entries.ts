/**
 * What every archive reader (ZIP, 7z, disk images) shares: one package node for the archive,
 * one child per file, each file's contents handed to `ctx.parseBody` below it, and the limits
 * that keep a small archive from expanding without bound.
 */
import { absAt } from '../../bytes/offsets';
import { crc32 } from '../../bytes/checksum';
import { FirmwareError, hex } from '../../errors';
import type { ArchiveData, ArchiveEntryData } from '../../tree/data';
import type { ParseContext } from '../../tree/context';
import { addChild, makeNode, type FirmwareNode } from '../../tree/node';

/** One file of an archive as its reader lists it, before its contents are read. */
export interface ArchiveFile {
  data: ArchiveEntryData;
  /** The entry's bytes in the archive (header included), when it has its own range. */
  raw: Uint8Array;
  /** Where `raw` starts in the package's bytes; -1 for files of a decoded (solid) block. */
  offset: number;
  headerSize: number;
  /** The contents, checked against `data.crc32` by the caller. */
  read(): Uint8Array;
  /** True when `read()` returns bytes of the input itself (their file offset is known). */
  inPlace: boolean;
  /** True when `read()` allocates `data.size` bytes the budget has not seen yet. */
  expands: boolean;
}

/** How many archives enclose `node` (itself included). */
function archiveDepth(node: FirmwareNode): number {
  let d = 0;
  for (let n: FirmwareNode | undefined = node; n; n = n.parent) if (n.data.is === 'archive') d++;
  return d;
}

/** A path for errors: the archive's kind and the entry's name. */
export function entryWhere(format: string, path: string): string {
  return `${format} entry ${path}`;
}

/**
 * Adds the package node for an archive, then one node per file with its contents parsed below
 * it. Limits (entry count, each entry's size, the total expanded, nesting) are checked before
 * anything is expanded; a wrong CRC-32 is an error naming the entry.
 */
export async function addArchive(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
  pkg: { type: string; data: ArchiveData; headerSize?: number },
  files: ArchiveFile[],
): Promise<FirmwareNode> {
  const format = pkg.data.format;
  ctx.budget.checkEntries(files.length, { offset: abs, path: `${format} archive` });
  ctx.budget.checkArchiveDepth(archiveDepth(parent) + 1, { offset: abs });
  ctx.budget.takeNode({ offset: abs });
  const node = addChild(
    parent,
    makeNode({
      kind: 'capsule',
      type: pkg.type,
      offset: base,
      raw: bytes,
      headerSize: pkg.headerSize ?? 0,
      data: pkg.data,
      absOffset: abs,
    }),
  );
  for (const f of files) {
    const where = {
      offset: absAt(abs, Math.max(0, f.offset)),
      path: entryWhere(format, f.data.path),
    };
    ctx.budget.checkEntrySize(f.data.size, where);
    if (f.expands) ctx.budget.takeDecompressed(f.data.size, where);
    ctx.budget.takeNode(where);
    const contents = f.read();
    // Files of a solid block have no bytes of their own in the file: their contents stand in.
    const own = f.offset >= 0;
    const entry = addChild(
      node,
      makeNode({
        kind: 'capsule',
        type: `${format} entry`,
        name: f.data.path,
        offset: own ? f.offset : 0,
        raw: own ? f.raw : contents,
        headerSize: own ? f.headerSize : 0,
        data: f.data,
        absOffset: own ? absAt(abs, f.offset) : undefined,
      }),
    );
    if (contents.length !== f.data.size) {
      throw new FirmwareError(
        'bad-format',
        `${f.data.path} holds ${contents.length} bytes, but the archive says ${f.data.size}`,
        where,
      );
    }
    if (f.data.crc32 !== undefined) {
      const actual = crc32(contents);
      if (actual !== f.data.crc32) {
        throw new FirmwareError(
          'bad-checksum',
          `${f.data.path}: CRC-32 is ${hex(actual, 8)}, the archive says ${hex(f.data.crc32, 8)}`,
          where,
        );
      }
      entry.checks.push({ name: 'CRC-32', ok: true });
    }
    if (own && !f.inPlace) entry.decoded = { method: f.data.method, bytes: contents };
    const contentsAbs = f.inPlace ? absAt(abs, f.offset + f.headerSize) : undefined;
    await parseEntry(entry, contents, contentsAbs, ctx);
  }
  return node;
}

/**
 * An entry's contents, read like any body. A file the reader cannot open (a flasher, a package
 * only a vendor tool unpacks) stays an entry with the reason as a warning, so the archive's other
 * files are still read; running out of budget still ends the parse.
 */
async function parseEntry(
  entry: FirmwareNode,
  contents: Uint8Array,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<void> {
  const before = entry.children.length;
  try {
    await ctx.parseBody(entry, contents, abs);
  } catch (e) {
    if (!(e instanceof FirmwareError) || e.code === 'budget' || e.code === 'cancelled') throw e;
    entry.children.length = before;
    entry.warnings.push(`not read: ${e.describe()}`);
  }
}
