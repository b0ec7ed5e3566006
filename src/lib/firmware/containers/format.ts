/**
 * What a firmware format is to the reader: a cheap probe that names it and an opener that reads
 * it. The registry (`FIRMWARE_FORMATS` in ./index.ts) lists every format once, in the order
 * they are tried; that one list drives both recognition (`detectKind`: the first probe that
 * matches) and parsing (the first format whose probe matches and whose opener accepts), so the
 * name `inspect` shows is the name of the format that read the file.
 */
import { FirmwareError } from '../errors';
import type { ParseContext } from '../tree/context';
import type { FirmwareNode } from '../tree/node';
import { baseInParent } from './util';

export type FileKind =
  | 'intel-descriptor'
  | 'firmware-volume'
  | 'pe'
  | 'te'
  | 'option-rom'
  | 'capsule-efi'
  | 'capsule-fmp'
  | 'capsule-intel'
  | 'capsule-ami'
  | 'capsule-lenovo'
  | 'capsule-toshiba'
  | 'insyde-iflash'
  | 'dell-pfs'
  | 'ifwi'
  | 'vbt'
  | 'acpi-table'
  | 'archive'
  | 'vendor-package'
  | 'unknown';

/** What a file looks like, for people. */
export interface KindGuess {
  kind: FileKind;
  label: string;
  /** Where the recognised structure starts, when not at 0. */
  offset?: number;
  detail?: string;
}

/**
 * Reads one format at the start of `bytes` (a body of `parent`; `base` is where `bytes` starts
 * inside that body, `abs` where it starts in the input file, undefined once decompressed):
 * attaches its nodes under `parent` and hands each payload (a region, a capsule's image, an
 * archive entry, …) to `ctx.parseBody`. Returns false, adding nothing, when the bytes are not
 * this format after all; throws a FirmwareError when they are but cannot be read.
 */
export type FormatOpener = (
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
) => Promise<boolean>;

export interface FirmwareFormat {
  /** Short stable name, for tests and messages. */
  readonly name: string;
  /**
   * Signature checks only: what the bytes look like when they could be this format, else
   * undefined. It must match everything `open` accepts (the opener is only tried after it).
   * A probe that searches the bytes in several passes calls `passDone` after each one, so the
   * caller can report that it is still working.
   */
  probe(bytes: Uint8Array, passDone?: () => void): KindGuess | undefined;
  /** Absent for formats recognised but not opened (packages only a vendor tool unpacks). */
  readonly open?: FormatOpener;
  /**
   * True when the probe searches through all of the bytes instead of checking fixed places.
   * The parse then lets `open` do that search once, without the probe (the opener returns
   * false when it finds nothing); `detectKind` and `inspect` still use the probe.
   */
  readonly searches?: boolean;
  /**
   * For a searching format: its opener returns false exactly when its probe would not match,
   * so once the parse saw it return false, naming the file need not search again.
   */
  readonly openerAnswersProbe?: boolean;
}

/**
 * What each format's probe said of one body (undefined: no match), kept so that naming a file
 * after its parse does not run a probe the parse already ran.
 */
export type ProbeMemo = Map<FirmwareFormat, KindGuess | undefined>;

/**
 * Which format a body is being read as: set before each opener runs and cleared when none
 * accepts, so after a throw it names the format whose opener failed. `probes`, when given,
 * collects the probes run on the body.
 */
export interface FormatClaim {
  format?: FirmwareFormat;
  probes?: ProbeMemo;
}

/**
 * The format's own description of `bytes`; a probe that reads past the end does not match.
 * With `memo` (kept for these same bytes), a probe runs at most once.
 */
export function probeFormat(
  format: FirmwareFormat,
  bytes: Uint8Array,
  memo?: ProbeMemo,
  passDone?: () => void,
): KindGuess | undefined {
  if (memo?.has(format)) return memo.get(format);
  let guess: KindGuess | undefined;
  try {
    guess = format.probe(bytes, passDone);
  } catch (e) {
    if (!(e instanceof FirmwareError)) throw e;
  }
  memo?.set(format, guess);
  return guess;
}

/** How people see a file a format read (its probe's words, or its name should they be missing). */
export function describeAs(
  format: FirmwareFormat,
  bytes: Uint8Array,
  memo?: ProbeMemo,
  passDone?: () => void,
): KindGuess {
  return probeFormat(format, bytes, memo, passDone) ?? { kind: 'unknown', label: format.name };
}

/** Bodies smaller than this are searched too quickly to need progress reports in between. */
const QUIET_BELOW = 1 << 20;

/**
 * For a step that searches all of a body without moving through it (the probes, a scan for
 * signatures): a report that the parse still works at the body's position, or nothing when the
 * body is small (see ParseContext.stillAt).
 */
export function stillSearching(
  ctx: ParseContext,
  bytes: Uint8Array,
  absOffset: number | undefined,
): () => void {
  return bytes.length >= QUIET_BELOW && ctx.stillAt ? () => ctx.stillAt?.(absOffset) : () => {};
}

/**
 * Reads `bytes` as the first of `formats` whose probe matches and whose opener accepts, and
 * returns that format; undefined, adding nothing, when none does.
 */
export async function openFirstFormat(
  formats: readonly FirmwareFormat[],
  parent: FirmwareNode,
  bytes: Uint8Array,
  absOffset: number | undefined,
  ctx: ParseContext,
  claim: FormatClaim = {},
): Promise<FirmwareFormat | undefined> {
  if (bytes.length < 2) return undefined;
  const base = baseInParent(parent, bytes);
  const before = parent.children.length;
  // Probes of a large body take a while together: say the parse goes on between them.
  const stillHere = stillSearching(ctx, bytes, absOffset);
  try {
    for (const format of formats) {
      if (!format.open) continue;
      if (!format.searches && !probeFormat(format, bytes, claim.probes, stillHere)) {
        stillHere();
        continue;
      }
      claim.format = format;
      if (await format.open(parent, bytes, base, absOffset, ctx)) return format;
      if (format.openerAnswersProbe) claim.probes?.set(format, undefined);
      stillHere();
    }
    claim.format = undefined;
    return undefined;
  } catch (e) {
    if (e instanceof FirmwareError) throw e;
    // Never let another exception type out of the core; drop half-built nodes first.
    parent.children.length = before;
    throw new FirmwareError(
      'bad-format',
      `container parse failed: ${e instanceof Error ? e.message : String(e)}`,
      {
        offset: absOffset,
        cause: e,
      },
    );
  }
}
