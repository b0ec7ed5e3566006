/** Hexadecimal text for numbers, in the three forms the project shows. */

/** '0x' and upper-case digits, zero-padded to `width` digits: field values and messages. */
export function hex(n: number, width = 0): string {
  return '0x' + hexDigits(n, width, true);
}

/** The digits alone, zero-padded to `width`: hex dumps, IDs in tables. */
export function hexDigits(n: number, width = 0, upper = false): string {
  const s = n.toString(16).padStart(width, '0');
  return upper ? s.toUpperCase() : s;
}

/** A PCI vendor or device ID as lspci and Proxmox write it: four lower-case digits. */
export function pciId(id: number): string {
  return hexDigits(id, 4);
}
