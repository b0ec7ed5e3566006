/**
 * Windows installers vendors ship BIOS updates in: NSIS, Inno Setup and InstallShield, and the
 * WinRAR and IExpress (cabinet) self-extractors. Each is an executable whose own data (after the
 * program, or in its resources) holds the files, usually compressed. A firmware image stored
 * uncompressed inside is found first (`carved`, and volumes here); otherwise the parse ends in
 * an 'unsupported' error naming the installer, its version where it states one, and the tool
 * that unpacks it, instead of reading the stub as a plain PE.
 * Markers as NSIS's fileform.h, innoextract's loader offsets, ISx, RAR's technote and the
 * Microsoft cabinet format (CFHEADER) describe them.
 */
import { ByteView } from '../../bytes/view';
import { FirmwareError } from '../../errors';
import { findVolume, volumesInsideFormat } from '../../fv/volumes';
import { readPe } from '../../pe/headers';
import type { ParseContext } from '../../tree/context';
import type { FirmwareNode } from '../../tree/node';
import type { FirmwareFormat, KindGuess } from '../format';
import { asciiAt } from '../util';
import { find, matchAt, text } from './packages';

export interface InstallerFound {
  kind: 'NSIS' | 'Inno Setup' | 'InstallShield' | 'WinRAR' | 'IExpress';
  /** 'installer', or 'self-extractor' for an archive with a program in front. */
  noun: string;
  /** Where its marker is. */
  offset: number;
  /** The version the installer states, when it states one. */
  version?: string;
  /** What else its header says: compression, file count, uninstaller. */
  facts: string[];
  /** What unpacks it. */
  tool: string;
}

// --- NSIS (Source/exehead/fileform.h: struct firstheader)

/** `siginfo` 0xDEADBEEF and `nsinst` "NullsoftInst", after the u32 flags. */
const NSIS_SIGNATURE = [0xef, 0xbe, 0xad, 0xde, ...text('NullsoftInst')];
const NSIS_FIRST_HEADER = 28;
/** The stub looks for its data at 512-byte steps, so makensis places it there. */
const NSIS_ALIGN = 512;
const NSIS_UNINSTALL = 1;
/** Known flag bits: uninstall, silent, no CRC, force CRC; the NSISBI fork adds four more. */
const NSIS_FLAG_BITS = 0xff;

/** makensis writes "Nullsoft Install System vX.YY" into the stub's manifest. */
function nsisVersion(b: Uint8Array, end: number): string | undefined {
  const at = find(b.subarray(0, end), text('Nullsoft Install System v'));
  if (at < 0) return undefined;
  return versionAt(b, at + 'Nullsoft Install System v'.length);
}

/** Digits and dots at `at` ('3.08'), or undefined when there are none. */
function versionAt(b: Uint8Array, at: number): string | undefined {
  let end = at;
  while (end < b.length && end - at < 16 && (b[end] === 0x2e || (b[end] >= 0x30 && b[end] <= 0x39)))
    end++;
  while (end > at && b[end - 1] === 0x2e) end--;
  return end > at ? String.fromCharCode(...b.subarray(at, end)) : undefined;
}

/**
 * How the data after the first header is packed (7-Zip's NSIS reader tells them apart the same
 * way): a solid stream starts with the compressor's own header, a non-solid one with the packed
 * header's u32 size (bit 31: compressed) and then that.
 */
function nsisCompression(b: Uint8Array, at: number): string {
  const lzma = (p: number) => b[p] === 0x5d && b[p + 1] === 0 && b[p + 2] === 0;
  const bzip2 = (p: number) => b[p] === 0x31 && b[p + 1] < 14;
  if (lzma(at)) return 'compressed with LZMA, solid';
  if (bzip2(at)) return 'compressed with bzip2, solid';
  if (at + 4 > b.length || !(b[at + 3] & 0x80)) return 'header not compressed';
  if (lzma(at + 4)) return 'compressed with LZMA';
  if (bzip2(at + 4)) return 'compressed with bzip2';
  return 'compressed with zlib';
}

function nsisAt(b: Uint8Array): InstallerFound | undefined {
  const v = new ByteView(b);
  for (let at = NSIS_ALIGN; at + NSIS_FIRST_HEADER <= b.length; at += NSIS_ALIGN) {
    if (!matchAt(b, at + 4, NSIS_SIGNATURE)) continue;
    const flags = v.u32(at);
    const headerLength = v.u32(at + 20);
    const archiveLength = v.u32(at + 24);
    if (flags & ~NSIS_FLAG_BITS || headerLength === 0) continue;
    if (archiveLength < NSIS_FIRST_HEADER || at + archiveLength > b.length) continue;
    const facts = [nsisCompression(b, at + NSIS_FIRST_HEADER)];
    if (flags & NSIS_UNINSTALL) facts.unshift('an uninstaller');
    return {
      kind: 'NSIS',
      noun: 'installer',
      offset: at,
      version: nsisVersion(b, at),
      facts,
      tool: '7-Zip (7z x installer.exe), or on Windows the extract switch its vendor documents',
    };
  }
  return undefined;
}

// --- Inno Setup (innoextract loader/offsets.cpp, setup/version.cpp)

/** `Inno` at 0x30, then the file offset of the loader table and its bitwise NOT (before 5.1.5). */
const INNO_EXE_HEADER = 0x30;
/** Loader table ids: "rDlPtS" + "0N" + 87 "eVx" up to 5.1.4, then two fixed ids (in resources). */
const INNO_TABLE_OLD = [...text('rDlPtS'), -1, -1, 0x87, ...text('eVx')];
const INNO_TABLE_IDS = [
  [...text('rDlPtS'), 0xcd, 0xe6, 0xd7, 0x7b, 0x0b, 0x2a],
  [...text('nS5W7dT'), 0x83, 0xaa, 0x1b, 0x0f, 0x6a],
];
/** The setup data starts with this text and the version that wrote it: "(6.2.0) (u)". */
const INNO_DATA_MARKS = ['Inno Setup Setup Data (', 'My Inno Setup Extensions Setup Data ('];

function innoTableAt(b: Uint8Array, passDone: () => void): number {
  const v = new ByteView(b);
  if (v.has(INNO_EXE_HEADER, 12) && asciiAt(b, INNO_EXE_HEADER, 'Inno')) {
    const table = v.u32(INNO_EXE_HEADER + 4);
    if ((table ^ v.u32(INNO_EXE_HEADER + 8)) === -1 && matchAt(b, table, INNO_TABLE_OLD))
      return table;
  }
  for (const id of INNO_TABLE_IDS) {
    const at = find(b, id);
    passDone();
    if (at >= 0) return at;
  }
  return find(b, INNO_TABLE_OLD);
}

function innoAt(b: Uint8Array, passDone: () => void): InstallerFound | undefined {
  const table = innoTableAt(b, passDone);
  for (const mark of INNO_DATA_MARKS) {
    passDone();
    for (let at = find(b, text(mark)); at >= 0; at = find(b, text(mark), at + 1)) {
      const version = versionAt(b, at + mark.length);
      // A program that merely mentions the text (innoextract itself) has no version after it.
      if (!version) continue;
      const rest = at + mark.length + version.length;
      const unicode = asciiAt(b, rest, ') (u)') || asciiAt(b, rest, ') (U)');
      return inno(table >= 0 ? table : at, version, unicode ? ['Unicode'] : []);
    }
  }
  return table >= 0 ? inno(table, undefined, []) : undefined;
}

const inno = (offset: number, version: string | undefined, facts: string[]): InstallerFound => ({
  kind: 'Inno Setup',
  noun: 'installer',
  offset,
  version,
  facts,
  tool: 'innoextract (innoextract installer.exe), or on Windows its extract-only option where the vendor offers one',
});

// --- InstallShield (ISx: the 46-byte header after the executable's last section)

const IS_SIGNATURES = ['InstallShield\0', 'ISSetupStream\0'];
const IS_HEADER = 0x2e;
/** How far after the last section the header may start (some builds put a few bytes first). */
const IS_SLACK = 0x200;
/** Without a header ("plain"), file records of 312 bytes: a 260-byte name first. */
const IS_PLAIN_RECORD = 0x138;
const IS_TOOL =
  'ISx (github.com/lifenjoiner/ISx), then unshield for the data1.cab inside; or on Windows its extract switch (setup.exe /a, or the one its vendor documents)';

/** Where the data after the program's sections starts, or -1 when its headers do not read. */
function overlayOf(b: Uint8Array): number {
  try {
    return readPe(b).fileSize;
  } catch (e) {
    if (e instanceof FirmwareError) return -1;
    throw e;
  }
}

function installShieldAt(b: Uint8Array, overlay: number): InstallerFound | undefined {
  const v = new ByteView(b);
  const end = Math.min(b.length - IS_HEADER, overlay + IS_SLACK);
  for (let at = overlay; at <= end; at++) {
    const sig = IS_SIGNATURES.find((s) => asciiAt(b, at, s));
    if (!sig) continue;
    const files = v.u16(at + 14);
    const type = v.u32(at + 16);
    // ISx reads header types 0 to 4 only.
    if (files === 0 || type > 4) continue;
    return {
      kind: 'InstallShield',
      noun: 'installer',
      offset: at,
      facts: [`${files} file${files === 1 ? '' : 's'}`, `${sig.slice(0, -1)} data, encoded`],
      tool: IS_TOOL,
    };
  }
  // A plain one starts with its data1.cab's record; the cabinet's own "ISc(" follows it.
  const name = text('data1.cab\0');
  const plain = find(b.subarray(0, overlay + IS_SLACK + name.length), name, overlay);
  if (plain >= 0 && asciiAt(b, plain + IS_PLAIN_RECORD, 'ISc('))
    return {
      kind: 'InstallShield',
      noun: 'installer',
      offset: plain,
      facts: ['plain, data1.cab first'],
      tool: IS_TOOL,
    };
  return undefined;
}

// --- Archives with a program in front: WinRAR (RAR 4 and 5 marker) and IExpress (a cabinet)

/** WinRAR looks for its archive this far into a self-extractor. */
const RAR_SEARCH = 0x100000;

function rarSfxAt(b: Uint8Array, overlay: number): InstallerFound | undefined {
  const from = Math.max(overlay, 0x40);
  const end = Math.min(b.length, from + RAR_SEARCH);
  const at = find(b.subarray(0, end), [...text('Rar!'), 0x1a, 0x07], from);
  if (at < 0 || (b[at + 6] !== 0 && !(b[at + 6] === 1 && b[at + 7] === 0))) return undefined;
  return {
    kind: 'WinRAR',
    noun: 'self-extractor',
    offset: at,
    facts: [b[at + 6] === 0 ? 'RAR 4 archive' : 'RAR 5 archive'],
    tool: '7-Zip or unrar (7z x file.exe)',
  };
}

/** IExpress (and other cabinet self-extractors) keep an MS cabinet in the program's resources. */
function cabSfxAt(b: Uint8Array): InstallerFound | undefined {
  const v = new ByteView(b);
  for (
    let at = find(b, text('MSCF\0\0\0\0'));
    at >= 0;
    at = find(b, text('MSCF\0\0\0\0'), at + 1)
  ) {
    if (!v.has(at, 0x24)) break;
    // Reserved fields zero, format version 1.3, the cabinet inside the file, at least one file.
    const fits = v.u32(at + 8) <= b.length - at && v.u32(at + 12) === 0;
    if (fits && b[at + 0x18] === 3 && b[at + 0x19] === 1 && v.u16(at + 0x1c) > 0) {
      const files = v.u16(at + 0x1c);
      return {
        kind: 'IExpress',
        noun: 'self-extractor',
        offset: at,
        facts: [`a Microsoft cabinet of ${files} file${files === 1 ? '' : 's'}`],
        tool: '7-Zip or cabextract, or on Windows its /C /T:<folder> extract switch',
      };
    }
  }
  return undefined;
}

/**
 * The installer an executable is, when it carries one's markers. Inno Setup's and the cabinet's
 * markers are searched for through all of the bytes; `passDone` is called between searches.
 */
export function recogniseInstaller(
  b: Uint8Array,
  passDone: () => void = () => {},
): InstallerFound | undefined {
  if (!asciiAt(b, 0, 'MZ')) return undefined;
  const nsis = nsisAt(b);
  if (nsis) return nsis;
  const innoSetup = innoAt(b, passDone);
  if (innoSetup) return innoSetup;
  const overlay = overlayOf(b);
  if (overlay < 0) return undefined;
  passDone();
  return installShieldAt(b, overlay) ?? rarSfxAt(b, overlay) ?? cabSfxAt(b);
}

/** 'an NSIS 3.08 installer (compressed with LZMA, solid)'. */
export function describeInstaller(i: InstallerFound): string {
  const version = i.version ? ` ${i.version}` : '';
  const facts = i.facts.length ? ` (${i.facts.join(', ')})` : '';
  // NSIS is said en-ess; the other names start as they sound.
  const article = /^[AEIOUN]/.test(i.kind) ? 'an' : 'a';
  return `${article} ${i.kind}${version} ${i.noun}${facts}`;
}

async function openInstaller(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  const found = recogniseInstaller(bytes);
  if (!found) return false;
  // Firmware volumes stored as they are (an uncompressed BIOS region) are still read.
  if (findVolume(bytes, 0) >= 0) return volumesInsideFormat.open!(parent, bytes, base, abs, ctx);
  throw new FirmwareError(
    'unsupported',
    `this is ${describeInstaller(found)}, which this reader cannot open, and no firmware image is stored uncompressed in it; extract it with ${found.tool}, then open the BIOS image inside`,
    { offset: abs },
  );
}

function probeInstaller(b: Uint8Array, passDone?: () => void): KindGuess | undefined {
  const found = recogniseInstaller(b, passDone);
  if (!found) return undefined;
  return {
    kind: 'vendor-package',
    label: `${found.kind} ${found.noun}${found.version ? ` ${found.version}` : ''}`,
    offset: found.offset,
    detail: `extract it with ${found.tool}`,
  };
}

/** After carving (an image stored inside wins), before the bare PE check. */
export const installerFormat: FirmwareFormat = {
  name: 'installer',
  probe: probeInstaller,
  open: openInstaller,
};
