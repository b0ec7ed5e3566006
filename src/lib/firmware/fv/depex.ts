import { guidAt } from '../bytes/guid';
import { FirmwareError } from '../errors';
import { guidName } from '../guids';

/** DEPEX opcodes (PI vol. 2, dependency expressions); the first three carry a GUID. */
const OPCODES = ['BEFORE', 'AFTER', 'PUSH', 'AND', 'OR', 'NOT', 'TRUE', 'FALSE', 'END', 'SOR'];

/**
 * A dependency expression as one instruction per line, e.g. `PUSH 26BACCB1-…` / `AND` / `END`.
 * Throws a FirmwareError on an unknown opcode or a GUID cut short.
 */
export function decodeDepex(bytes: Uint8Array, base = 0): string {
  const lines: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    const op = bytes[i];
    const name = OPCODES[op];
    if (name === undefined) {
      throw new FirmwareError('bad-format', `unknown DEPEX opcode 0x${op.toString(16)}`, {
        offset: base + i,
      });
    }
    if (op <= 2) {
      if (i + 17 > bytes.length) {
        throw new FirmwareError('truncated', `DEPEX ${name} needs a GUID`, { offset: base + i });
      }
      const g = guidAt(bytes, i + 1);
      const known = guidName(g);
      lines.push(`${name} ${g}${known ? ` (${known})` : ''}`);
      i += 17;
    } else {
      lines.push(name);
      i += 1;
      if (op === 8) break; // END: anything after it is padding
    }
  }
  return lines.join('\n');
}
