/**
 * Test helpers that read option ROM bytes by the specs' offsets alone, independently of the
 * project's reader, so tests can check what the writer wrote.
 */
import { createHash } from 'node:crypto';

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
export const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;
export const ascii = (b: Uint8Array, o: number, n: number) =>
  String.fromCharCode(...b.subarray(o, o + n));
/** The spec's layout rule, stated independently: 0x38 bytes of headers, PE last, 512-byte blocks. */
export const imageLength = (peSize: number) => Math.ceil((0x38 + peSize) / 512) * 512;

/** Reads every header field of the image at `at` straight from the bytes (PCI FW 3.0 / UEFI offsets). */
export function rawImage(rom: Uint8Array, at: number) {
  const p = at + u16(rom, at + 0x18);
  return {
    signature: u16(rom, at),
    initSize: u16(rom, at + 2) * 512,
    efiSignature: u32(rom, at + 4),
    subsystem: u16(rom, at + 8),
    machine: u16(rom, at + 0x0a),
    compression: u16(rom, at + 0x0c),
    reserved: [...rom.subarray(at + 0x0e, at + 0x16)],
    peOffset: u16(rom, at + 0x16),
    pcirOffset: p - at,
    pcirSignature: ascii(rom, p, 4),
    vendor: u16(rom, p + 4),
    device: u16(rom, p + 6),
    deviceList: u16(rom, p + 8),
    pcirLength: u16(rom, p + 0x0a),
    pcirRevision: rom[p + 0x0c],
    classCode: rom[p + 0x0d] | (rom[p + 0x0e] << 8) | (rom[p + 0x0f] << 16),
    imageLength: u16(rom, p + 0x10) * 512,
    codeRevision: u16(rom, p + 0x12),
    codeType: rom[p + 0x14],
    indicator: rom[p + 0x15],
  };
}
