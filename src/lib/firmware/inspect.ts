import { sha256Hex } from './bytes/sha256';
import { describeAs } from './containers/format';
import { detectKind, type FileKind } from './detect';
import type { FirmwareError } from './errors';
import { readFirmware, type ParseFirmwareOptions } from './parse';
import type { FirmwareNode } from './tree/node';

export interface InspectResult {
  size: number;
  sha256: string;
  kind: FileKind;
  /** Plain-English name of the kind, for people. */
  label: string;
  /** Where the recognised structure starts, when not at 0. */
  offset?: number;
  detail?: string;
}

/** A file's identity together with its tree, from one parse. */
export interface Inspection {
  file: InspectResult;
  root?: FirmwareNode;
  /** Why the file could not be parsed, when it could not. */
  error?: FirmwareError;
}

/**
 * Parse a file and say what it is: named by the registered format that read it (or whose opener
 * failed on it); a file no format read gets the first probe's guess (`detectKind`).
 */
export async function inspectFirmware(
  bytes: Uint8Array,
  opts: ParseFirmwareOptions = {},
): Promise<Inspection> {
  const sha256 = await sha256Hex(bytes);
  const report = opts.progress;
  // Hashing a large file takes a while: say the parse starts now.
  report?.(0);
  let furthest = 0;
  const progress =
    report &&
    ((n: number) => {
      furthest = Math.max(furthest, n);
      report(n);
    });
  const reading = await readFirmware(bytes, { ...opts, progress });
  // Naming the file reuses the parse's probes; a search the parse did not make (a searching
  // format's probe) still takes a while, so say the work goes on, where the parse ended.
  const stillWorking = report && (() => report(furthest));
  const guess = reading.format
    ? describeAs(reading.format, bytes, reading.probes, stillWorking)
    : detectKind(bytes, reading.probes, stillWorking);
  const file: InspectResult = {
    size: bytes.length,
    sha256,
    kind: guess.kind,
    label: guess.label,
    ...(guess.offset !== undefined ? { offset: guess.offset } : {}),
    ...(guess.detail !== undefined ? { detail: guess.detail } : {}),
  };
  return { file, root: reading.root, error: reading.error };
}

/** First look at a file: size, SHA-256 and what it is. */
export async function inspect(bytes: Uint8Array): Promise<InspectResult> {
  return (await inspectFirmware(bytes)).file;
}
