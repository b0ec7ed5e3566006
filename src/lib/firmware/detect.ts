/**
 * A cheap first guess at what a file is: the first probe of the format registry that matches
 * (signatures at fixed places, then scans). It reads no payload; `inspect` names a file by the
 * format that actually read it, and falls back to this guess when none could.
 */
import { FIRMWARE_FORMATS } from './containers/index';
import { probeFormat, type KindGuess, type ProbeMemo } from './containers/format';

export type { FileKind, KindGuess } from './containers/format';

/**
 * `memo`: probes already run on these bytes (by the parse), not run again. `stillWorking` is
 * called after each probe and each pass of a searching one, for progress reports.
 */
export function detectKind(
  bytes: Uint8Array,
  memo?: ProbeMemo,
  stillWorking?: () => void,
): KindGuess {
  for (const format of FIRMWARE_FORMATS) {
    const guess = probeFormat(format, bytes, memo, stillWorking);
    if (guess) return guess;
    stillWorking?.();
  }
  return { kind: 'unknown', label: 'Unknown data' };
}
