/**
 * Nodes back to bytes. An untouched node is its original bytes; a node marked modified (or
 * every node, with `force`) is rebuilt from its header and its children the way edk2 lays
 * them out: sections 4-byte aligned, files 8-byte aligned with pad files for alignment,
 * sizes and checksums recomputed, volumes filled to their length with the erase byte.
 */
import { checksum16, checksum8, crc32 } from '../bytes/checksum';
import { bytesEqual } from '../bytes/compare';
import { dataViewOf } from '../bytes/view';
import { FirmwareError, hex } from '../errors';
import { SECTION_GUIDS } from '../guids';
import { fileAlignment } from '../fv/ffs-file';
import {
  erasedByte,
  FFS_ATTRIB,
  FFS_FIXED_CHECKSUM,
  FILE_HEADER2_SIZE,
  FILE_HEADER_SIZE,
  FILE_STATE_VALID,
  FILE_TYPE,
  SECTION_SIZE_IN_HEADER2,
  SECTION_TYPE,
} from '../spec';
import type { SectionData, VolumeData } from './data';
import { NEW_NODE, pathOf, type FirmwareNode } from './node';

const modified = new WeakSet<FirmwareNode>();

/** Mark a node changed (its fields, children or raw body) so serialize rebuilds it and its parents. */
export function markModified(node: FirmwareNode): void {
  for (let n: FirmwareNode | undefined = node; n; n = n.parent) modified.add(n);
}

export function isModified(node: FirmwareNode): boolean {
  return modified.has(node);
}

export interface SerializeOptions {
  /** Rebuild every node from its children (a self-check of the layout rules). */
  force?: boolean;
  /** Re-encode a decoded body (LZMA, …) when its children changed. */
  encode?: (method: string, bytes: Uint8Array, node: FirmwareNode) => Uint8Array;
  /**
   * Rebuilt nodes by node, for a caller that serializes a node and then its parents (each
   * rebuild of a parent would otherwise rebuild, and re-encode, the whole subtree again).
   * Valid only while the tree does not change.
   */
  cache?: WeakMap<FirmwareNode, Uint8Array>;
  /** Called after each node that had to be rebuilt (for progress on large images). */
  onRebuilt?: (node: FirmwareNode) => void;
  /**
   * Called when a decoded body (megabytes, for OVMF's payload) has been joined, before it is
   * compared with the old one and re-encoded: each is a long step of its own.
   */
  onJoined?: (node: FirmwareNode) => void;
}

export function serialize(node: FirmwareNode, opts: SerializeOptions = {}): Uint8Array {
  if (!opts.force && !modified.has(node)) return node.raw;
  if (node.children.length === 0) return node.raw;
  const cached = opts.cache?.get(node);
  if (cached) return cached;
  const out = rebuild(node, opts);
  opts.cache?.set(node, out);
  opts.onRebuilt?.(node);
  return out;
}

function rebuild(node: FirmwareNode, opts: SerializeOptions): Uint8Array {
  const data = node.data;
  switch (data.is) {
    case 'section':
      return rebuildSection(node, data, opts);
    case 'file':
      return rebuildFile(node, opts);
    case 'volume':
      return rebuildVolume(node, data, opts);
    default:
      return rebuildInPlace(node, opts);
  }
}

/** A run of one byte value, written by finish() without a buffer of its own. */
interface Fill {
  value: number;
  n: number;
}

/** Pieces of a node's new bytes, joined into one buffer once, when the node is done. */
class Out {
  parts: (Uint8Array | Fill)[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  fill(value: number, n: number): void {
    if (n <= 0) return;
    this.parts.push({ value, n });
    this.length += n;
  }
  /** The joined bytes after `reserve` bytes left for the caller's header (one copy only). */
  finish(reserve = 0): Uint8Array {
    const out = new Uint8Array(reserve + this.length);
    let o = reserve;
    for (const p of this.parts) {
      if (p instanceof Uint8Array) {
        out.set(p, o);
        o += p.length;
      } else {
        if (p.value !== 0) out.fill(p.value, o, o + p.n); // fresh memory is zero already
        o += p.n;
      }
    }
    return out;
  }
}

/**
 * Whether the original bytes between the previous child (ending at `srcEnd` of `source`) and
 * `c` can be kept: both have a place in the source and the gap kept its length.
 */
function keepsGap(c: FirmwareNode, srcEnd: number, gap: number, source: Uint8Array): boolean {
  return (
    srcEnd >= 0 && c.offset !== NEW_NODE && gap === c.offset - srcEnd && c.offset <= source.length
  );
}

/** Where `c` ends in its parent's original bytes; -1 for an added node. */
function endInSource(c: FirmwareNode): number {
  return c.offset === NEW_NODE ? -1 : c.offset + c.raw.length;
}

/**
 * Children laid out in order (sections 4-byte aligned), keeping the original gap bytes where
 * a gap kept its length, else filling it with `fill`.
 */
function layout(node: FirmwareNode, source: Uint8Array, fill: number, opts: SerializeOptions): Out {
  const out = new Out();
  let srcEnd = 0;
  for (const c of node.children) {
    const bytes = serialize(c, opts);
    const alignment = c.kind === 'section' ? 4 : 1;
    const rem = out.length % alignment;
    const gap = rem ? alignment - rem : 0;
    if (keepsGap(c, srcEnd, gap, source)) out.push(source.subarray(srcEnd, c.offset));
    else out.fill(fill, gap);
    out.push(bytes);
    srcEnd = endInSource(c);
  }
  // Trailing bytes after the last child (alignment slack) are kept when nothing moved.
  if (srcEnd < source.length && out.length === srcEnd) out.push(source.subarray(srcEnd));
  return out;
}

function setU24(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >> 8) & 0xff;
  b[at + 2] = (v >> 16) & 0xff;
}

function setU32(b: Uint8Array, at: number, v: number): void {
  dataViewOf(b).setUint32(at, v >>> 0, true);
}

function rebuildSection(node: FirmwareNode, data: SectionData, opts: SerializeOptions): Uint8Array {
  // Where EFI_COMMON_SECTION_HEADER(2) ends and the typed header begins.
  const common = data.header2 ? 8 : 4;
  const isCompression = data.sectionType === SECTION_TYPE.compression;
  const header = node.raw.slice(0, node.headerSize);
  let body: Uint8Array;
  let whole: Uint8Array | undefined;
  if (node.decoded) {
    const plain = layout(node, node.decoded.bytes, 0, opts).finish();
    opts.onJoined?.(node);
    if (bytesEqual(plain, node.decoded.bytes)) {
      body = node.raw.subarray(node.headerSize);
    } else if (node.decoded.method === 'signed') {
      // The certificate stays; the signature will no longer match, which the caller must accept.
      const cert = node.raw.subarray(node.headerSize, node.raw.length - node.decoded.bytes.length);
      body = concat(cert, plain);
    } else if (opts.encode) {
      body = opts.encode(node.decoded.method, plain, node);
      if (isCompression) setU32(header, common, plain.length);
    } else {
      throw new FirmwareError(
        'unsupported',
        `cannot re-encode a ${node.decoded.method} section without an encoder`,
        {
          path: pathOf(node),
        },
      );
    }
  } else {
    // Laid out behind room for the header: a 12 MB volume is copied once, not twice.
    whole = layout(node, node.raw.subarray(node.headerSize), 0, opts).finish(header.length);
    body = whole.subarray(header.length);
    if (isCompression) setU32(header, common, body.length);
  }
  const size = header.length + body.length;
  if (data.header2) setU32(header, 4, size);
  else if (size >= SECTION_SIZE_IN_HEADER2) {
    throw new FirmwareError('no-space', `section of ${hex(size)} bytes needs a HEADER2`, {
      path: pathOf(node),
    });
  } else setU24(header, 0, size);
  if (
    data.sectionType === SECTION_TYPE.guidDefined &&
    data.definitionGuid === SECTION_GUIDS.crc32
  ) {
    setU32(header, common + 20, crc32(body));
  }
  if (!whole) return concat(header, body);
  whole.set(header);
  return whole;
}

/** IntegrityCheck.Header for a file header (File and State taken as 0). */
export function fileHeaderChecksum(header: Uint8Array): number {
  const h = header.slice();
  h[0x10] = 0;
  h[0x11] = 0;
  h[0x17] = 0;
  return checksum8(h);
}

function rebuildFile(node: FirmwareNode, opts: SerializeOptions): Uint8Array {
  const header = node.raw.slice(0, node.headerSize);
  const source = node.raw.subarray(node.headerSize);
  const whole = layout(node, source, 0, opts).finish(header.length);
  const body = whole.subarray(header.length);
  const size = whole.length;
  if (node.headerSize === FILE_HEADER2_SIZE) {
    setU32(header, 0x18, size % 0x100000000);
    setU32(header, 0x1c, Math.floor(size / 0x100000000));
  } else if (size > 0xffffff) {
    throw new FirmwareError('no-space', `file of ${hex(size)} bytes needs a large-file header`, {
      path: pathOf(node),
    });
  } else setU24(header, 0x14, size);
  header[0x10] = fileHeaderChecksum(header);
  if (header[0x13] & FFS_ATTRIB.checksum) header[0x11] = checksum8(body);
  whole.set(header);
  return whole;
}

/** A pad file as GenFv writes it: GUID all 0xFF, type PAD, state valid for the polarity. */
export function buildPadFile(size: number, emptyByte: number): Uint8Array {
  if (size < FILE_HEADER_SIZE || size > 0xffffff)
    throw new FirmwareError('bad-input', `no pad file of ${size} bytes`);
  const f = new Uint8Array(size).fill(emptyByte);
  f.fill(0xff, 0, 16);
  f[0x12] = FILE_TYPE.pad;
  f[0x13] = 0;
  setU24(f, 0x14, size);
  f[0x11] = FFS_FIXED_CHECKSUM;
  f[0x17] = emptyByte === 0xff ? ~FILE_STATE_VALID & 0xff : FILE_STATE_VALID;
  f[0x10] = fileHeaderChecksum(f.subarray(0, FILE_HEADER_SIZE));
  return f;
}

function rebuildVolume(node: FirmwareNode, data: VolumeData, opts: SerializeOptions): Uint8Array {
  const empty = erasedByte(data.erasePolarity);
  const header = node.raw.subarray(0, node.headerSize);
  const source = node.raw.subarray(node.headerSize);
  const revision = data.revision;
  const out = new Out();
  out.push(header);
  let srcEnd = 0;
  let trailer: Uint8Array | undefined;
  for (const c of node.children) {
    if (c.kind === 'free-space') continue;
    if (c.kind === 'padding' && c.offset + c.raw.length === source.length && srcEnd <= c.offset) {
      trailer = serialize(c, opts); // data after the free space stays at the volume's end
      continue;
    }
    const bytes = serialize(c, opts);
    const at = out.length;
    const aligned = Math.ceil(at / 8) * 8;
    let gap = aligned - at;
    if (c.kind === 'file') {
      const a = fileAlignment(bytes[0x13], revision);
      const hs = c.headerSize;
      let pad = (a - ((aligned + hs) % a)) % a;
      if (pad) {
        while (pad < FILE_HEADER_SIZE) pad += a;
        out.fill(empty, gap);
        out.push(buildPadFile(pad, empty));
        gap = 0;
      }
    }
    if (keepsGap(c, srcEnd, gap, source)) out.push(source.subarray(srcEnd, c.offset));
    else out.fill(empty, gap);
    out.push(bytes);
    srcEnd = endInSource(c);
  }
  const tail = trailer?.length ?? 0;
  if (out.length + tail > node.raw.length) {
    throw new FirmwareError(
      'no-space',
      `volume content needs ${hex(out.length + tail)} bytes, the volume has ${hex(node.raw.length)}`,
      { path: pathOf(node) },
    );
  }
  out.fill(empty, node.raw.length - out.length - tail);
  if (trailer) out.push(trailer);
  return out.finish();
}

/** Recompute a volume header's 16-bit checksum in place (after editing header fields). */
export function fixVolumeChecksum(volume: Uint8Array): void {
  const hl = volume[0x30] | (volume[0x31] << 8);
  volume[0x32] = 0;
  volume[0x33] = 0;
  const c = checksum16(volume, 0, hl);
  volume[0x32] = c & 0xff;
  volume[0x33] = c >> 8;
}

/** Containers we do not lay out ourselves: children written back over their original ranges. */
function rebuildInPlace(node: FirmwareNode, opts: SerializeOptions): Uint8Array {
  if (node.decoded) {
    const plain = layout(node, node.decoded.bytes, 0, opts).finish();
    if (bytesEqual(plain, node.decoded.bytes)) return node.raw;
    throw new FirmwareError('unsupported', `cannot re-encode a decoded ${node.type}`, {
      path: pathOf(node),
    });
  }
  const out = node.raw.slice();
  for (const c of node.children) {
    const bytes = serialize(c, opts);
    if (c.offset === NEW_NODE || bytes.length !== c.raw.length) {
      throw new FirmwareError(
        'no-space',
        `${c.type} changed size inside ${node.type}, which keeps sizes fixed`,
        {
          path: pathOf(c),
        },
      );
    }
    out.set(bytes, node.headerSize + c.offset);
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
