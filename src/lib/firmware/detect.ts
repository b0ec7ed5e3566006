/**
 * A cheap first guess at what a file is, for `inspect`: signatures at fixed places, then a scan
 * for a firmware volume anywhere. The full parse decides; this only names the file for people.
 */
import { ByteView } from './bytes/view';
import { capsuleFlavourAt, type CapsuleFlavour } from './containers/capsule';
import { DESCRIPTOR_SIGNATURE, readDescriptor } from './containers/descriptor';
import { looksLikeOptionRom, readPcir } from './containers/option-rom';
import { asciiAt, indexOfAscii, peInfo } from './containers/util';
import { findDellZlib, PFS_HEADER_TAG } from './containers/vendor/dell-pfs';
import { findIflashBlocks, IFLASH_MARK, isInsydeSfx } from './containers/vendor/insyde';
import { recognisePackage } from './containers/vendor/packages';
import { FirmwareError } from './errors';

export type FileKind =
  | 'intel-descriptor'
  | 'firmware-volume'
  | 'pe'
  | 'te'
  | 'option-rom'
  | 'capsule-efi'
  | 'capsule-fmp'
  | 'capsule-intel'
  | 'capsule-ami'
  | 'capsule-lenovo'
  | 'capsule-toshiba'
  | 'insyde-iflash'
  | 'dell-pfs'
  | 'ifwi'
  | 'vbt'
  | 'vendor-package'
  | 'unknown';

export interface KindGuess {
  kind: FileKind;
  label: string;
  offset?: number;
  detail?: string;
}

const CAPSULE_KINDS: Record<CapsuleFlavour, { kind: FileKind; label: string }> = {
  efi: { kind: 'capsule-efi', label: 'UEFI capsule' },
  fmp: { kind: 'capsule-fmp', label: 'UEFI firmware-management (FMP) capsule' },
  intel: { kind: 'capsule-intel', label: 'Intel BIOS capsule' },
  lenovo: { kind: 'capsule-lenovo', label: 'Lenovo BIOS capsule' },
  lenovo2: { kind: 'capsule-lenovo', label: 'Lenovo BIOS capsule' },
  toshiba: { kind: 'capsule-toshiba', label: 'Toshiba BIOS capsule' },
  amiSigned: { kind: 'capsule-ami', label: 'AMI Aptio signed capsule (e.g. an ASUS .CAP)' },
  amiUnsigned: { kind: 'capsule-ami', label: 'AMI Aptio unsigned capsule' },
};

/** `_FVH` at 0x28 with a plausible header length and revision. */
function volumeAt(b: Uint8Array, at: number): boolean {
  if (!asciiAt(b, at + 0x28, '_FVH') || at + 0x38 > b.length) return false;
  const v = new ByteView(b);
  const fvLength = v.u32(at + 0x20) + v.u32(at + 0x24) * 0x100000000;
  const headerLength = v.u16(at + 0x30);
  const revision = v.u8(at + 0x37);
  return fvLength >= headerLength && headerLength >= 0x48 && (revision === 1 || revision === 2);
}

function findVolumeAnywhere(b: Uint8Array): number {
  let i = indexOfAscii(b, '_FVH', 0x28);
  while (i >= 0) {
    if (volumeAt(b, i - 0x28)) return i - 0x28;
    i = indexOfAscii(b, '_FVH', i + 1);
  }
  return -1;
}

const hx = (n: number) => '0x' + n.toString(16).toUpperCase();

export function detectKind(bytes: Uint8Array): KindGuess {
  try {
    return guess(bytes);
  } catch (e) {
    // A header that reads past the end is just not what it looked like.
    if (e instanceof FirmwareError)
      return { kind: 'unknown', label: 'Unknown data', detail: e.message };
    throw e;
  }
}

function guess(b: Uint8Array): KindGuess {
  const v = new ByteView(b);
  if (b.length >= 0x14 && v.u32(0x10) === DESCRIPTOR_SIGNATURE) {
    let detail: string | undefined;
    try {
      const d = readDescriptor(b);
      detail = `descriptor v${d.version}; regions: ${d.regions.map((r) => `${r.name} ${hx(r.offset)}+${hx(r.size)}`).join(', ')}`;
    } catch (e) {
      if (!(e instanceof FirmwareError)) throw e;
      detail = `descriptor unreadable: ${e.message}`;
    }
    return {
      kind: 'intel-descriptor',
      label: 'Intel SPI flash image (with flash descriptor)',
      offset: 0,
      detail,
    };
  }
  if (b.length >= 4 && v.u32(0) === DESCRIPTOR_SIGNATURE) {
    return {
      kind: 'intel-descriptor',
      label: 'Intel SPI flash image (with flash descriptor)',
      offset: 0,
      detail: 'old (ICH8-era) layout with the signature at offset 0',
    };
  }
  const cap = capsuleFlavourAt(b);
  if (cap) {
    const c = CAPSULE_KINDS[cap];
    const detail = b.length >= 0x1c ? `header size ${hx(v.u32(0x10))}` : undefined;
    return { ...c, offset: 0, detail };
  }
  if (asciiAt(b, 0, PFS_HEADER_TAG))
    return { kind: 'dell-pfs', label: 'Dell PFS update package', offset: 0 };
  if (asciiAt(b, 8, '_AMIPFAT'))
    return { kind: 'vendor-package', label: 'AMI BIOS Guard (PFAT) update', offset: 0 };
  if (asciiAt(b, 0, IFLASH_MARK)) {
    return { kind: 'insyde-iflash', label: 'Insyde iFlash BIOS package', offset: 0 };
  }
  if (volumeAt(b, 0)) return { kind: 'firmware-volume', label: 'UEFI firmware volume', offset: 0 };
  if (looksLikeOptionRom(b, 0)) {
    const p = readPcir(b, 0);
    const detail = p
      ? `first image: PCI ${p.vendorId.toString(16).padStart(4, '0')}:${p.deviceId.toString(16).padStart(4, '0')}, ${p.codeType === 3 ? 'EFI' : p.codeType === 0 ? 'legacy x86' : `code type ${p.codeType}`}`
      : undefined;
    return { kind: 'option-rom', label: 'PCI option ROM', offset: 0, detail };
  }
  // IFWI (Apollo/Gemini Lake): a BPDT header (signature 0x000055AA) instead of a descriptor.
  if (b.length >= 4 && (v.u32(0) === 0x000055aa || v.u32(0) === 0x00aa55aa)) {
    const fv = findVolumeAnywhere(b);
    return {
      kind: 'ifwi',
      label: 'Intel IFWI image (boot partition table)',
      offset: 0,
      detail: fv >= 0 ? `first firmware volume at ${hx(fv)}` : undefined,
    };
  }
  if (asciiAt(b, 0, 'MZ')) {
    if (findIflashBlocks(b).length || isInsydeSfx(b)) {
      return { kind: 'insyde-iflash', label: 'Insyde BIOS update executable', offset: 0 };
    }
    const z = findDellZlib(b);
    if (z >= 0)
      return { kind: 'dell-pfs', label: 'Dell BIOS update executable (PFS)', offset: z - 5 };
    const info = peInfo(b);
    return {
      kind: 'pe',
      label:
        info.type === 'PE32+ image'
          ? 'PE32+ executable (UEFI driver or application)'
          : 'PE executable',
      offset: 0,
      detail:
        info.problem ?? (info.subsystem !== undefined ? `subsystem ${info.subsystem}` : undefined),
    };
  }
  if (asciiAt(b, 0, 'VZ')) return { kind: 'te', label: 'TE image (terse executable)', offset: 0 };
  if (asciiAt(b, 0, '$VBT'))
    return { kind: 'vbt', label: 'Intel Video BIOS Table (VBT)', offset: 0 };
  const fv = findVolumeAnywhere(b);
  if (fv >= 0) {
    return {
      kind: 'firmware-volume',
      label: 'Firmware image (volumes found inside)',
      offset: fv,
      detail: `first volume at ${hx(fv)}`,
    };
  }
  const pkg = recognisePackage(b);
  if (pkg) {
    const label = pkg.name.replace(/^an? /, '').replace(/:.*/, '');
    return {
      kind: 'vendor-package',
      label: label[0].toUpperCase() + label.slice(1),
      offset: 0,
      detail: `unpack it with ${pkg.tool}`,
    };
  }
  return { kind: 'unknown', label: 'Unknown data' };
}
