/**
 * Drivers that go into the iGPU's ROM and the patched OVMF: our prebuilt ones, checked against
 * their recorded digests, and the user's Intel GOP, checked to be one OVMF X64 can start.
 */
import { sha256Hex } from '../bytes/sha256';
import { driverBytes, type DriverImage } from '../drivers/generated';
import { FirmwareError } from '../errors';
import { gopInfo, type GopInfo } from '../gop/gop-info';
import { identifyGop } from '../gop/identify';
import { readPe } from '../pe/headers';

const MACHINE_X64 = 0x8664;

/** One of our prebuilt drivers, checked against its recorded SHA-256. */
export async function ourDriver(image: DriverImage): Promise<Uint8Array> {
  const bytes = driverBytes(image);
  // The prebuilt images carry their own digest; a mismatch means a damaged bundle.
  if (bytes.length !== image.size || (await sha256Hex(bytes)) !== image.sha256) {
    throw new FirmwareError(
      'verify',
      `the bundled ${image.fileName} does not match its recorded SHA-256`,
    );
  }
  return bytes;
}

/** Accepts only an x64 Intel GOP driver; returns what it says about itself. */
export function checkGop(gop: Uint8Array): GopInfo {
  let pe;
  try {
    pe = readPe(gop);
  } catch (e) {
    throw new FirmwareError(
      'bad-input',
      `the GOP is not a PE image: ${e instanceof FirmwareError ? e.message : e}`,
      {
        cause: e,
      },
    );
  }
  // The finder's recogniser: a GOP it offers without the name string is accepted here too.
  if (!identifyGop(gop).gop)
    throw new FirmwareError('bad-input', 'this PE image is not an Intel GOP driver');
  // OVMF X64 starts only x64 (and EBC) images from a ROM; an IA32 GOP would be skipped silently.
  if (pe.machine !== MACHINE_X64) {
    throw new FirmwareError(
      'bad-input',
      `the GOP is a ${pe.machineName} image; OVMF (X64) needs an x64 GOP`,
    );
  }
  return gopInfo(gop);
}
