/**
 * What an Intel GOP driver says about itself: name, version and the PCI device IDs it drives.
 *
 * Intel GOPs rarely hold their version as one string. They keep the driver name in a fixed UTF-16
 * buffer and the version parts as separate short UTF-16 strings nearby, joined at run time with
 * " [", "." and "]" pieces. Older builds (SNB … APL) store major, minor and build side by side
 * ("10", "0", "1037"); newer ones (GLK, TGL and later) store the build after the name and the major
 * further on, with no minor string. We assemble what is there and mark what is not.
 *
 * A GOP without the name string (some Arrow Lake BIOSes, gop/identify.ts) still holds those
 * version strings: they sit at fixed distances from the controller name ("Intel(R) Graphics
 * Controller", "Intel(R) Haswell Graphics Controller", …) in every GOP of the fixtures, so that
 * string takes the name's place as the anchor. What such an image does not hold elsewhere: the
 * FFS files around GOPs carry edk2's default EFI_SECTION_VERSION "1.0" when they have one (the
 * reports/ of the fixtures), UI names carry no version, and the driver-binding protocol's Version
 * field could not be located reliably in the images, so it is not read. A version section that does
 * spell a GOP version is still used, when its generation is one the device-ID table names.
 */
import type { PeInfo } from '../pe/headers';
import { readPe } from '../pe/headers';
import { generationFromGopMajor, type GopLine } from './generations';
import { igpuFamily, lookupIgpu, type IgpuCode, type IgpuFamily } from '../igpu/devices';

/**
 * Where the version was read: written out whole ("[21.0.1066]"), the short strings after the
 * name, the same strings found from the controller name (no name string), or the FFS file's
 * EFI_SECTION_VERSION.
 */
export type GopVersionSource = 'whole-string' | 'beside-name' | 'beside-controller' | 'ffs-version';

/** An EFI_SECTION_VERSION: its build number and UTF-16 text. */
export interface FfsVersion {
  build: number;
  text: string;
}

export interface GopInfo {
  name: string;
  /** e.g. '21.0.1066', or '21.?.1066' where a part is not stored. */
  versionText: string;
  major?: number;
  minor?: number;
  build?: number;
  versionKnown: 'full' | 'partial' | 'none';
  /** Where the version was read; absent when none was found. */
  versionSource?: GopVersionSource;
  /** Supported PCI device IDs found in the driver's ID tables (sorted, unique); [] if none found. */
  deviceIds: number[];
  /** iGPU families those IDs belong to (src/lib/firmware/igpu), most IDs first. */
  deviceFamilies: string[];
  /** `igpu` is the iGPU code (config) of the generation: the main one of a GOP line. */
  generation?: { code: string; label: string; basis: 'device-ids' | 'version'; igpu: IgpuCode };
  /**
   * A version read from the FFS version section or beside the controller name that was not
   * taken: its major names a generation the device-ID table does not (an OEM module version such
   * as 2.20.1271 in the FFS section would otherwise make an Alder Lake GOP a Sandy Bridge one),
   * or, from the FFS section, no known generation at all.
   */
  versionRejected?: {
    text: string;
    source: 'ffs-version' | 'beside-controller';
    /** The generation that version's major names, or undefined when no line is known for it. */
    generation?: string;
  };
  pe: PeInfo;
}

const GOP_NAME = 'Intel(R) GOP Driver';
/** How far after the name the version strings have been seen (0x1e0 in the fixtures). */
const VERSION_WINDOW = 0x400;

/** `s` as UTF-16LE bytes (ASCII only). */
export function utf16(s: string): Uint8Array {
  const b = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) b[i * 2] = s.charCodeAt(i);
  return b;
}

/** Where `needle` first occurs in `hay` at or after `from`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  const last = hay.length - needle.length;
  outer: for (let i = from; i <= last; i++) {
    if (hay[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const NAME_UTF16 = utf16(GOP_NAME);

/** The PE holds the UTF-16LE string "Intel(R) GOP Driver". */
export function isIntelGop(pe: Uint8Array): boolean {
  return indexOf(pe, NAME_UTF16) >= 0;
}

interface DigitString {
  at: number;
  text: string;
}

/** NUL-terminated UTF-16LE strings of 1–5 digits that start on a string boundary, in [from, to). */
function digitStrings(b: Uint8Array, from: number, to: number): DigitString[] {
  const out: DigitString[] = [];
  for (let i = from; i + 4 <= to && i + 4 <= b.length; i += 2) {
    // a string starts where the previous UTF-16 unit is not a printable character
    if (i >= 2 && b[i - 1] === 0 && b[i - 2] >= 0x20 && b[i - 2] < 0x7f) continue;
    let text = '';
    let j = i;
    while (j + 1 < b.length && b[j + 1] === 0 && b[j] >= 0x30 && b[j] <= 0x39 && text.length < 6) {
      text += String.fromCharCode(b[j]);
      j += 2;
    }
    if (text.length >= 1 && text.length <= 5 && j + 1 < b.length && b[j] === 0 && b[j + 1] === 0) {
      out.push({ at: i, text });
    }
  }
  return out;
}

/** A version written out whole, "[21.0.1066]", in UTF-16 or ASCII. */
function wholeVersion(b: Uint8Array): [number, number, number] | undefined {
  for (const wide of [true, false]) {
    const step = wide ? 2 : 1;
    for (let i = 0; i + 6 * step < b.length; i++) {
      if (b[i] !== 0x5b || (wide && b[i + 1] !== 0)) continue; // '['
      let s = '';
      let j = i + step;
      while (j < b.length && s.length < 16) {
        const c = b[j];
        if (wide && b[j + 1] !== 0) break;
        if ((c >= 0x30 && c <= 0x39) || c === 0x2e) s += String.fromCharCode(c);
        else break;
        j += step;
      }
      const m = /^(\d{1,3})\.(\d{1,3})\.(\d{3,5})$/.exec(s);
      if (m && b[j] === 0x5d) return [Number(m[1]), Number(m[2]), Number(m[3])];
    }
  }
  return undefined;
}

type VersionParts = Pick<GopInfo, 'major' | 'minor' | 'build'>;

const CONTROLLER_UTF16 = utf16(' Graphics Controller');
/** GLK-era and later layout: name buffer, the build 0x88 after it, the controller name 0xA0 after it. */
const BUILD_BEFORE_CONTROLLER = 0x18;

/**
 * The controller-name string ("Intel(R) … Graphics Controller"): where it starts (walked back
 * from " Graphics Controller" to its first character) and where it ends; undefined if absent.
 */
function controllerName(b: Uint8Array): { start: number; end: number } | undefined {
  const suffix = indexOf(b, CONTROLLER_UTF16);
  if (suffix < 0) return undefined;
  let start = suffix;
  while (start >= 2 && b[start - 1] === 0 && b[start - 2] >= 0x20 && b[start - 2] < 0x7f)
    start -= 2;
  return { start, end: suffix + CONTROLLER_UTF16.length };
}

/**
 * Where to read the version strings of a GOP without its name string: in the newer layout the
 * build stands 0x18 before the controller name; in the older one (SNB … APL, HSW/SKL 9.0) the
 * controller name comes first, then the name buffer, then major, minor and build, so the scan
 * starts at the controller name's end.
 */
function versionStartFromController(b: Uint8Array): number | undefined {
  const ctrl = controllerName(b);
  if (!ctrl) return undefined;
  const build = ctrl.start - BUILD_BEFORE_CONTROLLER;
  const newer = build >= 0 && digitStrings(b, build, ctrl.start).some((d) => d.at === build);
  return newer ? build : ctrl.end;
}

function findVersion(b: Uint8Array): { parts: VersionParts; source?: GopVersionSource } {
  const whole = wholeVersion(b);
  if (whole)
    return { parts: { major: whole[0], minor: whole[1], build: whole[2] }, source: 'whole-string' };
  const name = indexOf(b, NAME_UTF16);
  const start = name >= 0 ? name + NAME_UTF16.length : versionStartFromController(b);
  if (start === undefined) return { parts: {} };
  const parts = versionAfter(b, start);
  if (parts.build === undefined) return { parts };
  return { parts, source: name >= 0 ? 'beside-name' : 'beside-controller' };
}

/** The version strings that follow `start` (the end of the name, or its place). */
function versionAfter(b: Uint8Array, start: number): VersionParts {
  const strs = digitStrings(b, start, start + VERSION_WINDOW);
  const buildIdx = strs.findIndex((s) => s.text.length === 4);
  if (buildIdx < 0) return {};
  const build = Number(strs[buildIdx].text);
  // Digit tables ("1","2","3",… at 4-byte steps) are format helpers, not version parts.
  const inRun = (k: number): boolean => {
    const n = Number(strs[k].text);
    const prev = strs[k - 1];
    const next = strs[k + 1];
    return (
      (next !== undefined && next.at - strs[k].at <= 4 && Number(next.text) === n + 1) ||
      (prev !== undefined && strs[k].at - prev.at <= 4 && Number(prev.text) === n - 1)
    );
  };
  const short = (k: number): boolean => strs[k].text.length <= 2 && !inRun(k);
  // Older layout: major [, minor] immediately before the build.
  const before: number[] = [];
  for (let k = buildIdx - 1; k >= 0 && before.length < 2; k--) {
    const gap = strs[k + 1].at - strs[k].at;
    if (gap > 16 || !short(k)) break;
    before.unshift(Number(strs[k].text));
  }
  if (before.length === 2) return { major: before[0], minor: before[1], build };
  if (before.length === 1) return { major: before[0], build };
  // Newer layout: the major is the first short string after the build that is not part of a
  // table of single digits (those sit 4 bytes apart).
  const lone = (k: number): boolean =>
    !(k > 0 && strs[k].at - strs[k - 1].at <= 4) &&
    !(k + 1 < strs.length && strs[k + 1].at - strs[k].at <= 4);
  for (let k = buildIdx + 1; k < strs.length; k++) {
    if (short(k) && lone(k)) return { major: Number(strs[k].text), build };
  }
  return { build };
}

const inSet = (lo: number, set: readonly number[]): boolean => set.includes(lo);
const between = (lo: number, a: number, b: number): boolean => lo >= a && lo <= b;
/** Haswell and Broadwell low bytes (made once here, not anew on every call of the check below). */
const hswLike = (lo: number): boolean =>
  inSet(lo & 0x0f, [2, 6, 0xa, 0xb, 0xd, 0xe]) && lo >>> 4 <= 3;

/**
 * Is this u16 shaped like an Intel graphics device ID? A filter for table scanning only (the
 * generation of an ID is looked up elsewhere): the high byte names the family, the low byte must
 * fall where that family's IDs are allocated.
 */
function looksLikeIntelGraphicsId(id: number): boolean {
  const hi = id >>> 8;
  const lo = id & 0xff;
  switch (hi) {
    case 0x01: // SNB, IVB, BYT
      return inSet(
        lo,
        [2, 6, 0xa, 0x12, 0x16, 0x22, 0x26, 0x52, 0x55, 0x56, 0x57, 0x5a, 0x62, 0x66, 0x6a],
      );
    case 0x04:
    case 0x0a:
    case 0x0c:
    case 0x0d: // HSW
    case 0x16: // BDW
      return hswLike(lo);
    case 0x0f: // BYT
      return between(lo, 0x30, 0x33);
    case 0x22: // CHT / BSW
      return between(lo, 0xb0, 0xb3);
    case 0x19: // SKL
    case 0x59: // KBL
      return lo <= 0x3f && lo !== 0;
    case 0x87: // AML
      return between(lo, 0xc0, 0xcf);
    case 0x3e: // CFL
      return between(lo, 0x90, 0xaf);
    case 0x9b: // CML
      return lo >= 0x20;
    case 0x5a: // CNL, APL
      return between(lo, 0x40, 0x5f) || lo === 0x84 || lo === 0x85;
    case 0x1a: // APL
    case 0x31: // GLK
      return lo === 0x84 || lo === 0x85;
    case 0x8a: // ICL
      return between(lo, 0x50, 0x7f);
    case 0x4e: // JSL
      return between(lo, 0x50, 0x7f);
    case 0x45: // EHL
      return between(lo, 0x40, 0x7f);
    case 0x9a: // TGL
      return lo >= 0x40;
    case 0x4c: // RKL
      return between(lo, 0x80, 0x9f);
    case 0x46: // ADL
      return (
        between(lo, 0x80, 0xa3) ||
        inSet(lo, [0xa6, 0xa8, 0xaa, 0xb0, 0xb1, 0xb3]) ||
        between(lo, 0xc0, 0xc3) ||
        between(lo, 0xd0, 0xd4)
      );
    case 0xa7: // RPL
      return lo === 0x20 || lo === 0x21 || between(lo, 0x80, 0x8f) || between(lo, 0xa0, 0xad);
    case 0x7d: // MTL, ARL
      return inSet(lo >>> 4, [4, 5, 6, 0xc, 0xd]);
    case 0x64: // LNL
      return inSet(lo, [0x20, 0xa0, 0xb0]);
    case 0xb0: // PTL (including IDs early pciids.h listed: B091/B092/B0A1/B0A2)
      return between(lo, 0x80, 0x92) || between(lo, 0xa0, 0xa2) || lo === 0xb0;
    case 0xb6: // ARL-S
      return lo === 0x40;
    case 0xfd: // WCL
      return lo === 0x80 || lo === 0x81;
    case 0x49: // DG1
      return between(lo, 0x05, 0x09);
    case 0x4f: // DG2
      return between(lo, 0x80, 0x8f);
    case 0x56: // DG2, Arc
      return between(lo, 0x90, 0xc2);
    default:
      return false;
  }
}

/**
 * Device IDs from the GOP's ID tables: runs of 2-byte-aligned u16 values that all look like
 * Intel graphics IDs, with three or more different values (or a pair of one family). Several tables (per SKU group) merge.
 */
function findDeviceIds(b: Uint8Array): number[] {
  const ids = new Set<number>();
  let run: number[] = [];
  const flush = () => {
    // Most u16s end no run: skip the sets then (a large GOP has ~80k of them).
    if (!run.length) return;
    const distinct = new Set(run);
    // Two values alone could be chance; accept a pair only within one family (e.g. GLK 3184/3185).
    const pairOk = distinct.size === 2 && new Set(run.map((id) => id >>> 8)).size === 1;
    if (distinct.size >= 3 || pairOk) for (const id of run) ids.add(id);
    run = [];
  };
  for (let i = 0; i + 1 < b.length; i += 2) {
    const id = b[i] | (b[i + 1] << 8);
    if (looksLikeIntelGraphicsId(id)) run.push(id);
    else flush();
  }
  flush();
  return [...ids].sort((x, y) => x - y);
}

/**
 * iGPU families the driver's device-ID table names, most IDs first. A family needs two IDs to
 * count: one stray u16 that happens to be a known ID is noise, not support.
 */
function familiesOf(deviceIds: number[]): IgpuFamily[] {
  const counts = new Map<IgpuCode, number>();
  for (const id of deviceIds) {
    const d = lookupIgpu(id);
    if (d) counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, n]) => n >= 2)
    .sort((a, b) => b[1] - a[1] || igpuFamily(a[0]).gen - igpuFamily(b[0]).gen)
    .map(([code]) => igpuFamily(code));
}

/** The driver's device-ID table and the iGPU families it names (most IDs first). */
export function igpuDeviceTable(pe: Uint8Array): { ids: number[]; families: IgpuFamily[] } {
  const ids = findDeviceIds(pe);
  return { ids, families: familiesOf(ids) };
}

/** What reports call a GOP whose image lacks "Intel(R) GOP Driver". */
const UNNAMED_GOP = 'Intel GOP driver (no name string)';

/**
 * How reports name a GOP: "Intel(R) GOP Driver 21.?.1066"; without a version, the generation its
 * device-ID table names.
 */
export function gopLabel(
  info: Pick<GopInfo, 'name' | 'versionText'> & Partial<Pick<GopInfo, 'generation'>>,
): string {
  const name = info.name || UNNAMED_GOP;
  if (info.versionText) return `${name} ${info.versionText}`;
  return info.generation ? `${name}, ${info.generation.label}` : name;
}

/** A version section's text when it spells a GOP version ("22.0.1062"), not edk2's "1.0". */
function ffsVersionParts(v: FfsVersion | undefined): VersionParts | undefined {
  const m = v && /^(\d{1,3})\.(\d{1,3})\.(\d{3,5})$/.exec(v.text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), build: Number(m[3]) } : undefined;
}

/**
 * Whether a version read elsewhere than beside the name string is refused by the device-ID table
 * (a table that names no family decides nothing). The strings beside the controller name are
 * the image's own version strings: only a major whose generation the table does not name
 * refuses them (an unmapped major names no generation, and the table then names it, as for a
 * named GOP). The FFS section belongs to the file, where OEM tools put their module versions: it
 * counts only when its major's generation is one the table names.
 */
function disagreesWithTable(
  source: GopVersionSource | undefined,
  gen: GopLine | undefined,
  families: IgpuFamily[],
): boolean {
  if (!families.length) return false;
  const agrees = gen?.igpus.some((code) => families.some((f) => f.code === code)) ?? false;
  if (source === 'ffs-version') return !agrees;
  return source === 'beside-controller' && gen !== undefined && !agrees;
}

/**
 * Name, version, device IDs and PE headers of an Intel GOP driver image. `ffsVersion` is the
 * EFI_SECTION_VERSION of the FFS file holding it, read only when the image itself has no version.
 */
export function gopInfo(pe: Uint8Array, ffsVersion?: FfsVersion): GopInfo {
  const info = readPe(pe);
  const name = isIntelGop(pe) ? GOP_NAME : '';
  const found = findVersion(pe);
  const fromFfs = found.source ? undefined : ffsVersionParts(ffsVersion);
  const { ids: deviceIds, families: deviceFamilies } = igpuDeviceTable(pe);
  let { major, minor, build } = fromFfs ?? found.parts;
  let versionSource = fromFfs ? 'ffs-version' : found.source;
  const textOf = (parts: (number | undefined)[]) =>
    parts.map((p) => (p === undefined ? '?' : String(p))).join('.');
  let gen = generationFromGopMajor(major);
  let versionRejected: GopInfo['versionRejected'];
  if (disagreesWithTable(versionSource, gen, deviceFamilies)) {
    versionRejected = {
      text: textOf([major, minor, build]),
      source: versionSource as 'ffs-version' | 'beside-controller',
      generation: gen?.label,
    };
    major = minor = build = undefined;
    versionSource = undefined;
    gen = undefined;
  }
  const parts = [major, minor, build];
  const known = parts.filter((p) => p !== undefined).length;
  const versionKnown = known === 3 ? 'full' : known === 0 ? 'none' : 'partial';
  const versionText = known === 0 ? '' : textOf(parts);
  const byIds = deviceFamilies[0];
  return {
    name,
    versionText,
    major,
    minor,
    build,
    versionKnown,
    versionSource,
    deviceIds,
    deviceFamilies: deviceFamilies.map((f) => f.name),
    generation: gen
      ? { code: gen.code, label: gen.label, basis: 'version', igpu: gen.igpus[0] }
      : byIds
        ? { code: byIds.code, label: byIds.name, basis: 'device-ids', igpu: byIds.code }
        : undefined,
    ...(versionRejected ? { versionRejected } : {}),
    pe: info,
  };
}
