/**
 * The ParseContext behind `parseFirmware`: what a body of bytes holds — the first registered
 * format (volumes, a container, …) that reads it, or nothing known.
 */
import { Budget } from '../budget';
import { openFirstFormat, type FirmwareFormat, type FormatClaim } from '../containers/format';
import type { DecodeCache, ParseContext } from '../tree/context';
import type { FirmwareNode } from '../tree/node';
import { child, depthOf } from './nodes';
import { firmwareVolumeFormat, volumesInsideFormat } from './volumes';

export interface BodyParserOptions {
  budget?: Budget;
  progress?: (doneBytes: number) => void;
  /**
   * The formats a body may hold, in the order they are tried (the registry,
   * `FIRMWARE_FORMATS`); without it, only volumes at the start or found inside.
   */
  formats?: readonly FirmwareFormat[];
  decodeCache?: DecodeCache;
}

/** A ParseContext that can also say which format read a body. */
export interface BodyParser extends ParseContext {
  /** `parseBody`, telling `claim` which format read the bytes (or was reading them when it threw). */
  readBody(
    parent: FirmwareNode,
    bytes: Uint8Array,
    absOffset: number | undefined,
    claim: FormatClaim,
  ): Promise<void>;
}

/**
 * Progress that never goes back: `progress` passes on only positions beyond the last one
 * reported, `stillAt` repeats the furthest position so far (see ParseContext).
 */
function forwardOnly(
  report: (doneBytes: number) => void,
): Pick<ParseContext, 'progress' | 'stillAt'> {
  let last = -1;
  return {
    progress: (n) => {
      if (n > last) {
        last = n;
        report(n);
      }
    },
    stillAt: (n) => {
      last = Math.max(last, n ?? 0);
      report(last);
    },
  };
}

export function createParseContext(opts: BodyParserOptions = {}): BodyParser {
  const formats = opts.formats ?? [firmwareVolumeFormat, volumesInsideFormat];
  const ctx: BodyParser = {
    budget: opts.budget ?? new Budget(),
    depth: 0,
    ...(opts.progress && forwardOnly(opts.progress)),
    decodeCache: opts.decodeCache,
    parseBody: (parent, bytes, absOffset) => ctx.readBody(parent, bytes, absOffset, {}),
    async readBody(parent, bytes, absOffset, claim) {
      const saved = ctx.depth;
      ctx.depth = depthOf(parent) + 1;
      ctx.budget.checkDepth(ctx.depth, { offset: absOffset });
      try {
        await parseBody(parent, bytes, absOffset, ctx, formats, claim);
      } finally {
        ctx.depth = saved;
      }
    },
  };
  return ctx;
}

async function parseBody(
  parent: FirmwareNode,
  bytes: Uint8Array,
  absOffset: number | undefined,
  ctx: ParseContext,
  formats: readonly FirmwareFormat[],
  claim: FormatClaim,
): Promise<void> {
  if (bytes.length === 0) return;
  if (await openFirstFormat(formats, parent, bytes, absOffset, ctx, claim)) return;
  child(parent, { kind: 'opaque', type: 'data', offset: 0, raw: bytes, absOffset }, ctx);
}
