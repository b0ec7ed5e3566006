/** Deterministic mutations of firmware images for the parser fuzzer. */

/** mulberry32: small, fast, reproducible from a 32-bit seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FVH = [0x5f, 0x46, 0x56, 0x48];
// EE4E5898-3914-4259-9D6E-DC7BD79403CF (LZMA GUIDed section) as stored.
const LZMA_GUID = [
  0x98, 0x58, 0x4e, 0xee, 0x14, 0x39, 0x59, 0x42, 0x9d, 0x6e, 0xdc, 0x7b, 0xd7, 0x94, 0x03, 0xcf,
];

function findAll(b: Uint8Array, pattern: number[], limit = 64): number[] {
  const out: number[] = [];
  outer: for (let i = 0; i + pattern.length <= b.length && out.length < limit; i++) {
    for (let j = 0; j < pattern.length; j++) if (b[i + j] !== pattern[j]) continue outer;
    out.push(i);
  }
  return out;
}

function put32(b: Uint8Array, at: number, v: number) {
  if (at < 0 || at + 4 > b.length) return;
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

const NASTY = [0, 1, 0x18, 0xffffff, 0x7fffffff, 0xffffffff, 0x80000000, 0x1000000, 0xfffffff0];

export type MutationKind =
  | 'bitflip'
  | 'bytes'
  | 'truncate'
  | 'size-field'
  | 'huge-lzma'
  | 'huge-compressed'
  | 'header-field'
  | 'nest'
  | 'splice'
  | 'zero-run';

export const MUTATIONS: MutationKind[] = [
  'bitflip',
  'bytes',
  'truncate',
  'size-field',
  'huge-lzma',
  'huge-compressed',
  'header-field',
  'nest',
  'splice',
  'zero-run',
];

/**
 * Applies one mutation, chosen by `random`. Structure-aware kinds aim at the fields parsers
 * trust most: volume lengths next to `_FVH`, u24 section/file sizes, LZMA declared sizes.
 */
export function mutate(
  seed: Uint8Array,
  random: () => number,
): { bytes: Uint8Array; kind: MutationKind } {
  const kind = MUTATIONS[Math.floor(random() * MUTATIONS.length)];
  const pick = (n: number) => Math.floor(random() * n);
  let b: Uint8Array = seed.slice();
  switch (kind) {
    case 'bitflip':
      for (let i = 1 + pick(8); i > 0; i--) b[pick(b.length)] ^= 1 << pick(8);
      break;
    case 'bytes':
      for (let i = 1 + pick(16); i > 0; i--) b[pick(b.length)] = [0, 0xff, pick(256)][pick(3)];
      break;
    case 'truncate':
      b = b.slice(0, pick(b.length));
      break;
    case 'size-field': {
      const fvs = findAll(b, FVH);
      const value = NASTY[pick(NASTY.length)];
      if (fvs.length && random() < 0.5) {
        const fv = fvs[pick(fvs.length)];
        // FvLength (u64 at -8), HeaderLength (u16 at +8) or ExtHeaderOffset (u16 at +0xC).
        const which = pick(3);
        if (which === 0) put32(b, fv - 8 + 4 * pick(2), value);
        else if (which === 1) put32(b, fv + 8, value);
        else put32(b, fv + 0xc, value);
      } else {
        // Somewhere: a u24 size with its type byte kept (sections, files).
        const at = pick(Math.max(1, b.length - 4)) & ~3;
        const keep = b[at + 3];
        put32(b, at, value);
        if (random() < 0.5) b[at + 3] = keep;
      }
      break;
    }
    case 'huge-lzma': {
      const hits = findAll(b, LZMA_GUID);
      if (hits.length) {
        const g = hits[pick(hits.length)];
        // GUIDed header: GUID, DataOffset u16, Attributes u16; stream at DataOffset from the
        // section start (4 bytes before the GUID); its size field follows the 5 props.
        const section = g - 4;
        const dataOffset = b[g + 16] | (b[g + 17] << 8);
        const sizeAt = section + dataOffset + 5;
        put32(b, sizeAt, NASTY[pick(NASTY.length)]);
        put32(b, sizeAt + 4, random() < 0.5 ? 0 : pick(0x100));
      } else b[pick(b.length)] ^= 0xff;
      break;
    }
    case 'huge-compressed': {
      // EFI_COMPRESSION_SECTION: u24 size, type 0x01, u32 UncompressedLength, u8 type (0..2),
      // then for type 1 the EFI/Tiano header: u32 compressed size, u32 original size.
      const hits = compressionSections(b, pick(Math.max(1, b.length)));
      if (hits.length) {
        const at = hits[pick(hits.length)];
        const field = [4, 9, 13][pick(3)];
        put32(b, at + field, NASTY[pick(NASTY.length)]);
      } else b[pick(b.length)] ^= 0xff;
      break;
    }
    case 'header-field':
      // Container headers keep their sizes and offsets in the first 0x40 bytes (capsules,
      // descriptor maps, ROM headers, PFS/iFlash headers): a nasty value in one of them.
      if (random() < 0.5) put32(b, 4 * pick(16), NASTY[pick(NASTY.length)]);
      else {
        const at = 2 * pick(32);
        if (at + 2 <= b.length) {
          const v = NASTY[pick(NASTY.length)];
          b[at] = v & 0xff;
          b[at + 1] = (v >>> 8) & 0xff;
        }
      }
      break;
    case 'nest':
      // The whole input k levels deep in FV-image files: depth limits with real content.
      if (b.length <= 1 << 19) b = nest(b, 1 + pick(40));
      else b[pick(b.length)] ^= 0xff;
      break;
    case 'splice': {
      const from = pick(b.length);
      const len = Math.min(b.length - from, 1 + pick(4096));
      const to = pick(b.length);
      b.copyWithin(to, from, from + len);
      break;
    }
    case 'zero-run': {
      const at = pick(b.length);
      b.fill(random() < 0.5 ? 0 : 0xff, at, Math.min(b.length, at + 1 + pick(256)));
      break;
    }
  }
  return { bytes: b, kind };
}

/** Offsets (4-aligned, from `from` on, at most 16) that look like compression section headers. */
function compressionSections(b: Uint8Array, from: number): number[] {
  const out: number[] = [];
  for (let i = from & ~3; i + 17 <= b.length && out.length < 16; i += 4) {
    const size = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
    if (b[i + 3] === 0x01 && b[i + 8] <= 2 && size >= 9 && i + size <= b.length) out.push(i);
  }
  if (!out.length && from > 0) return compressionSections(b, 0);
  return out;
}

/** `inner` as the body of a FIRMWARE_VOLUME_IMAGE section in a file in a volume, `depth` times. */
function nest(inner: Uint8Array, depth: number): Uint8Array {
  let b = inner;
  for (let d = 0; d < depth; d++) {
    const section = b.length + 4;
    const file = 0x18 + section;
    const size = Math.ceil((0x48 + file + 8) / 0x1000) * 0x1000;
    const v = new Uint8Array(size).fill(0xff);
    const dv = new DataView(v.buffer);
    v.fill(0, 0, 0x48);
    // FFSv2 volume header: GUID, FvLength, _FVH, attributes (polarity 1), header length,
    // checksum, revision 2, one block-map entry.
    v.set(
      [
        0x78, 0xe5, 0x8c, 0x8c, 0x3d, 0x8a, 0x1c, 0x4f, 0x99, 0x35, 0x89, 0x61, 0x85, 0xc3, 0x2d,
        0xd3,
      ],
      0x10,
    );
    dv.setUint32(0x20, size, true);
    v.set(FVH, 0x28);
    dv.setUint32(0x2c, 0x0004feff, true);
    dv.setUint16(0x30, 0x48, true);
    v[0x37] = 2;
    dv.setUint32(0x38, size / 0x1000, true);
    dv.setUint32(0x3c, 0x1000, true);
    let sum = 0;
    for (let i = 0; i < 0x48; i += 2) sum += dv.getUint16(i, true);
    dv.setUint16(0x32, (0x10000 - (sum & 0xffff)) & 0xffff, true);
    // The file: GUID d, type FV image, size, state valid; then the section.
    const f = 0x48;
    v.fill(0, f, f + 0x18);
    dv.setUint32(f, 0xf00d0000 + d, true);
    v[f + 0x12] = 0x0b;
    v[f + 0x14] = file & 0xff;
    v[f + 0x15] = (file >>> 8) & 0xff;
    v[f + 0x16] = (file >>> 16) & 0xff;
    v[f + 0x11] = 0xaa;
    let hs = 0;
    for (let i = f; i < f + 0x18; i++) hs += v[i];
    v[f + 0x10] = (0x100 - ((hs - 0xaa) & 0xff)) & 0xff;
    v[f + 0x17] = 0xf8;
    if (section > 0xffffff) return b; // too big to nest further with a small header
    v[f + 0x18] = section & 0xff;
    v[f + 0x19] = (section >>> 8) & 0xff;
    v[f + 0x1a] = (section >>> 16) & 0xff;
    v[f + 0x1b] = 0x17;
    v.set(b, f + 0x1c);
    b = v;
  }
  return b;
}
