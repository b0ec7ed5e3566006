import type { Budget } from '../budget';
import type { FirmwareNode } from './node';

/**
 * What every parser gets besides its bytes. Container parsers (descriptor, capsules, vendor
 * packages) call `parseBody` for the payload they unwrap, which dispatches back to detection,
 * so each module only knows its own format.
 */
export interface ParseContext {
  budget: Budget;
  /** Nesting depth of the node being parsed (checked against the budget). */
  depth: number;
  /**
   * Parse `bytes` (a body that may hold volumes, files or anything detectable) and attach
   * the resulting nodes to `parent`. `absOffset` is the position of `bytes` in the input file,
   * or undefined when they were decompressed.
   */
  parseBody(parent: FirmwareNode, bytes: Uint8Array, absOffset: number | undefined): Promise<void>;
  /** Progress in bytes of the input file, for the worker's progress callback. */
  progress?(doneBytes: number): void;
  /**
   * Progress during a long step that does not move through the input (recognising a large
   * body): reports `doneBytes`, or the last position when that is further, even when it was
   * reported before, so the caller hears the parse is still working.
   */
  stillAt?(doneBytes: number | undefined): void;
  /** Outputs of earlier decodes of identical streams (see DecodeCache); usually absent. */
  decodeCache?: DecodeCache;
}

/** A decoded section body and the method that produced it (e.g. 'Tiano' or 'EFI 1.1'). */
export interface DecodedBody {
  out: Uint8Array;
  name: string;
}

/**
 * Decoded outputs keyed by method and a hash of the encoded bytes, for callers that parse many
 * near-identical images (the fuzzer: each case changes a few bytes of the same seed). Decoding
 * is a pure function of its input, so a hit gives the same tree; the budget is still charged.
 */
export interface DecodeCache {
  get(key: string): DecodedBody | undefined;
  set(key: string, value: DecodedBody): void;
}
