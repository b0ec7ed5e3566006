/**
 * What each parser read from a node's header, typed: the data code decides by. A node's
 * display fields (explorer, CLI report) are derived from it (see fields.ts), never the reverse.
 * `is` names the structure; most match the node's kind, containers have one per format.
 */

/** Nodes without a header of their own: the input, padding, free space, opaque bytes. */
export interface NoData {
  is: 'none';
}

export const NO_DATA: NoData = Object.freeze({ is: 'none' });

/** The whole input file. */
export interface ImageData {
  is: 'image';
}

export const IMAGE_DATA: ImageData = Object.freeze({ is: 'image' });

/** EFI_FIRMWARE_VOLUME_HEADER (and the ext header's FvName). */
export interface VolumeData {
  is: 'volume';
  fileSystemGuid: string;
  fileSystem: 'FFSv2' | 'FFSv3' | 'NVRAM' | 'unknown';
  fvLength: number;
  attributes: number;
  erasePolarity: boolean;
  headerLength: number;
  checksum: number;
  extHeaderOffset: number;
  revision: number;
  blockMap: { numBlocks: number; length: number }[];
  fvName?: string;
  /** From EFI_FVB2_ALIGNMENT (revision 2 volumes). */
  alignment?: number;
}

/** EFI_FFS_FILE_HEADER / HEADER2. */
export interface FileData {
  is: 'file';
  fileType: number;
  attributes: number;
  /** The State byte as stored (inverted under erase polarity 1). */
  state: number;
  stateName: string;
  /** DELETED or HEADER_INVALID: the file no longer counts. */
  deleted: boolean;
  /** Required alignment of the file's data, in bytes. */
  alignment: number;
  largeFile: boolean;
  headerChecksum: number;
  dataChecksum: number;
}

/** EFI_COMMON_SECTION_HEADER(2) and the typed header after it, when the type has one. */
export interface SectionData {
  is: 'section';
  sectionType: number;
  header2: boolean;
  /** COMPRESSION */
  uncompressedLength?: number;
  compressionType?: number;
  /** The method that decoded it ('LZMA', 'Tiano', 'EFI 1.1'). */
  compression?: string;
  /** VERSION */
  buildNumber?: number;
  /** FREEFORM_SUBTYPE_GUID */
  subtypeGuid?: string;
  /** INSYDE_POSTCODE, SCT_POSTCODE */
  postcode?: number;
  /** GUID_DEFINED */
  definitionGuid?: string;
  dataOffset?: number;
  attributes?: number;
  /** GUID_DEFINED, firmware contents signed: the WIN_CERTIFICATE's length. */
  certificateLength?: number;
}

/** EFI_PCI_EXPANSION_ROM_HEADER fields of an EFI image. */
export interface EfiRomHeader {
  initializationSize: number;
  signature: number;
  subsystem: number;
  machine: number;
  compression: number;
  imageOffset: number;
}

/** One image of a PCI option ROM: its PCI data structure, and the EFI header for EFI images. */
export interface RomImageData {
  is: 'rom-image';
  vendorId: number;
  deviceId: number;
  classCode: number;
  pcirOffset: number;
  pcirLength: number;
  pcirRevision: number;
  /** The image length PCIR declares, in bytes. */
  imageLength: number;
  codeRevision: number;
  codeType: number;
  last: boolean;
  efi?: EfiRomHeader;
}

/** What the full PE/TE header reader found (absent when the headers are inconsistent). */
export interface PeHeaderData {
  format: 'PE32' | 'PE32+' | 'TE';
  machineName: string;
  subsystemName: string;
  entryPoint: number;
  imageBase: number;
  sizeOfImage: number;
  sectionNames: string[];
  /** PE images only (TE has no checksum field). */
  checksum?: number;
}

export interface PeData {
  is: 'pe';
  machine?: number;
  subsystem?: number;
  headers?: PeHeaderData;
  /** An Intel GOP: its version text and how many device IDs it lists. */
  gop?: {
    versionText: string;
    deviceIdCount: number;
    /** Where the version was read (gop-info.ts), in English. */
    versionFrom: string;
    /** The generation and what named it, e.g. "Meteor Lake / Arrow Lake (from the version major 22)". */
    generation?: string;
  };
}

/** The VBT header (absent when truncated). */
export interface VbtData {
  is: 'vbt';
  header?: { signature: string; version: number; headerSize: number; vbtSize: number };
}

/** A flash-descriptor region; the descriptor region also carries the map's pointers. */
export interface RegionData {
  is: 'region';
  index: number;
  base: number;
  size: number;
  descriptor?: { version: 1 | 2; fcba: number; frba: number };
}

/** A UEFI or vendor capsule header, with the FMP capsule header when there is one. */
export interface CapsuleData {
  is: 'capsule';
  headerSize: number;
  flags: number;
  imageSize: number;
  /** AMI Aptio capsules. */
  ami?: { romImageOffset: number; romLayoutOffset: number };
  fmp?: { version: number; embeddedDrivers: number; payloadItems: number };
}

/** EFI_FIRMWARE_MANAGEMENT_CAPSULE_IMAGE_HEADER, and what precedes its payload. */
export interface FmpImageData {
  is: 'fmp-image';
  headerVersion: number;
  imageType: string;
  imageIndex: number;
  imageSize: number;
  vendorCodeSize: number;
  hardwareInstance?: number;
  capsuleSupport?: number;
  authentication?: { monotonicCount: number; certificateType: string; size: number };
  payloadHeader?: { firmwareVersion: number; lowestSupportedVersion: number };
}

export interface DellZlibData {
  is: 'dell-zlib';
  compressedSize: number;
  /** Inflated size, once inflated. */
  size?: number;
}

export interface DellPfsData {
  is: 'dell-pfs';
  headerVersion: number;
  payloadSize: number;
}

export interface DellPfsEntryData {
  is: 'dell-pfs-entry';
  headerVersion: number;
  version: string;
  dataSize: number;
  signatureSize: number;
  metadataSize: number;
  metadataSignatureSize: number;
  /** Entries that are Intel BIOS Guard blocks. */
  biosGuard?: { flashOffset: number; platform: string };
}

/** A BIOS put together from Intel BIOS Guard blocks (Dell PFS, AMI). */
export interface BiosGuardData {
  is: 'bios-guard';
  blocks: number;
  size: number;
}

export interface InsydePackageData {
  is: 'insyde-package';
  blocks: number;
}

export interface InsydeBlockData {
  is: 'insyde-block';
  tag: string;
  contents: string;
  totalSize: number;
  usedSize: number;
}

export interface AmiPfatData {
  is: 'ami-pfat';
  headerSize: number;
  flags: number;
  files: number;
}

/** A general archive or disk image around the firmware: ZIP, 7z, ISO 9660, a FAT file system. */
export interface ArchiveData {
  is: 'archive';
  format: 'ZIP' | '7z' | 'ISO 9660' | 'FAT';
  /** Files the archive lists (directories not counted). */
  entries: number;
  /** Where the archive starts in the package node (after a self-extractor's stub). */
  archiveOffset: number;
}

/** One file of an archive: its path and how it is stored. */
export interface ArchiveEntryData {
  is: 'archive-entry';
  path: string;
  /** 'stored', 'deflate', 'LZMA', 'LZMA2+BCJ', … */
  method: string;
  /** Bytes the entry takes in the archive (its own, or its share of a solid block). */
  storedSize: number;
  size: number;
  /** The CRC-32 the archive records for it, checked when read. */
  crc32?: number;
}

/** A whole firmware image found by its header inside a file no format reads (containers/carve.ts). */
export interface CarvedData {
  is: 'carved';
  /** 'SPI image', 'UEFI capsule', 'PCI option ROM', 'firmware volume'. */
  contents: string;
  offset: number;
  size: number;
}

/** UEFI_ACPI_VFCT: the ACPI header fields and where the VBIOS records start (containers/acpi-vfct.ts). */
export interface VfctTableData {
  is: 'acpi-vfct';
  length: number;
  revision: number;
  checksum: number;
  /** All bytes of the table sum to 0. */
  checksumOk: boolean;
  oemId: string;
  oemTableId: string;
  vbiosImageOffset: number;
  lib1ImageOffset: number;
}

/** VFCT_IMAGE_HEADER: the PCI function and IDs a VBIOS image of the VFCT table is for. */
export interface VfctImageData {
  is: 'vfct-image';
  bus: number;
  device: number;
  function: number;
  vendorId: number;
  deviceId: number;
  subsystemVendorId: number;
  subsystemId: number;
  revision: number;
  imageLength: number;
}

export type NodeData =
  | NoData
  | ImageData
  | VolumeData
  | FileData
  | SectionData
  | RomImageData
  | PeData
  | VbtData
  | RegionData
  | CapsuleData
  | FmpImageData
  | DellZlibData
  | DellPfsData
  | DellPfsEntryData
  | BiosGuardData
  | InsydePackageData
  | InsydeBlockData
  | AmiPfatData
  | ArchiveData
  | ArchiveEntryData
  | CarvedData
  | VfctTableData
  | VfctImageData;
