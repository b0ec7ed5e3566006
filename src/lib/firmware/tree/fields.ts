/**
 * A node's display fields, derived from its typed data: the names and formatting people see
 * in the explorer and the CLI report. Nothing decides anything by these; code reads `data`.
 */
import { hexDigits } from '../bytes/hex';
import { hex } from '../errors';
import { EFI_ROM_MACHINE_NAMES, EFI_ROM_SUBSYSTEM_NAMES, PCI_CODE_TYPE_NAMES } from '../spec';
import type { NodeData } from './data';
import { FIELD_LABELS, type FieldId, type FieldLabels } from './labels';

/** A display value: what the explorer and the CLI report show for one field. */
export type FieldValue = string | number | boolean;

const h4 = (n: number) => hex(n, 4);

/** The display fields of a node with `data` and `raw`, named by `labels`. */
export function displayFields(
  node: { data: NodeData; raw: Uint8Array },
  labels: FieldLabels = FIELD_LABELS,
): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  const put = (id: FieldId, value: FieldValue | undefined) => {
    if (value !== undefined) out[labels[id]] = value;
  };
  const size = node.raw.length;
  const d = node.data;
  switch (d.is) {
    case 'none':
      break;
    case 'image':
      put('size', size);
      break;
    case 'volume':
      put('fileSystemGuid', d.fileSystemGuid);
      put('fileSystem', d.fileSystem);
      put('fvLength', d.fvLength);
      put('attributes', d.attributes);
      put('erasePolarity', d.erasePolarity ? 1 : 0);
      put('headerLength', d.headerLength);
      put('checksum', d.checksum);
      put('extHeaderOffset', d.extHeaderOffset);
      put('revision', d.revision);
      put('blockMap', d.blockMap.map((b) => `${b.numBlocks}x${hex(b.length)}`).join(', '));
      put('fvName', d.fvName);
      put('alignment', d.alignment);
      break;
    case 'file':
      put('fileType', d.fileType);
      put('attributes', d.attributes);
      put('size', size);
      put('state', d.state);
      put('stateName', d.stateName);
      put('alignment', d.alignment);
      put('largeFile', d.largeFile);
      put('headerChecksum', d.headerChecksum);
      put('dataChecksum', d.dataChecksum);
      if (d.deleted) put('deleted', true);
      break;
    case 'section':
      put('sectionType', d.sectionType);
      put('size', size);
      put('header2', d.header2);
      put('uncompressedLength', d.uncompressedLength);
      put('compressionType', d.compressionType);
      put('compression', d.compression);
      put('buildNumber', d.buildNumber);
      put('subtypeGuid', d.subtypeGuid);
      put('postcode', d.postcode);
      put('sectionDefinitionGuid', d.definitionGuid);
      put('dataOffset', d.dataOffset);
      put('attributes', d.attributes);
      put('certificateLength', d.certificateLength);
      break;
    case 'rom-image':
      put('vendorId', h4(d.vendorId));
      put('deviceId', h4(d.deviceId));
      put('classCode', hex(d.classCode, 6));
      put('pcirOffset', hex(d.pcirOffset));
      put('pcirLength', d.pcirLength);
      put('pcirRevision', d.pcirRevision);
      put('imageLength', d.imageLength);
      put('codeRevision', h4(d.codeRevision));
      put('codeType', d.codeType);
      put('codeTypeName', PCI_CODE_TYPE_NAMES[d.codeType] ?? 'unknown');
      put('last', d.last);
      if (d.efi) {
        put('initializationSize', d.efi.initializationSize);
        put('efiSignature', hex(d.efi.signature));
        put('subsystem', d.efi.subsystem);
        put('subsystemName', EFI_ROM_SUBSYSTEM_NAMES[d.efi.subsystem] ?? 'unknown');
        put('machine', hex(d.efi.machine));
        put('machineName', EFI_ROM_MACHINE_NAMES[d.efi.machine] ?? 'unknown');
        put('compression', d.efi.compression);
        put('imageOffset', hex(d.efi.imageOffset));
      }
      break;
    case 'pe':
      if (d.machine !== undefined) put('machine', hex(d.machine));
      put('subsystem', d.subsystem);
      if (d.headers) {
        const p = d.headers;
        put('machineName', p.machineName);
        put('subsystemName', p.subsystemName);
        put('entryPoint', hex(p.entryPoint));
        put('imageBase', hex(p.imageBase));
        put('sizeOfImage', p.sizeOfImage);
        put('sections', p.sectionNames.map((s) => s || '""').join(' '));
        if (p.checksum !== undefined) put('checksum', hex(p.checksum));
      }
      if (d.gop) {
        put('gopVersion', d.gop.versionText);
        put('gopVersionFrom', d.gop.versionFrom);
        if (d.gop.generation) put('gopGeneration', d.gop.generation);
        if (d.gop.deviceIdCount) put('gopDeviceIds', d.gop.deviceIdCount);
      }
      break;
    case 'vbt':
      if (d.header) {
        put('signature', d.header.signature);
        put('version', d.header.version);
        put('headerSize', d.header.headerSize);
        put('vbtSize', d.header.vbtSize);
      }
      break;
    case 'region':
      put('index', d.index);
      put('base', hex(d.base));
      put('size', hex(d.size));
      if (d.descriptor) {
        put('version', d.descriptor.version);
        put('fcba', hex(d.descriptor.fcba));
        put('frba', hex(d.descriptor.frba));
      }
      break;
    case 'capsule':
      put('headerSize', hex(d.headerSize));
      put('flags', hex(d.flags));
      put('imageSize', hex(d.imageSize));
      if (d.ami) {
        put('romImageOffset', hex(d.ami.romImageOffset));
        put('romLayoutOffset', hex(d.ami.romLayoutOffset));
      }
      if (d.fmp) {
        put('fmpVersion', d.fmp.version);
        put('embeddedDrivers', d.fmp.embeddedDrivers);
        put('payloadItems', d.fmp.payloadItems);
      }
      break;
    case 'fmp-image':
      put('headerVersion', d.headerVersion);
      put('imageType', d.imageType);
      put('imageIndex', d.imageIndex);
      put('imageSize', hex(d.imageSize));
      put('vendorCodeSize', hex(d.vendorCodeSize));
      if (d.hardwareInstance !== undefined) put('hardwareInstance', hex(d.hardwareInstance));
      if (d.capsuleSupport !== undefined) put('capsuleSupport', hex(d.capsuleSupport));
      if (d.authentication) {
        put('monotonicCount', d.authentication.monotonicCount);
        put('certificateType', d.authentication.certificateType);
        put('authenticationSize', hex(d.authentication.size));
      }
      if (d.payloadHeader) {
        put('payloadHeader', 'MSS1');
        put('firmwareVersion', hex(d.payloadHeader.firmwareVersion));
        put('lowestSupportedVersion', hex(d.payloadHeader.lowestSupportedVersion));
      }
      break;
    case 'dell-zlib':
      put('compressedSize', hex(d.compressedSize));
      if (d.size !== undefined) put('size', hex(d.size));
      break;
    case 'dell-pfs':
      put('headerVersion', d.headerVersion);
      put('payloadSize', hex(d.payloadSize));
      break;
    case 'dell-pfs-entry':
      put('headerVersion', d.headerVersion);
      put('version', d.version);
      put('dataSize', hex(d.dataSize));
      put('signatureSize', hex(d.signatureSize));
      put('metadataSize', hex(d.metadataSize));
      put('metadataSignatureSize', hex(d.metadataSignatureSize));
      if (d.biosGuard) {
        put('flashOffset', hex(d.biosGuard.flashOffset));
        put('biosGuardPlatform', d.biosGuard.platform);
      }
      break;
    case 'bios-guard':
      put('blocks', d.blocks);
      put('size', hex(d.size));
      break;
    case 'insyde-package':
      put('blocks', d.blocks);
      break;
    case 'insyde-block':
      put('tag', d.tag);
      put('contents', d.contents);
      put('totalSize', hex(d.totalSize));
      put('usedSize', hex(d.usedSize));
      break;
    case 'ami-pfat':
      put('headerSize', hex(d.headerSize));
      put('flags', hex(d.flags));
      put('files', d.files);
      break;
    case 'archive':
      put('archiveFormat', d.format);
      put('files', d.entries);
      if (d.archiveOffset) put('archiveOffset', hex(d.archiveOffset));
      break;
    case 'archive-entry':
      put('entryPath', d.path);
      put('method', d.method);
      put('storedSize', d.storedSize);
      put('size', d.size);
      if (d.crc32 !== undefined) put('crc32', hex(d.crc32, 8));
      break;
    case 'carved':
      put('contents', d.contents);
      put('base', hex(d.offset));
      put('size', hex(d.size));
      break;
    case 'acpi-vfct':
      put('tableLength', hex(d.length));
      put('revision', d.revision);
      put('checksum', hex(d.checksum, 2));
      put('oemId', d.oemId);
      put('oemTableId', d.oemTableId);
      put('vbiosImageOffset', hex(d.vbiosImageOffset));
      put('lib1ImageOffset', hex(d.lib1ImageOffset));
      break;
    case 'vfct-image':
      put('pciAddress', `${hexDigits(d.bus, 2)}:${hexDigits(d.device, 2)}.${d.function}`);
      put('vendorId', h4(d.vendorId));
      put('deviceId', h4(d.deviceId));
      put('subsystem', `${h4(d.subsystemVendorId)}:${h4(d.subsystemId)}`);
      put('revision', d.revision);
      put('imageLength', hex(d.imageLength));
      break;
  }
  return out;
}
