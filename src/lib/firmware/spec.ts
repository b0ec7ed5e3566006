/**
 * The numeric codes of the specs the reader and the writers decide by (UEFI PI vol. 3 for
 * volumes, files and sections; PCI Firmware 3.0 and UEFI for option ROMs), named once here.
 * GUIDs live in guids.ts.
 */

/** EFI_FV_FILETYPE_* */
export const FILE_TYPE = {
  all: 0x00,
  raw: 0x01,
  freeform: 0x02,
  securityCore: 0x03,
  peiCore: 0x04,
  dxeCore: 0x05,
  peim: 0x06,
  driver: 0x07,
  combinedPeimDriver: 0x08,
  application: 0x09,
  mm: 0x0a,
  firmwareVolumeImage: 0x0b,
  combinedMmDxe: 0x0c,
  mmCore: 0x0d,
  mmStandalone: 0x0e,
  mmCoreStandalone: 0x0f,
  pad: 0xf0,
} as const;

/** The ranges PI reserves for OEM, debug and FFS-internal file types. */
export const FILE_TYPE_RANGES = {
  oem: [0xc0, 0xdf],
  debug: [0xe0, 0xef],
  ffs: [0xf1, 0xff],
} as const;

export const FILE_TYPE_NAMES: Readonly<Record<number, string>> = {
  [FILE_TYPE.all]: 'ALL',
  [FILE_TYPE.raw]: 'RAW',
  [FILE_TYPE.freeform]: 'FREEFORM',
  [FILE_TYPE.securityCore]: 'SECURITY_CORE',
  [FILE_TYPE.peiCore]: 'PEI_CORE',
  [FILE_TYPE.dxeCore]: 'DXE_CORE',
  [FILE_TYPE.peim]: 'PEIM',
  [FILE_TYPE.driver]: 'DRIVER',
  [FILE_TYPE.combinedPeimDriver]: 'COMBINED_PEIM_DRIVER',
  [FILE_TYPE.application]: 'APPLICATION',
  [FILE_TYPE.mm]: 'MM',
  [FILE_TYPE.firmwareVolumeImage]: 'FIRMWARE_VOLUME_IMAGE',
  [FILE_TYPE.combinedMmDxe]: 'COMBINED_MM_DXE',
  [FILE_TYPE.mmCore]: 'MM_CORE',
  [FILE_TYPE.mmStandalone]: 'MM_STANDALONE',
  [FILE_TYPE.mmCoreStandalone]: 'MM_CORE_STANDALONE',
  [FILE_TYPE.pad]: 'FFS_PAD',
};

/** EFI_FFS_FILE_ATTRIBUTES bits. */
export const FFS_ATTRIB = {
  largeFile: 0x01,
  /** PI 1.6: with volume revision 2, the alignment index counts from 128 KiB. */
  dataAlignment2: 0x02,
  fixed: 0x04,
  /** FFS_ATTRIB_DATA_ALIGNMENT, an index into the alignment table. */
  dataAlignmentMask: 0x38,
  dataAlignmentShift: 3,
  checksum: 0x40,
} as const;

/** IntegrityCheck.File when FFS_ATTRIB_CHECKSUM is clear (PI); FFSv1 volumes used 0x5A. */
export const FFS_FIXED_CHECKSUM = 0xaa;
export const FFS_FIXED_CHECKSUM_REV1 = 0x5a;

/** EFI_FILE_STATE bits, in the order a file goes through them. */
export const FILE_STATE = {
  headerConstruction: 0x01,
  headerValid: 0x02,
  dataValid: 0x04,
  markedForUpdate: 0x08,
  deleted: 0x10,
  headerInvalid: 0x20,
} as const;

/** The State of a finished file: EFI_FILE_HEADER_CONSTRUCTION | HEADER_VALID | DATA_VALID. */
export const FILE_STATE_VALID =
  FILE_STATE.headerConstruction | FILE_STATE.headerValid | FILE_STATE.dataValid;

/** Size of an EFI_FFS_FILE_HEADER, and of the EFI_FFS_FILE_HEADER2 of a large file. */
export const FILE_HEADER_SIZE = 0x18;
export const FILE_HEADER2_SIZE = 0x20;

/** EFI_SECTION_* */
export const SECTION_TYPE = {
  compression: 0x01,
  guidDefined: 0x02,
  disposable: 0x03,
  pe32: 0x10,
  pic: 0x11,
  te: 0x12,
  dxeDepex: 0x13,
  version: 0x14,
  userInterface: 0x15,
  compatibility16: 0x16,
  firmwareVolumeImage: 0x17,
  freeformSubtypeGuid: 0x18,
  raw: 0x19,
  peiDepex: 0x1b,
  mmDepex: 0x1c,
  /** Vendor types UEFITool knows: a 32-bit POST code. */
  insydePostcode: 0x20,
  sctPostcode: 0xf0,
} as const;

export const SECTION_TYPE_NAMES: Readonly<Record<number, string>> = {
  [SECTION_TYPE.compression]: 'COMPRESSION',
  [SECTION_TYPE.guidDefined]: 'GUID_DEFINED',
  [SECTION_TYPE.disposable]: 'DISPOSABLE',
  [SECTION_TYPE.pe32]: 'PE32',
  [SECTION_TYPE.pic]: 'PIC',
  [SECTION_TYPE.te]: 'TE',
  [SECTION_TYPE.dxeDepex]: 'DXE_DEPEX',
  [SECTION_TYPE.version]: 'VERSION',
  [SECTION_TYPE.userInterface]: 'USER_INTERFACE',
  [SECTION_TYPE.compatibility16]: 'COMPATIBILITY16',
  [SECTION_TYPE.firmwareVolumeImage]: 'FIRMWARE_VOLUME_IMAGE',
  [SECTION_TYPE.freeformSubtypeGuid]: 'FREEFORM_SUBTYPE_GUID',
  [SECTION_TYPE.raw]: 'RAW',
  [SECTION_TYPE.peiDepex]: 'PEI_DEPEX',
  [SECTION_TYPE.mmDepex]: 'MM_DEPEX',
  [SECTION_TYPE.insydePostcode]: 'INSYDE_POSTCODE',
  [SECTION_TYPE.sctPostcode]: 'SCT_POSTCODE',
};

/** The Size of EFI_COMMON_SECTION_HEADER that says an EFI_COMMON_SECTION_HEADER2 follows. */
export const SECTION_SIZE_IN_HEADER2 = 0xffffff;

/** EFI_COMPRESSION_SECTION.CompressionType */
export const COMPRESSION_TYPE = {
  none: 0x00,
  /** EFI_STANDARD_COMPRESSION: EFI 1.1 or Tiano. */
  standard: 0x01,
  /** EFI_CUSTOMIZED_COMPRESSION: LZMA in the images that use it. */
  customized: 0x02,
} as const;

/** EFI_GUID_DEFINED_SECTION.Attributes bits. */
export const GUIDED_SECTION_ATTRIB = {
  processingRequired: 0x01,
  authStatusValid: 0x02,
} as const;

/** EFI_FVB_ATTRIBUTES_2 bits the reader uses. */
export const FVB2 = {
  erasePolarity: 0x800,
  /** EFI_FVB2_ALIGNMENT: log2 of the volume's alignment. */
  alignmentMask: 0x001f0000,
  alignmentShift: 16,
} as const;

/** The byte of erased flash: 0xFF under erase polarity 1, else 0x00. */
export const erasedByte = (erasePolarity: boolean): number => (erasePolarity ? 0xff : 0x00);

/** PCI data structure CodeType. */
export const PCI_CODE_TYPE = {
  x86: 0,
  openFirmware: 1,
  hpPaRisc: 2,
  efi: 3,
} as const;

export const PCI_CODE_TYPE_NAMES: Readonly<Record<number, string>> = {
  [PCI_CODE_TYPE.x86]: 'x86 legacy',
  [PCI_CODE_TYPE.openFirmware]: 'Open Firmware',
  [PCI_CODE_TYPE.hpPaRisc]: 'HP PA RISC',
  [PCI_CODE_TYPE.efi]: 'EFI',
};

/** PCI data structure Indicator bit 7: the last image of the ROM. */
export const PCIR_LAST_IMAGE = 0x80;

/** EFI_PCI_EXPANSION_ROM_HEADER.EfiSignature */
export const EFI_ROM_SIGNATURE = 0x0ef1;

/** EFI_PCI_EXPANSION_ROM_HEADER.CompressionType */
export const EFI_ROM_COMPRESSION = {
  none: 0,
  efi: 1,
} as const;

/** IMAGE_FILE_MACHINE_* (PE/COFF), also EfiMachineType of an EFI option ROM image. */
export const PE_MACHINE = {
  ia32: 0x014c,
  ia64: 0x0200,
  ebc: 0x0ebc,
  x64: 0x8664,
  aarch64: 0xaa64,
} as const;

/** EfiSubsystem and EfiMachineType names as option ROM tools print them. */
export const EFI_ROM_SUBSYSTEM_NAMES: Readonly<Record<number, string>> = {
  10: 'EFI application',
  11: 'EFI boot service driver',
  12: 'EFI runtime driver',
};
export const EFI_ROM_MACHINE_NAMES: Readonly<Record<number, string>> = {
  [PE_MACHINE.ia32]: 'IA32',
  [PE_MACHINE.ia64]: 'IA64',
  [PE_MACHINE.x64]: 'x64',
  [PE_MACHINE.ebc]: 'EBC',
  [PE_MACHINE.aarch64]: 'AArch64',
};
