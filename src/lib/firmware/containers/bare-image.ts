/** A bare PE/TE driver or a bare VBT file: one node, for the GOP/VBT finder. */
import type { ParseContext } from '../tree/context';
import { addChild, type FirmwareNode } from '../tree/node';
import type { FirmwareFormat, KindGuess } from './format';
import { asciiAt, peInfo, peNode, vbtNode } from './util';

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

function probeBareImage(b: Uint8Array): KindGuess | undefined {
  if (asciiAt(b, 0, 'MZ')) {
    const info = peInfo(b);
    return {
      kind: 'pe',
      label:
        info.type === 'PE32+ image'
          ? 'PE32+ executable (UEFI driver or application)'
          : 'PE executable',
      offset: 0,
      detail:
        info.problem ?? (info.subsystem !== undefined ? `subsystem ${info.subsystem}` : undefined),
    };
  }
  if (asciiAt(b, 0, 'VZ')) return { kind: 'te', label: 'TE image (terse executable)', offset: 0 };
  if (asciiAt(b, 0, '$VBT'))
    return { kind: 'vbt', label: 'Intel Video BIOS Table (VBT)', offset: 0 };
  return undefined;
}

export const bareImageFormat: FirmwareFormat = {
  name: 'bare-image',
  probe: probeBareImage,
  open: openBareImage,
};
