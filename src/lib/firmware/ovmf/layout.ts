/**
 * How an OVMF code image is nested (OvmfPkg's .fdf): FVMAIN_COMPACT holds one FV image file
 * whose single LZMA GUID-defined section decodes to two volume-image sections, PEIFV and DXEFV.
 * Drivers go into DXEFV; everything else must come out as it went in.
 */
import { readPe } from '../pe/headers';
import { FILE_GUIDS, NVRAM_GUIDS, SECTION_GUIDS } from '../guids';
import { FirmwareError } from '../errors';
import { FILE_TYPE, PE_MACHINE, SECTION_TYPE } from '../spec';
import type { VolumeData } from '../tree/data';
import { findAll, pathOf, type FirmwareNode } from '../tree/node';

/** The files we insert (GUIDs of the classic edk2/MMTool recipe, so other tools know them). */
export const GOP_FILE_GUID = '1647B4F3-3E8A-4FDD-81C8-328ED647AB1A';
export const VBT_FILE_GUID = '1647B4F3-3E8A-4FEF-81C8-328ED647AB1A';
export const POLICY_FILE_GUID = '9737D7CA-D869-46E5-A5EF-75D9538688DE';
/** Ours alone (fixed once for this project): the IgdAssignment driver. */
export const IGD_ASSIGNMENT_FILE_GUID = 'C3A5B2D1-6F4E-4B8A-9D2C-7E1F0A3B5C64';

/** Files earlier recipes put in for the same jobs: removed first, so re-patching replaces. */
export const REPLACED_FILE_GUIDS: readonly string[] = [
  GOP_FILE_GUID,
  VBT_FILE_GUID,
  POLICY_FILE_GUID,
  IGD_ASSIGNMENT_FILE_GUID,
  '9737D7CA-D869-45E5-A5EF-75D9438688DE', // PlatformGOPPolicy as other builds name it
  'FDD95992-8F3B-4ADD-8DEC-989EA84E9DF1', // edk2's IgdAssignmentDxe
];

export interface OvmfLayout {
  /** The FVMAIN_COMPACT volume; its size never changes. */
  compact: FirmwareNode;
  /** The FV image file inside it, and that file's LZMA section (decoded). */
  fvFile: FirmwareNode;
  lzmaSection: FirmwareNode;
  peiFv: FirmwareNode;
  dxeFv: FirmwareNode;
}

const PVE_HINT =
  'drop OVMF_CODE_4M.fd or OVMF_CODE_4M.secboot.fd (Proxmox: /usr/share/pve-edk2-firmware/, ' +
  'Debian/Ubuntu: /usr/share/OVMF/)';

function only(nodes: FirmwareNode[], what: string, where: FirmwareNode): FirmwareNode {
  if (nodes.length !== 1) {
    throw new FirmwareError(
      'unsupported',
      `expected one ${what}, found ${nodes.length}: this OVMF build is laid out differently`,
      { path: pathOf(where) },
    );
  }
  return nodes[0];
}

/** Says what a file that is not an OVMF code image is, and what to drop instead. */
function notOvmf(root: FirmwareNode): FirmwareError {
  const volumes = findAll(root, (n) => n.kind === 'volume');
  if (
    volumes.length &&
    volumes.every((v) => v.data.is === 'volume' && NVRAM_GUIDS.includes(v.data.fileSystemGuid))
  )
    return new FirmwareError(
      'unrecognized',
      `this is an OVMF_VARS file (the UEFI variable store), not the firmware code: ${PVE_HINT}`,
    );
  const pe = findAll(
    root,
    (n) =>
      n.data.is === 'section' &&
      (n.data.sectionType === SECTION_TYPE.pe32 || n.data.sectionType === SECTION_TYPE.te),
  )
    .map((n) => {
      try {
        return readPe(n.raw.subarray(n.headerSize)).machine;
      } catch {
        return undefined;
      }
    })
    .find((m) => m !== undefined);
  if (pe === PE_MACHINE.aarch64)
    return new FirmwareError(
      'unrecognized',
      `this is an ARM firmware image (AAVMF/QEMU_EFI); the Intel GOP needs x86 OVMF: ${PVE_HINT}`,
    );
  return new FirmwareError(
    'unrecognized',
    `this is not an OVMF code image (no FVMAIN_COMPACT volume ${FILE_GUIDS.ovmfFvMainCompact}); ` +
      `a vendor BIOS belongs in step 1. Here, ${PVE_HINT}`,
  );
}

/** The header data of a volume `locateOvmf` found. */
export function volumeData(n: FirmwareNode): VolumeData {
  if (n.data.is !== 'volume') {
    throw new FirmwareError('bad-format', `${n.type} is not a volume`, { path: pathOf(n) });
  }
  return n.data;
}

export const isPad = (n: FirmwareNode): boolean =>
  n.data.is === 'file' && n.data.fileType === FILE_TYPE.pad;

/** Finds OVMF's nested volumes in a parsed image (FirmwareError when it is something else). */
export function locateOvmf(root: FirmwareNode): OvmfLayout {
  const compacts = findAll(
    root,
    (n) => n.data.is === 'volume' && n.data.fvName === FILE_GUIDS.ovmfFvMainCompact,
  );
  if (compacts.length === 0) throw notOvmf(root);
  const compact = only(compacts, 'FVMAIN_COMPACT volume', root);
  const fvFile = only(
    compact.children.filter((n) => n.kind === 'file' && n.guid === FILE_GUIDS.ovmfFvMainFile),
    `FV image file ${FILE_GUIDS.ovmfFvMainFile}`,
    compact,
  );
  const lzmaSection = only(
    fvFile.children.filter(
      (n) => n.data.is === 'section' && n.data.definitionGuid === SECTION_GUIDS.lzma && !!n.decoded,
    ),
    'decoded LZMA section',
    fvFile,
  );
  const volumeNamed = (guid: string, what: string) =>
    only(
      findAll(lzmaSection, (n) => n.data.is === 'volume' && n.data.fvName === guid),
      what,
      lzmaSection,
    );
  const peiFv = volumeNamed(FILE_GUIDS.ovmfPeiFv, 'PEIFV');
  const dxeFv = volumeNamed(FILE_GUIDS.ovmfDxeFv, 'DXEFV');
  for (const v of [compact, peiFv, dxeFv]) {
    if (v.warnings.length) {
      throw new FirmwareError('bad-format', `${v.name ?? 'volume'}: ${v.warnings.join('; ')}`, {
        path: pathOf(v),
      });
    }
  }
  return { compact, fvFile, lzmaSection, peiFv, dxeFv };
}
