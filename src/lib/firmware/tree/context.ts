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
}
