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
  'bitflip' | 'bytes' | 'truncate' | 'size-field' | 'huge-lzma' | 'splice' | 'zero-run';

export const MUTATIONS: MutationKind[] = [
  'bitflip',
  'bytes',
  'truncate',
  'size-field',
  'huge-lzma',
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
  let b = seed.slice();
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
