/**
 * EFI images from PE drivers: the checks that keep a ROM from holding a driver the PCI bus driver
 * would skip, and the one-call ROM of EFI drivers EfiRom makes (`EfiRom -e a.efi b.efi`).
 */
import { efiDecompress } from '../compress/efi';
import { FirmwareError } from '../errors';
import { readPe } from '../pe/headers';
import { EFI_ROM_COMPRESSION } from '../spec';
import { type EfiImage, type Pcir } from './image';
import { writeOptionRom } from './write';
import type { LayoutOptions } from './layout';

const SUBSYSTEM_BOOT_SERVICE_DRIVER = 11;
const SUBSYSTEM_RUNTIME_DRIVER = 12;

export interface EfiDriverInput {
  /** A PE32/PE32+ EFI driver, stored as given (the whole file). */
  pe: Uint8Array;
  /** For messages and reports only. */
  name?: string;
  /**
   * The driver as an EFI 1.1 compressed stream, stored instead of the PE; it must decode to `pe`.
   * (The core has no EFI compressor of its own: streams come from the input ROM or the caller.)
   */
  compressed?: Uint8Array;
}

/** PCIR identity of the images; the defaults are EfiRom's. */
export interface PcirIds {
  /** 0x8086 by default. */
  vendorId?: number;
  /** 0xFFFF by default (OVMF's PCI bus driver does not compare it). */
  deviceId?: number;
  /** base << 16 | sub << 8 | interface; 0x030000 (VGA display) by default. */
  classCode?: number;
  /** 0 by default, as EfiRom writes it without -r. */
  codeRevision?: number;
}

export function pcirFor(ids: PcirIds = {}): Pcir {
  return {
    vendorId: ids.vendorId ?? 0x8086,
    deviceId: ids.deviceId ?? 0xffff,
    classCode: ids.classCode ?? 0x030000,
    codeRevision: ids.codeRevision ?? 0,
  };
}

/**
 * The EFI image for one driver. Throws FirmwareError `bad-input` for a file that is not a PE
 * boot-service or runtime driver, or a compressed stream that does not decode to it.
 */
export function efiDriverImage(input: EfiDriverInput, ids: PcirIds = {}, index = 0): EfiImage {
  const name = input.name ?? `image ${index}`;
  let info;
  try {
    info = readPe(input.pe);
  } catch (e) {
    const why = e instanceof FirmwareError ? e.message : String(e);
    throw new FirmwareError('bad-input', `${name} is not a usable PE image: ${why}`, { cause: e });
  }
  // EfiRom takes MZ/PE images only; a TE image has no place in an option ROM.
  if (info.format === 'TE')
    throw new FirmwareError('bad-input', `${name} is a TE image; option ROMs hold PE images`);
  // The PCI bus driver starts only boot-service and runtime drivers from a ROM; anything else
  // would sit in the ROM and silently never run.
  if (
    info.subsystem !== SUBSYSTEM_BOOT_SERVICE_DRIVER &&
    info.subsystem !== SUBSYSTEM_RUNTIME_DRIVER
  ) {
    throw new FirmwareError(
      'bad-input',
      `${name} is an ${info.subsystemName} (subsystem ${info.subsystem}); a PCI option ROM only runs EFI drivers (11 or 12)`,
    );
  }
  if (input.compressed) checkStream(input.compressed, input.pe, name);
  return {
    type: 'efi',
    pcir: pcirFor(ids),
    subsystem: info.subsystem,
    machine: info.machine,
    payload: input.compressed
      ? { compression: EFI_ROM_COMPRESSION.efi, data: input.compressed, pe: input.pe }
      : { compression: EFI_ROM_COMPRESSION.none, pe: input.pe },
  };
}

function checkStream(stream: Uint8Array, pe: Uint8Array, name: string): void {
  let decoded: Uint8Array;
  try {
    decoded = efiDecompress(stream, 'efi');
  } catch (e) {
    throw new FirmwareError('bad-input', `${name}: the compressed stream does not decode`, {
      cause: e,
    });
  }
  if (decoded.length !== pe.length || decoded.some((b, i) => b !== pe[i]))
    throw new FirmwareError('bad-input', `${name}: the compressed stream decodes to another PE`);
}

/**
 * A PCI option ROM holding one EFI image per driver, in the given order, with the same PCIR
 * identity; the last image carries the last-image indicator. FirmwareError `bad-input` for
 * drivers OVMF would not run or IDs out of range, `no-space` beyond the size limit.
 */
export function buildOptionRom(
  drivers: readonly EfiDriverInput[],
  ids: PcirIds = {},
  limits: LayoutOptions = {},
): Uint8Array {
  return writeOptionRom({ images: drivers.map((d, i) => efiDriverImage(d, ids, i)) }, limits);
}
