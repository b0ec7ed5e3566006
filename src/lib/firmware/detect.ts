/**
 * A cheap first guess at what a file is: the first probe of the format registry that matches
 * (signatures at fixed places, then scans). It reads no payload; `inspect` names a file by the
 * format that actually read it, and falls back to this guess when none could.
 */
import { FIRMWARE_FORMATS } from './containers/index';
import { probeFormat, type KindGuess } from './containers/format';

export type { FileKind, KindGuess } from './containers/format';

export function detectKind(bytes: Uint8Array): KindGuess {
  for (const format of FIRMWARE_FORMATS) {
    const guess = probeFormat(format, bytes);
    if (guess) return guess;
  }
  return { kind: 'unknown', label: 'Unknown data' };
}
