import { FirmwareError } from '../errors';

/** Byte indices in text order: Data1..3 are little-endian, Data4 as stored; -1 is a dash. */
const GUID_TEXT_ORDER = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];

/** EFI_GUID bytes (mixed-endian) → canonical upper-case text `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`. */
export function guidAt(bytes: Uint8Array, offset = 0): string {
  if (offset < 0 || offset + 16 > bytes.length) {
    throw new FirmwareError('truncated', `a GUID needs 16 bytes at 0x${offset.toString(16)}`, {
      offset,
    });
  }
  let text = '';
  for (const i of GUID_TEXT_ORDER) {
    text += i < 0 ? '-' : bytes[offset + i].toString(16).padStart(2, '0');
  }
  return text.toUpperCase();
}

const GUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Canonical GUID text → its 16 on-disk bytes. */
export function guidBytes(text: string): Uint8Array {
  if (!GUID_TEXT.test(text)) {
    throw new FirmwareError('bad-input', `"${text}" is not a GUID`);
  }
  const hx = text.replace(/-/g, '');
  const b = new Uint8Array(16);
  const byte = (i: number) => parseInt(hx.substr(i * 2, 2), 16);
  // Data1 (LE u32), Data2 (LE u16), Data3 (LE u16), Data4 (8 bytes as written).
  b[0] = byte(3);
  b[1] = byte(2);
  b[2] = byte(1);
  b[3] = byte(0);
  b[4] = byte(5);
  b[5] = byte(4);
  b[6] = byte(7);
  b[7] = byte(6);
  for (let i = 8; i < 16; i++) b[i] = byte(i);
  return b;
}

export function guidEquals(bytes: Uint8Array, offset: number, guid: Uint8Array): boolean {
  if (offset < 0 || offset + 16 > bytes.length) return false;
  for (let i = 0; i < 16; i++) if (bytes[offset + i] !== guid[i]) return false;
  return true;
}
