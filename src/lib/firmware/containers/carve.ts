/**
 * Firmware stored inside a file no other format reads (a vendor's flasher executable, an
 * unknown wrapper): the whole images found in it by their own headers — an Intel flash
 * descriptor, a capsule, a PCI option ROM — each read as a file of its own at its offset.
 * Executables holding Insyde `$_IFLASH` blocks, Dell PFS or AMI PFAT have their own formats
 * (vendor/); volumes alone are left to `volumes-inside`, which reads them the same way.
 */
import { guidBytes } from '../bytes/guid';
import { ByteView } from '../bytes/view';
import { hex } from '../errors';
import { findVolume } from '../fv/volumes';
import { CAPSULE_GUIDS } from '../guids';
import { readPcir } from '../oprom/read';
import type { ParseContext } from '../tree/context';
import { addChild, makeNode, type FirmwareNode } from '../tree/node';
import { CAPSULE_KINDS, capsuleFlavourAt, capsuleName } from './capsule';
import { readDescriptor } from './descriptor';
import { stillSearching, type FileKind, type FirmwareFormat, type KindGuess } from './format';
import { absAt, asciiAt } from './util';

/** One image found inside the file. */
export interface CarvedImage {
  kind: FileKind;
  /** For people: 'SPI image', 'UEFI capsule', 'PCI option ROM', 'firmware volume'. */
  what: string;
  offset: number;
  size: number;
}

/**
 * Inside an executable only images this large count: smaller matches are the program's own data
 * (a capsule GUID in a driver), and vendor firmware images are far larger.
 */
const MIN_IN_EXECUTABLE = 0x10000;

/** The flash image a descriptor at `at` spans: up to the end of its last region. */
function descriptorAt(b: Uint8Array, at: number): CarvedImage | undefined {
  try {
    const d = readDescriptor(b.subarray(at));
    if (!d.regions.some((r) => r.index === 1)) return undefined;
    const size = Math.max(...d.regions.map((r) => r.offset + r.size));
    return { kind: 'intel-descriptor', what: 'SPI image', offset: at, size };
  } catch {
    return undefined;
  }
}

function capsuleAt(b: Uint8Array, at: number): CarvedImage | undefined {
  const flavour = capsuleFlavourAt(b, at);
  if (!flavour) return undefined;
  const v = new ByteView(b);
  if (!v.has(at, 0x1c)) return undefined;
  const headerSize = v.u32(at + 0x10);
  // Toshiba's header swaps Flags and the image size.
  const size = v.u32(at + (flavour === 'toshiba' ? 0x14 : 0x18));
  if (headerSize < 0x1c || headerSize >= size || at + size > b.length) return undefined;
  return { kind: CAPSULE_KINDS[flavour].kind, what: capsuleName(flavour), offset: at, size };
}

/** A chain of option ROM images: each PCIR's length, up to the one marked last. */
function optionRomAt(b: Uint8Array, at: number): CarvedImage | undefined {
  let p = at;
  for (let images = 0; images < 16; images++) {
    const pcir = readPcir(b, p);
    if (!pcir || pcir.imageLength === 0) return undefined;
    p += pcir.imageLength * 512;
    if (p > b.length) return undefined;
    if (pcir.indicator & 0x80)
      return { kind: 'option-rom', what: 'PCI option ROM', offset: at, size: p - at };
  }
  return undefined;
}

function volumesFrom(b: Uint8Array): CarvedImage[] {
  const out: CarvedImage[] = [];
  const v = new ByteView(b);
  for (let at = findVolume(b, 0); at >= 0;) {
    const size = v.u64(at + 0x20);
    out.push({ kind: 'firmware-volume', what: 'firmware volume', offset: at, size });
    at = findVolume(b, at + size);
  }
  return out;
}

/** Every offset where `pattern` occurs (the first byte found natively, the rest compared). */
function* occurrences(b: Uint8Array, pattern: Uint8Array): Generator<number> {
  for (let i = b.indexOf(pattern[0]); i >= 0; i = b.indexOf(pattern[0], i + 1)) {
    let j = 1;
    while (j < pattern.length && b[i + j] === pattern[j]) j++;
    if (j === pattern.length) yield i;
  }
}

const DESCRIPTOR_BYTES = Uint8Array.of(0x5a, 0xa5, 0xf0, 0x0f);
const ROM_BYTES = Uint8Array.of(0x55, 0xaa);

/**
 * The outermost images in `b`, by offset (an image inside another one found is part of it);
 * empty when there are only volumes, or nothing. Wrappers place images at any byte, so every
 * offset is tried; each header's own fields then have to agree. `passDone` is called after each
 * search through all of `b` (one per signature).
 */
export function carveImages(b: Uint8Array, passDone: () => void = () => {}): CarvedImage[] {
  const found: CarvedImage[] = [];
  for (const i of occurrences(b, DESCRIPTOR_BYTES)) {
    const d = i >= 0x10 ? descriptorAt(b, i - 0x10) : undefined;
    if (d) found.push(d);
  }
  passDone();
  for (const guid of Object.values(CAPSULE_GUIDS)) {
    for (const i of occurrences(b, guidBytes(guid))) {
      const c = capsuleAt(b, i);
      if (c) found.push(c);
    }
    passDone();
  }
  for (const i of occurrences(b, ROM_BYTES)) {
    const r = optionRomAt(b, i);
    if (r) found.push(r);
  }
  passDone();
  const minimum = asciiAt(b, 0, 'MZ') ? MIN_IN_EXECUTABLE : 1;
  const outer: CarvedImage[] = [];
  const all = [...found, ...volumesFrom(b)]
    .filter((c) => c.size >= minimum && c.offset > 0)
    .sort((a, c) => a.offset - c.offset || c.size - a.size);
  for (const c of all) {
    const last = outer[outer.length - 1];
    if (!last || c.offset >= last.offset + last.size) outer.push(c);
  }
  return outer.some((c) => c.kind !== 'firmware-volume') ? outer : [];
}

/** '8 MiB', '96 KiB', or the byte count in hex. */
function sizeText(n: number): string {
  if (n % (1 << 20) === 0) return `${n >> 20} MiB`;
  if (n % 1024 === 0) return `${n >> 10} KiB`;
  return `${hex(n)} bytes`;
}

/** 'an 8 MiB SPI image at 0x1A2000'. */
export function describeCarved(c: CarvedImage): string {
  const size = sizeText(c.size);
  const article = /^(8|11\b|18\b)/.test(size) ? 'an' : 'a';
  return `${article} ${size} ${c.what} at ${hex(c.offset)}`;
}

async function openCarved(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  const images = carveImages(bytes, stillSearching(ctx, bytes, abs));
  if (!images.length) return false;
  let off = 0;
  const gap = (end: number) => {
    if (end <= off) return;
    ctx.budget.takeNode({ offset: absAt(abs, off) });
    addChild(
      parent,
      makeNode({
        kind: 'padding',
        type: 'data',
        offset: base + off,
        raw: bytes.subarray(off, end),
        absOffset: absAt(abs, off),
      }),
    );
  };
  for (const c of images) {
    gap(c.offset);
    const raw = bytes.subarray(c.offset, c.offset + c.size);
    ctx.budget.takeNode({ offset: absAt(abs, c.offset) });
    const node = addChild(
      parent,
      makeNode({
        kind: 'capsule',
        type: 'image found inside',
        name: describeCarved(c),
        offset: base + c.offset,
        raw,
        data: { is: 'carved', contents: c.what, offset: c.offset, size: c.size },
        absOffset: absAt(abs, c.offset),
      }),
    );
    await ctx.parseBody(node, raw, absAt(abs, c.offset));
    off = c.offset + c.size;
  }
  gap(bytes.length);
  return true;
}

function probeCarved(b: Uint8Array, passDone?: () => void): KindGuess | undefined {
  const images = carveImages(b, passDone);
  if (!images.length) return undefined;
  const first = images.find((c) => c.kind !== 'firmware-volume')!;
  const more = images.length > 1 ? ` (and ${images.length - 1} more)` : '';
  return {
    kind: first.kind,
    label: `Firmware inside another file: ${first.what}`,
    offset: first.offset,
    detail: `${describeCarved(first)} inside this file${more}`,
  };
}

export const carvedFormat: FirmwareFormat = {
  name: 'carved',
  probe: probeCarved,
  open: openCarved,
  searches: true,
  // Both find images with carveImages: the opener returns false when it finds none.
  openerAnswersProbe: true,
};
