import { readFileSync, writeFileSync } from 'node:fs';
import { bytesOf, FirmwareError } from '../lib/firmware';

export function readInput(path: string): Uint8Array {
  try {
    return bytesOf(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FirmwareError(
      'bad-input',
      code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? e})`,
    );
  }
}

export function writeOutput(path: string, bytes: Uint8Array | string): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new FirmwareError(
      'bad-input',
      `${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? e})`,
    );
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
