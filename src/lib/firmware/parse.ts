/** The reader's entry point: bytes in, one firmware tree out. */
import { Budget } from './budget';
import {
  stillSearching,
  type FirmwareFormat,
  type FormatClaim,
  type ProbeMemo,
} from './containers/format';
import { FIRMWARE_FORMATS } from './containers/index';
import {
  describePackage,
  knownPackageFormat,
  recognisePackage,
} from './containers/vendor/packages';
import { FirmwareError } from './errors';
import { createParseContext } from './fv/body';
import type { DecodeCache } from './tree/context';
import { imageNode, type FirmwareNode } from './tree/node';

export interface ParseFirmwareOptions {
  budget?: Budget;
  /** Bytes of the input done so far. */
  progress?: (n: number) => void;
  /** The input's file name, shown as the root's name. */
  name?: string;
  /** Reuse decoded section bodies across parses of near-identical inputs (see DecodeCache). */
  decodeCache?: DecodeCache;
}

/** What reading a file came to, and which registered format read it. */
export interface FirmwareReading {
  /** The tree, when the file could be read. */
  root?: FirmwareNode;
  /** Why it could not. */
  error?: FirmwareError;
  /**
   * The format whose opener read the file's bytes (the root's children are its nodes), or, with
   * `error`, the one whose opener failed; undefined when no format read the file.
   */
  format?: FirmwareFormat;
  /** What the probes the parse ran said of the file, so naming it need not run them again. */
  probes: ProbeMemo;
}

/**
 * Parse a firmware image (volumes, containers, or volumes found anywhere in it). Damage is
 * recorded on the nodes it affects; only a budget overrun or input with nothing recognisable
 * throws (a FirmwareError).
 */
export async function parseFirmware(
  bytes: Uint8Array,
  opts: ParseFirmwareOptions = {},
): Promise<FirmwareNode> {
  const r = await readFirmware(bytes, opts);
  if (r.error) throw r.error;
  return r.root!;
}

/** `parseFirmware`, returning its FirmwareError instead of throwing it, and the format that read the file. */
export async function readFirmware(
  bytes: Uint8Array,
  opts: ParseFirmwareOptions = {},
): Promise<FirmwareReading> {
  const probes: ProbeMemo = new Map();
  const claim: FormatClaim = { probes };
  try {
    const root = await parseRoot(bytes, opts, claim);
    return { root, format: claim.format, probes };
  } catch (e) {
    if (!(e instanceof FirmwareError)) throw e;
    return { error: e, format: claim.format, probes };
  }
}

async function parseRoot(
  bytes: Uint8Array,
  opts: ParseFirmwareOptions,
  claim: FormatClaim,
): Promise<FirmwareNode> {
  const ctx = createParseContext({
    budget: opts.budget ?? new Budget(),
    progress: opts.progress,
    formats: FIRMWARE_FORMATS,
    decodeCache: opts.decodeCache,
  });
  const root = imageNode(bytes, opts.name);
  ctx.budget.takeNode({ offset: 0 });
  await ctx.readBody(root, bytes, 0, claim);
  if (
    root.children.length === 0 ||
    root.children.every((c) => c.kind === 'opaque' && c.children.length === 0)
  ) {
    // Nothing read the file (a volume header at 0 that could not be used is not reading it).
    claim.format = undefined;
    // The package signatures are searches through the whole file: report between them.
    const pkg = recognisePackage(bytes, stillSearching(ctx, bytes, 0));
    claim.probes?.set(knownPackageFormat, pkg && describePackage(pkg));
    if (pkg) {
      throw new FirmwareError(
        'unsupported',
        `this is ${pkg.name}, which this reader cannot open; unpack it with ${pkg.tool}`,
        { offset: 0 },
      );
    }
    throw new FirmwareError(
      'unrecognized',
      'no firmware volume or known container was found in this file',
      {
        offset: 0,
      },
    );
  }
  opts.progress?.(bytes.length);
  return root;
}
