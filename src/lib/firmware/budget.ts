import { FirmwareError } from './errors';

/** Limits for one parse, shared by every parser and decoder it calls. */
export interface BudgetLimits {
  /** Total bytes all decoders may produce. */
  maxDecompressed: number;
  /** Deepest nesting of containers. */
  maxDepth: number;
  /** Most nodes in one tree. */
  maxNodes: number;
  /** Largest one archive entry may expand to (zip, 7z, disk images). */
  maxEntrySize: number;
  /** Most entries one archive may list. */
  maxEntries: number;
  /** Deepest nesting of archives inside archives (a zip in a zip is 2). */
  maxArchiveDepth: number;
}

export const DEFAULT_LIMITS: BudgetLimits = {
  maxDecompressed: 1 << 30,
  maxDepth: 24,
  maxNodes: 200_000,
  maxEntrySize: 512 << 20,
  maxEntries: 10_000,
  maxArchiveDepth: 6,
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

  /** An archive's entry count, before any entry is read. */
  checkEntries(count: number, where?: { offset?: number; path?: string }): void {
    if (count > this.limits.maxEntries) {
      throw new FirmwareError(
        'budget',
        `the archive lists ${count} entries, more than the limit of ${this.limits.maxEntries}`,
        where,
      );
    }
  }

  /** One entry's declared expanded size, before it is expanded. */
  checkEntrySize(bytes: number, where?: { offset?: number; path?: string }): void {
    if (!(bytes >= 0) || bytes > this.limits.maxEntrySize) {
      throw new FirmwareError(
        'budget',
        `the entry expands to ${bytes} bytes, more than the limit of ${this.limits.maxEntrySize} bytes for one entry`,
        where,
      );
    }
  }

  /** How many archives deep a new archive would be. */
  checkArchiveDepth(depth: number, where?: { offset?: number; path?: string }): void {
    if (depth > this.limits.maxArchiveDepth) {
      throw new FirmwareError(
        'budget',
        `archives nested deeper than ${this.limits.maxArchiveDepth} levels`,
        where,
      );
    }
  }
}
