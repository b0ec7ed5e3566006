import { FirmwareError } from './errors';

/** Limits for one parse, shared by every parser and decoder it calls. */
export interface BudgetLimits {
  /** Total bytes all decoders may produce. */
  maxDecompressed: number;
  /** Deepest nesting of containers. */
  maxDepth: number;
  /** Most nodes in one tree. */
  maxNodes: number;
}

export const DEFAULT_LIMITS: BudgetLimits = {
  maxDecompressed: 1 << 30,
  maxDepth: 24,
  maxNodes: 200_000,
};

export class Budget {
  readonly limits: BudgetLimits;
  decompressed = 0;
  nodes = 0;

  constructor(limits: Partial<BudgetLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Reserve output for a decoder before it allocates. */
  takeDecompressed(bytes: number, where?: { offset?: number; path?: string }): void {
    if (!(bytes >= 0) || this.decompressed + bytes > this.limits.maxDecompressed) {
      throw new FirmwareError(
        'budget',
        `decompressing ${bytes} more bytes would exceed the limit of ${this.limits.maxDecompressed} bytes for one file`,
        where,
      );
    }
    this.decompressed += bytes;
  }

  takeNode(where?: { offset?: number; path?: string }): void {
    if (++this.nodes > this.limits.maxNodes) {
      throw new FirmwareError(
        'budget',
        `more than ${this.limits.maxNodes} nodes in one file`,
        where,
      );
    }
  }

  checkDepth(depth: number, where?: { offset?: number; path?: string }): void {
    if (depth > this.limits.maxDepth) {
      throw new FirmwareError(
        'budget',
        `containers nested deeper than ${this.limits.maxDepth} levels`,
        where,
      );
    }
  }
}
