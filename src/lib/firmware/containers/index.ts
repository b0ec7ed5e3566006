/**
 * Containers around firmware volumes: recognise one at the start of a body, attach its nodes
 * and hand each payload back to `ctx.parseBody`. Volumes themselves are parsed elsewhere.
 */
import { FirmwareError } from '../errors';
import type { ParseContext } from '../tree/context';
import { addChild, type FirmwareNode } from '../tree/node';
import { openCapsule } from './capsule';
import { openDescriptor } from './descriptor';
import { openOptionRom } from './option-rom';
import { asciiAt, baseInParent, peNode, vbtNode } from './util';
import { openAmiPfat } from './vendor/ami-pfat';
import { openDellPfs } from './vendor/dell-pfs';
import { openInsyde } from './vendor/insyde';

type Opener = (
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
) => Promise<boolean>;

/** Most specific first: vendor packages are executables, so they go before the bare PE check. */
const OPENERS: readonly Opener[] = [
  openDescriptor,
  openCapsule,
  openOptionRom,
  openInsyde,
  openDellPfs,
  openAmiPfat,
  openBareImage,
];

export async function openContainer(
  parent: FirmwareNode,
  bytes: Uint8Array,
  absOffset: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  if (bytes.length < 2) return false;
  const base = baseInParent(parent, bytes);
  const before = parent.children.length;
  try {
    for (const open of OPENERS) {
      if (await open(parent, bytes, base, absOffset, ctx)) return true;
    }
    return false;
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

/** A bare PE/TE driver or a bare VBT file: one node, for the GOP/VBT finder. */
async function openBareImage(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  if (asciiAt(bytes, 0, 'MZ') || asciiAt(bytes, 0, 'VZ')) {
    const node = peNode(bytes, base, abs);
    // 'MZ'/'VZ' alone is weak evidence; only claim the bytes when the headers read.
    if (node.warnings.length) return false;
    ctx.budget.takeNode({ offset: abs });
    addChild(parent, node);
    return true;
  }
  if (asciiAt(bytes, 0, '$VBT')) {
    ctx.budget.takeNode({ offset: abs });
    addChild(parent, vbtNode(bytes, base, abs));
    return true;
  }
  return false;
}
