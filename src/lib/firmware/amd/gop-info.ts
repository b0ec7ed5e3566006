/**
 * What an AMD GOP driver says about itself. AMD's x64 DXE GOP names itself in one UTF-16 string,
 * "AMD GOP X64 Release Driver Rev.2.18.0.17.10.May  4 2021.04:16:52" (3.x builds say "Rel
 * Driver"), version and build date included. The 32-bit PEI GOP (AmdGopPei, IA32) carries no such
 * string; it is known by its PDB path and is reported, never offered: OVMF's DXE phase on x64
 * cannot run it.
 */
import { readPe, type PeInfo } from '../pe/headers';
import { indexOf, utf16 } from '../gop/gop-info';

export interface AmdGopInfo {
  /** The driver's own name string; undefined for the PEI GOP. */
  name?: string;
  /** e.g. "3.8.12", or undefined when the image states none. */
  version?: string;
  /** "Dec  6 2024" as the name string gives it. */
  buildDate?: string;
  /** 'dxe' for the x64 GOP OVMF can load; 'pei' for the 32-bit PEI GOP. */
  phase: 'dxe' | 'pei';
  pe: PeInfo;
}

const MACHINE_X64 = 0x8664;
const MACHINE_IA32 = 0x14c;
/** The start of the name string, in UTF-16LE: "AMD GOP ". */
const NAME_PREFIX = utf16('AMD GOP ');
const NAME_PATTERN =
  /^AMD GOP (?:X64|IA32) Rel(?:ease)? Driver Rev\.(\d+(?:\.\d+)*)\.([A-Z][a-z]{2} [ \d]\d \d{4})/;
/** The PDB path AMD's build leaves in the PEI GOP ("…\AmdGopPkg\AmdGopPei\…\PEIGOP.pdb"). */
const PEI_MARKER = ascii('AmdGopPei');

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The UTF-16LE string starting at `at`, up to a NUL or a non-printable unit (at most 200). */
function utf16At(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = at; i + 1 < b.length && s.length < 200; i += 2) {
    const c = b[i] | (b[i + 1] << 8);
    if (c < 0x20 || c > 0x7e) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** The AMD GOP in a PE image, or undefined when the image is not one. */
export function amdGopInfo(image: Uint8Array): AmdGopInfo | undefined {
  let pe: PeInfo;
  try {
    pe = readPe(image);
  } catch {
    return undefined;
  }
  for (let at = indexOf(image, NAME_PREFIX); at >= 0;) {
    const name = utf16At(image, at);
    const m = NAME_PATTERN.exec(name);
    if (m && pe.machine === MACHINE_X64) {
      return { name, version: m[1], buildDate: m[2], phase: 'dxe', pe };
    }
    at = indexOf(image, NAME_PREFIX, at + 2);
  }
  if (pe.machine === MACHINE_IA32 && indexOf(image, PEI_MARKER) >= 0) return { phase: 'pei', pe };
  return undefined;
}

/** "AMD GOP 3.8.12 (x64)", for one line in a report. */
export function amdGopLabel(info: AmdGopInfo): string {
  const arch = info.pe.machineName;
  return info.phase === 'pei'
    ? `AMD PEI GOP (${arch}, no version string)`
    : `AMD GOP ${info.version ?? '?'} (${arch})`;
}
