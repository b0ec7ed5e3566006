/**
 * Option ROMs for a passed-through AMD APU iGPU under stock OVMF, from the user's own AMD GOP
 * and (optionally) APU VBIOS, written by the generic PCI ROM writer (oprom/) and re-read:
 *
 * - combined (`romfile=` of the GPU, BB:00.0): the shape of a discrete card's ROM and of the
 *   community Renoir ROM — the VBIOS image unchanged except its last-image bit and checksum byte,
 *   then an EFI image holding the GOP, both marked 1002:<GPU>;
 * - GOP-only (`romfile=` of the HDMI audio function, BB:00.1): one EFI image;
 * - the VBIOS alone (`romfile=` of BB:00.0 beside the GOP-only ROM).
 *
 * Which PCIR IDs the GOP-only ROM carries: none of them decide whether OVMF runs it. edk2
 * PciBusDxe ProcessOpRomImage (PciOptionRomSupport.c) walks the images of the ROM it read from
 * the function's ROM BAR and loads every EFI image that is not an application, without comparing
 * PCIR vendor/device with the function; the GOP then finds the GPU itself. Community GOP-only ROMs
 * that work carry 1002:1640, 1002:1637, 1002:1681, 1022:15E3 and even 03EA:0668. We mark it with
 * what a reader expects on BB:00.1: vendor 1002, the GPU's audio function ID, class 0x040300
 * (HD audio), or 1002:FFFF when the GPU is not in the table.
 */
import { amdRomFileNames } from './names';
import { sha256Hex } from '../bytes/sha256';
import { pciId } from '../bytes/hex';
import { FirmwareError, hex } from '../errors';
import { gopMessages } from '../gop/messages';
import { checkDeviceIdVendor } from '../graphics-vendor';
import { AMD_VENDOR_ID, lookupAmdApu, type AmdApu } from '../igpu/amd';
import { efiDriverImage } from '../oprom/efi-driver';
import type { LegacyImage, OptionRom } from '../oprom/image';
import { layoutOptionRom } from '../oprom/layout';
import { legacyChecksumOffset, readOptionRom, readPcir } from '../oprom/read';
import { ROM_BLOCK } from '../oprom/image';
import { sum8 } from '../bytes/checksum';
import { verifyOptionRom } from '../oprom/verify';
import { writeLaidOut } from '../oprom/write';
import { PCI_CODE_TYPE, PCIR_LAST_IMAGE } from '../spec';
import type { Text } from '../text';
import { amdGopInfo, type AmdGopInfo } from './gop-info';
import { efiCompress } from '../compress/efi-encoder';
import { vbiosInfo, type VbiosInfo } from './vbios';

const { t } = gopMessages;

const DISPLAY_VGA_CLASS = 0x030000;
const HD_AUDIO_CLASS = 0x040300;
const ANY_DEVICE = 0xffff;
/**
 * Not a limit OVMF enforces (it reads the whole ROM BAR QEMU sizes to the file); the size of the
 * legacy expansion-ROM area (0xC0000-0xDFFFF, PCI Firmware Specification 3.x) that the
 * discrete-card layout, and the cards' flash chips, keep to. Exceeding it gives a warning.
 */
export const COMBINED_ROM_SOFT_LIMIT = 128 << 10;

export type AmdRomKind = 'combined' | 'gop-only' | 'vbios';

export interface AmdRomImage {
  offset: number;
  length: number;
  vendorId: number;
  deviceId: number;
  classCode: number;
  codeType: number;
  last: boolean;
  /** Legacy: SHA-256 of the image; EFI: of the PE as the reader found it. */
  sha256: string;
  /** EFI images: the driver is stored EFI 1.1-compressed. */
  compressed?: boolean;
}

export interface AmdBuiltRom {
  kind: AmdRomKind;
  /** Suggested file name. */
  fileName: string;
  /** The PCI function whose hostpci entry takes it as romfile. */
  function: 'BB:00.0' | 'BB:00.1';
  rom: Uint8Array;
  sha256: string;
  images: AmdRomImage[];
}

export interface AmdRomOptions {
  /** The AMD GOP driver (PE32+ x64). */
  gop: Uint8Array;
  /** The APU VBIOS (a legacy PCI option ROM); without it only the GOP-only ROM is built. */
  vbios?: Uint8Array;
  /** The GPU's PCI device ID (e.g. 0x1900); by default the VBIOS's. */
  deviceId?: number;
  /** Take a `deviceId` only Intel's iGPU table holds all the same (the user said AMD). */
  anyDeviceId?: boolean;
  /**
   * EFI-compress the GOP image (compression type 1, which OVMF's PCI bus driver decodes with the
   * DXE core's Decompress protocol): 'auto' (default) only in a combined ROM that would be over
   * 128 KiB, as the community Renoir ROM does; 'always' in every ROM; 'never'.
   */
  compress?: 'auto' | 'always' | 'never';
}

export interface AmdRoms {
  roms: AmdBuiltRom[];
  gop: AmdGopInfo & { size: number; sha256: string };
  vbios?: VbiosInfo & { size: number; sha256: string };
  /** The GPU the ROMs are for, and the table's entry for it. */
  deviceId?: number;
  apu?: AmdApu;
  warnings: Text[];
}

function checkGop(pe: Uint8Array): AmdGopInfo {
  const info = amdGopInfo(pe);
  if (!info)
    throw new FirmwareError(
      'bad-input',
      'the GOP file is not an AMD GOP driver (no "AMD GOP X64 … Driver Rev." name in a PE32+ x64 image)',
    );
  if (info.phase === 'pei')
    throw new FirmwareError(
      'bad-input',
      'the GOP file is the 32-bit AMD PEI GOP; OVMF runs x64 DXE drivers only',
    );
  return info;
}

/**
 * The first image of the VBIOS file on its own. A VBIOS cut from a chain (a card-shaped ROM, a
 * BIOS's option-ROM file) is not marked last: mark it, and move its checksum byte to match.
 */
function firstImage(bytes: Uint8Array, warnings: Text[]): Uint8Array {
  const p = readPcir(bytes, 0);
  const length = (p?.imageLength ?? 0) * ROM_BLOCK;
  if (!p || length === 0 || length > bytes.length)
    throw new FirmwareError('bad-input', 'the VBIOS file is not a PCI option ROM image');
  const image = bytes.slice(0, length);
  if (!(p.indicator & PCIR_LAST_IMAGE)) {
    warnings.push(t('amd.rom.vbiosHadMore'));
    const summed = sum8(image, 0, image[2] * ROM_BLOCK) === 0;
    image[p.offset + 0x15] |= PCIR_LAST_IMAGE;
    if (summed) {
      const at = legacyChecksumOffset(image, image[2]);
      image[at] = (image[at] - PCIR_LAST_IMAGE) & 0xff;
    }
  }
  return image;
}

/** The VBIOS as the ROM model, with what it says about itself. */
function readVbios(
  bytes: Uint8Array,
  warnings: Text[],
): { image: LegacyImage; info: VbiosInfo; bytes: Uint8Array } {
  const own = firstImage(bytes, warnings);
  let model: OptionRom;
  try {
    model = readOptionRom(own);
  } catch (e) {
    const why = e instanceof FirmwareError ? e.message : String(e);
    throw new FirmwareError('bad-input', `the VBIOS file is not a PCI option ROM: ${why}`, {
      cause: e,
    });
  }
  const image = model.images[0];
  if (image.type !== 'legacy')
    throw new FirmwareError('bad-input', 'the VBIOS file starts with an EFI image, not a VBIOS');
  const info = vbiosInfo(own, {
    ...image.pcir,
    codeType: image.codeType ?? PCI_CODE_TYPE.x86,
  });
  if (!info)
    throw new FirmwareError(
      'bad-input',
      `the VBIOS file is not an AMD APU VBIOS (PCIR ${pciId(image.pcir.vendorId)}:${pciId(image.pcir.deviceId)}, class ${hex(image.pcir.classCode, 6)}; need vendor 1002, display class and an ATOM BIOS)`,
    );
  return { image, info, bytes: own };
}

async function build(
  kind: AmdRomKind,
  model: OptionRom,
  fileName: string,
  fn: AmdBuiltRom['function'],
): Promise<AmdBuiltRom> {
  const layout = layoutOptionRom(model);
  const rom = writeLaidOut(model, layout);
  const verified = await verifyOptionRom(rom, model, layout);
  return {
    kind,
    fileName,
    function: fn,
    rom,
    sha256: await sha256Hex(rom),
    images: verified.map(({ layout: l, sha256 }, i) => {
      const img = model.images[i];
      return {
        offset: l.offset,
        length: l.blocks * 512,
        vendorId: img.pcir.vendorId,
        deviceId: img.pcir.deviceId,
        classCode: img.pcir.classCode,
        codeType: img.type === 'efi' ? PCI_CODE_TYPE.efi : (img.codeType ?? PCI_CODE_TYPE.x86),
        last: l.last,
        sha256,
        ...(img.type === 'efi' ? { compressed: 'data' in img.payload } : {}),
      };
    }),
  };
}

/**
 * The bytes of the VBIOS as written must be the input's except for the PCIR indicator byte and
 * the checksum byte: anything else would be a VBIOS the GPU's vendor did not write.
 */
function checkVbiosKept(written: Uint8Array, original: Uint8Array, image: LegacyImage): void {
  const allowed = new Set([image.pcirOffset + 0x15]);
  if (image.checksumOffset !== null) allowed.add(image.checksumOffset);
  for (let i = 0; i < original.length; i++) {
    if (written[i] !== original[i] && !allowed.has(i))
      throw new FirmwareError(
        'verify',
        `option ROM self-check failed: the VBIOS byte at ${hex(i)} changed`,
        { offset: i },
      );
  }
}

/**
 * The GOP-only ROM, and with a VBIOS the combined ROM and the VBIOS alone, each re-read and
 * checked. FirmwareError `bad-input` for a GOP or VBIOS that is not one.
 */
export async function buildAmdRoms(opts: AmdRomOptions): Promise<AmdRoms> {
  const warnings: Text[] = [];
  const gopInfo = checkGop(opts.gop);
  const vbios = opts.vbios ? readVbios(opts.vbios, warnings) : undefined;
  const deviceId = opts.deviceId ?? vbios?.info.deviceId;
  if (deviceId !== undefined && (deviceId < 0 || deviceId > 0xffff))
    throw new FirmwareError('bad-input', `device ID ${hex(deviceId)} is not 16-bit`);
  if (!opts.anyDeviceId) checkDeviceIdVendor(opts.deviceId, 'amd');
  const apu = deviceId === undefined ? undefined : lookupAmdApu(deviceId);
  if (vbios && deviceId !== undefined && deviceId !== vbios.info.deviceId) {
    warnings.push(
      t('amd.rom.deviceMismatch', {
        given: `1002:${pciId(deviceId)}`,
        vbios: `1002:${pciId(vbios.info.deviceId)}`,
      }),
    );
    const vbiosFamily = vbios.info.apu?.family;
    if (vbiosFamily && apu && vbiosFamily !== apu.family)
      warnings.push(t('amd.rom.familyMismatch', { vbios: vbiosFamily, given: apu.family }));
  }
  if (deviceId !== undefined && !apu)
    warnings.push(t('amd.rom.unknownDevice', { id: `1002:${pciId(deviceId)}` }));

  const device = deviceId === undefined ? 'ffff' : pciId(deviceId);
  const compress = opts.compress ?? 'auto';
  const plain = { pe: opts.gop, name: 'AMD GOP' };
  let packed: typeof plain & { compressed?: Uint8Array } = plain;
  const compressed = () => {
    if (packed === plain) packed = { ...plain, compressed: efiCompress(opts.gop) };
    return packed;
  };
  const gopInput = compress === 'always' ? compressed() : plain;
  const roms: AmdBuiltRom[] = [];

  roms.push(
    await build(
      'gop-only',
      {
        images: [
          efiDriverImage(gopInput, {
            vendorId: AMD_VENDOR_ID,
            deviceId: apu?.audioDeviceId ?? ANY_DEVICE,
            classCode: HD_AUDIO_CLASS,
          }),
        ],
      },
      amdRomFileNames(device).gopOnly,
      'BB:00.1',
    ),
  );

  if (vbios) {
    // The VBIOS image as the vendor wrote it; its PCIR device ID stays (the hardware's own).
    const legacy: LegacyImage = { ...vbios.image };
    const ids = {
      vendorId: AMD_VENDOR_ID,
      deviceId: deviceId ?? vbios.info.deviceId,
      classCode: DISPLAY_VGA_CLASS,
    };
    const name = amdRomFileNames(device).combined;
    let combined = await build(
      'combined',
      { images: [legacy, efiDriverImage(gopInput, ids)] },
      name,
      'BB:00.0',
    );
    if (compress === 'auto' && combined.rom.length > COMBINED_ROM_SOFT_LIMIT) {
      const image = efiDriverImage(compressed(), ids);
      combined = await build('combined', { images: [legacy, image] }, name, 'BB:00.0');
    }
    checkVbiosKept(combined.rom, vbios.bytes, legacy);
    if (combined.rom.length > COMBINED_ROM_SOFT_LIMIT)
      warnings.push(t('amd.rom.over128k', { size: combined.rom.length }));
    roms.unshift(combined);
    // Named by its own PCIR device, which may differ from --device-id.
    const own = pciId(vbios.info.deviceId);
    const alone = await build('vbios', { images: [legacy] }, amdRomFileNames(own).vbios, 'BB:00.0');
    checkVbiosKept(alone.rom, vbios.bytes, legacy);
    roms.push(alone);
  }

  return {
    roms,
    gop: { ...gopInfo, size: opts.gop.length, sha256: await sha256Hex(opts.gop) },
    vbios: vbios && {
      ...vbios.info,
      size: vbios.bytes.length,
      sha256: await sha256Hex(vbios.bytes),
    },
    deviceId,
    apu,
    warnings,
  };
}
