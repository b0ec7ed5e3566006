/** The reader's entry point: bytes in, one firmware tree out. */
import { Budget } from './budget';
import { openContainer } from './containers/index';
import { recognisePackage } from './containers/vendor/packages';
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

/**
 * Parse a firmware image (volumes, containers, or volumes found anywhere in it). Damage is
 * recorded on the nodes it affects; only a budget overrun or input with nothing recognisable
 * throws (a FirmwareError).
 */
export async function parseFirmware(
  bytes: Uint8Array,
  opts: ParseFirmwareOptions = {},
): Promise<FirmwareNode> {
  const ctx = createParseContext({
    budget: opts.budget ?? new Budget(),
    progress: opts.progress,
    openContainer,
    decodeCache: opts.decodeCache,
  });
  const root = imageNode(bytes, opts.name);
  ctx.budget.takeNode({ offset: 0 });
  await ctx.parseBody(root, bytes, 0);
  if (
    root.children.length === 0 ||
    root.children.every((c) => c.kind === 'opaque' && c.children.length === 0)
  ) {
    const pkg = recognisePackage(bytes);
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
