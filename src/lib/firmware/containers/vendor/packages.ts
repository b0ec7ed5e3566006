/**
 * Update packages this reader recognises but does not open: scrambled, split or compressed by a
 * vendor tool, or a general archive around the image. When nothing else in a file is firmware,
 * the reader names the package and the tool that unpacks it instead of "unrecognised".
 * Signatures as platomav/BIOSUtilities documents them (common/patterns.py), plus archive magics.
 */
import type { FirmwareFormat, KindGuess } from '../format';
import { asciiAt, indexOfAscii } from '../util';

export interface KnownPackage {
  /** What the file is, for people. */
  name: string;
  /** What unpacks it. */
  tool: string;
}

const BIOS_UTILITIES = 'platomav/BIOSUtilities';

/** Bytes at `at` equal `pattern`, where -1 in the pattern matches any byte. */
export function matchAt(b: Uint8Array, at: number, pattern: readonly number[]): boolean {
  if (at < 0 || at + pattern.length > b.length) return false;
  for (let i = 0; i < pattern.length; i++)
    if (pattern[i] >= 0 && b[at + i] !== pattern[i]) return false;
  return true;
}

/** First offset of `pattern` (first byte fixed) at or after `from`, or -1. */
export function find(b: Uint8Array, pattern: readonly number[], from = 0): number {
  const first = pattern[0];
  for (let i = b.indexOf(first, from); i >= 0; i = b.indexOf(first, i + 1))
    if (matchAt(b, i, pattern)) return i;
  return -1;
}

export const text = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const any = (n: number): number[] => new Array<number>(n).fill(-1);

/** `_AMIPFAT`, any byte, `AMI_BIOS_GUARD_FLASH_CONFIGURATIONS`. */
const AMI_PFAT = [...text('_AMIPFAT'), -1, ...text('AMI_BIOS_GUARD_FLASH_CONFIGURATIONS')];
/** Dell ThinOS packages: an xz stream ('7zXZ') 45 bytes after 13 55 00. */
const DELL_PKG = [0x13, 0x55, 0x00, ...any(45), ...text('7zXZ')];
/** Phoenix TDK packer header. */
const PHOENIX_TDK = [...text('$PACK'), 0, 0, 0, -1, -1, 0, 0, -1, 0, 0, 0];
/** VAIO Packaging Manager cabinet marker (also inside Fujitsu SFX packages). */
const VAIO_CAB = [0xb2, 0xac, 0xbc, 0xb9, ...[0xff, 0xff, 0xff, 0xff], ...any(4)];
const APPLE_IM4P = [0x16, 0x04, ...text('IM4P'), 0x16, 0x04, ...text('mefi')];

function amiUcpAt(b: Uint8Array): boolean {
  for (const tag of ['@UAF', '@HPU']) {
    for (let i = indexOfAscii(b, tag); i >= 0; i = indexOfAscii(b, tag, i + 1))
      if (b[i + 16] === 0x40) return true;
  }
  return false;
}

/**
 * The package `bytes` is, when it is one this reader knows by its signature. Each signature is
 * a search through all of the bytes; `passDone` is called after each.
 */
export function recognisePackage(
  b: Uint8Array,
  passDone: () => void = () => {},
): KnownPackage | undefined {
  if (find(b, AMI_PFAT) >= 0) {
    return {
      // At the start of a file the reader opens it; elsewhere (inside a flasher) it cannot.
      name: 'an AMI BIOS Guard (PFAT) update inside another file: the BIOS is split into signed blocks',
      tool: `the "AMI BIOS Guard Extractor" of ${BIOS_UTILITIES}`,
    };
  }
  passDone();
  if (amiUcpAt(b)) {
    return {
      name: 'an AMI UCP update package (@UAF/@HPU)',
      tool: `the "AMI UCP Update Extractor" of ${BIOS_UTILITIES}`,
    };
  }
  passDone();
  if (find(b, DELL_PKG) >= 0) {
    return {
      name: 'a Dell ThinOS package (xz-compressed PFS)',
      tool: `the "Dell PFS Update Extractor" of ${BIOS_UTILITIES}`,
    };
  }
  passDone();
  if (find(b, PHOENIX_TDK) >= 0) {
    return {
      name: 'a Phoenix TDK packer executable',
      tool: `the "Phoenix TDK Packer Extractor" of ${BIOS_UTILITIES}`,
    };
  }
  passDone();
  if (indexOfAscii(b, 'FjSfxBinay') >= 0) {
    return {
      name: 'a Fujitsu self-extracting BIOS package',
      tool: `the "Fujitsu SFX BIOS Extractor" of ${BIOS_UTILITIES}`,
    };
  }
  passDone();
  const cab = find(b, VAIO_CAB);
  if (
    cab >= 0 &&
    matchAt(
      b,
      cab + 12,
      [0xff, 0xff, 0xff, 0xff, -1, -1, -1, -1, 0xff, 0xff, 0xff, 0xff, 0xfc, 0xfe],
    )
  ) {
    return {
      name: 'a VAIO Packaging Manager executable',
      tool: `the "VAIO Packaging Manager Extractor" of ${BIOS_UTILITIES}`,
    };
  }
  passDone();
  if (asciiAt(b, 0, 'MZ') && indexOfAscii(b, '<UU>') >= 0) {
    return {
      name: 'a Portwell EFI update executable',
      tool: `the "Portwell EFI Update Extractor" of ${BIOS_UTILITIES}`,
    };
  }
  passDone();
  if (find(b, APPLE_IM4P) >= 0) {
    return {
      name: 'an Apple IM4P-wrapped EFI image',
      tool: `the "Apple EFI IM4P Splitter" of ${BIOS_UTILITIES}`,
    };
  }
  passDone();
  return archiveAt(b);
}

/** General archives users download BIOS files in. */
function archiveAt(b: Uint8Array): KnownPackage | undefined {
  const unpack = '7-Zip (or unzip/tar), then open the BIOS image inside';
  // ZIP archives the reader opens never get here: this one has no central directory left.
  if (matchAt(b, 0, [0x50, 0x4b, 0x03, 0x04]))
    return {
      name: 'a ZIP archive: cut short, its central directory (at the end) is missing',
      tool: '7-Zip after downloading it again (7-Zip recovers some files from a cut archive)',
    };
  // 7z archives the reader opens never get here either: this one's start header is damaged.
  if (matchAt(b, 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]))
    return { name: 'a 7-Zip archive: its start header is damaged', tool: unpack };
  if (asciiAt(b, 0, 'Rar!\x1a\x07')) return { name: 'a RAR archive', tool: unpack };
  if (matchAt(b, 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
    return { name: 'an xz file', tool: unpack };
  if (matchAt(b, 0, [0x1f, 0x8b])) return { name: 'a gzip file', tool: unpack };
  if (asciiAt(b, 0, 'MSCF\0\0\0\0'))
    return {
      name: 'a Microsoft cabinet (.cab)',
      tool: '7-Zip or cabextract, then open the BIOS image inside',
    };
  if (asciiAt(b, 0x101, 'ustar')) return { name: 'a tar archive', tool: unpack };
  // InstallShield's own cabinet (unshield's "ISc(" signature), as its installer unpacks it.
  if (asciiAt(b, 0, 'ISc('))
    return {
      name: 'an InstallShield cabinet',
      tool: 'unshield (unshield x data1.cab), then open the BIOS image inside',
    };
  return undefined;
}

/** How people see a package recognised by `recognisePackage`. */
export function describePackage(pkg: KnownPackage): KindGuess {
  const label = pkg.name.replace(/^an? /, '').replace(/:.*/, '');
  return {
    kind: 'vendor-package',
    label: label[0].toUpperCase() + label.slice(1),
    offset: 0,
    detail: `unpack it with ${pkg.tool}`,
  };
}

function probePackage(b: Uint8Array, passDone?: () => void): KindGuess | undefined {
  const pkg = recognisePackage(b, passDone);
  return pkg && describePackage(pkg);
}

/**
 * Named, not opened: the parse ends in an 'unsupported' error that names the tool (see
 * `parseFirmware`). An archive format the reader learns to open gets its own entry before this.
 */
export const knownPackageFormat: FirmwareFormat = {
  name: 'known-package',
  probe: probePackage,
};
