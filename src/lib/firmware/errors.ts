/** The only thing the firmware core throws: a coded error with where it happened. */
export type FirmwareErrorCode =
  | 'truncated' // a read ran past the end of the data
  | 'bad-format' // a structure's fields are inconsistent
  | 'bad-checksum'
  | 'unsupported' // recognised, but we cannot open it (vendor tool needed, …)
  | 'unrecognized' // nothing we know
  | 'decompress' // a codec failed on its input
  | 'budget' // a parse limit (size, depth, nodes, time) was exceeded
  | 'not-found' // what was asked for is not in the image
  | 'no-space' // an output does not fit
  | 'verify' // an output failed its own re-check
  | 'cancelled' // the caller asked to stop; not a fault of the input
  | 'bad-input'; // the caller's options or inputs are wrong

export interface FirmwareErrorInit {
  offset?: number;
  path?: string;
  guid?: string;
  cause?: unknown;
}

export class FirmwareError extends Error {
  override readonly name = 'FirmwareError';
  readonly code: FirmwareErrorCode;
  readonly offset?: number;
  readonly path?: string;
  readonly guid?: string;

  constructor(code: FirmwareErrorCode, message: string, init: FirmwareErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.offset = init.offset;
    this.path = init.path;
    this.guid = init.guid;
  }

  /** One line for people: what, and where. */
  describe(): string {
    const where: string[] = [];
    if (this.path) where.push(this.path);
    if (this.offset !== undefined) where.push(`offset 0x${this.offset.toString(16)}`);
    if (this.guid) where.push(this.guid);
    return where.length ? `${this.message} (${where.join(', ')})` : this.message;
  }

  /** Plain data for structured clone (worker) and JSON (CLI). */
  toJSON(): FirmwareErrorData {
    return {
      name: 'FirmwareError',
      code: this.code,
      message: this.message,
      offset: this.offset,
      path: this.path,
      guid: this.guid,
    };
  }
}

export interface FirmwareErrorData {
  name: 'FirmwareError';
  code: FirmwareErrorCode;
  message: string;
  offset?: number;
  path?: string;
  guid?: string;
}

export function isFirmwareError(e: unknown): e is FirmwareError {
  return e instanceof FirmwareError;
}

export { hex } from './bytes/hex';
