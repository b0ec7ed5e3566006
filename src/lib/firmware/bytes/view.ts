import { FirmwareError } from '../errors';

/** A DataView over exactly the bytes `b` covers (not the rest of its buffer). */
export function dataViewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** A plain Uint8Array over the same memory as `b` (e.g. a Node Buffer), without copying. */
export function bytesOf(b: ArrayBufferView): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * A bounds-checked little-endian reader over a slice of a Uint8Array.
 * Every read fails with a FirmwareError naming the absolute offset, never with garbage.
 * `base` is the absolute offset of this view in the file, so errors point at real positions.
 */
export class ByteView {
  readonly bytes: Uint8Array;
  readonly base: number;
  private readonly dv: DataView;

  constructor(bytes: Uint8Array, base = 0) {
    this.bytes = bytes;
    this.base = base;
    this.dv = dataViewOf(bytes);
  }

  get length(): number {
    return this.bytes.length;
  }

  private need(offset: number, size: number, what: string): void {
    if (!Number.isInteger(offset) || offset < 0 || size < 0 || offset + size > this.bytes.length) {
      throw new FirmwareError(
        'truncated',
        `${what} needs ${size} byte(s) at 0x${(this.base + offset).toString(16)}, but the data ends at 0x${(this.base + this.bytes.length).toString(16)}`,
        { offset: this.base + offset },
      );
    }
  }

  has(offset: number, size: number): boolean {
    return offset >= 0 && size >= 0 && offset + size <= this.bytes.length;
  }

  u8(offset: number, what = 'u8'): number {
    this.need(offset, 1, what);
    return this.bytes[offset];
  }
  u16(offset: number, what = 'u16'): number {
    this.need(offset, 2, what);
    return this.dv.getUint16(offset, true);
  }
  u24(offset: number, what = 'u24'): number {
    this.need(offset, 3, what);
    return this.bytes[offset] | (this.bytes[offset + 1] << 8) | (this.bytes[offset + 2] << 16);
  }
  u32(offset: number, what = 'u32'): number {
    this.need(offset, 4, what);
    return this.dv.getUint32(offset, true);
  }
  /** A u64 as a JS number; throws where the value is not exactly representable. */
  u64(offset: number, what = 'u64'): number {
    this.need(offset, 8, what);
    const lo = this.dv.getUint32(offset, true);
    const hi = this.dv.getUint32(offset + 4, true);
    if (hi > 0x1fffff) {
      throw new FirmwareError('bad-format', `${what} is too large (0x${hi.toString(16)}…)`, {
        offset: this.base + offset,
      });
    }
    return hi * 0x100000000 + lo;
  }
  u16be(offset: number, what = 'u16be'): number {
    this.need(offset, 2, what);
    return this.dv.getUint16(offset, false);
  }
  u32be(offset: number, what = 'u32be'): number {
    this.need(offset, 4, what);
    return this.dv.getUint32(offset, false);
  }

  /** A sub-array sharing memory; its errors keep absolute offsets. */
  slice(offset: number, size: number, what = 'range'): Uint8Array {
    this.need(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }
  view(offset: number, size: number, what = 'range'): ByteView {
    return new ByteView(this.slice(offset, size, what), this.base + offset);
  }

  ascii(offset: number, size: number, what = 'text'): string {
    const b = this.slice(offset, size, what);
    let s = '';
    for (let i = 0; i < b.length && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
    return s;
  }
  /** NUL-terminated UTF-16LE from offset, within `maxBytes`. */
  utf16z(offset: number, maxBytes = this.bytes.length - offset): string {
    let s = '';
    const end = Math.min(this.bytes.length - 1, offset + maxBytes - 1);
    for (let i = offset; i < end; i += 2) {
      const c = this.bytes[i] | (this.bytes[i + 1] << 8);
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }
}

/** A growable little-endian writer for building images. */
export class ByteWriter {
  private buf: Uint8Array;
  private dv: DataView;
  length = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.dv = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.dv.setUint16(this.length, v, true);
    this.length += 2;
    return this;
  }
  u24(v: number): this {
    return this.u8(v)
      .u8(v >>> 8)
      .u8(v >>> 16);
  }
  u32(v: number): this {
    this.ensure(4);
    this.dv.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }
  u64(v: number): this {
    this.u32(v % 0x100000000);
    return this.u32(Math.floor(v / 0x100000000));
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  fill(value: number, count: number): this {
    this.ensure(count);
    this.buf.fill(value, this.length, this.length + count);
    this.length += count;
    return this;
  }
  /** Pad with `value` up to a multiple of `alignment` (relative to `origin`). */
  align(alignment: number, value = 0, origin = 0): this {
    const rem = (this.length - origin) % alignment;
    return rem ? this.fill(value, alignment - rem) : this;
  }
  /** Overwrite at an earlier position (for sizes and checksums known later). */
  patchU8(at: number, v: number): this {
    this.buf[at] = v & 0xff;
    return this;
  }
  patchU16(at: number, v: number): this {
    this.dv.setUint16(at, v, true);
    return this;
  }
  patchU32(at: number, v: number): this {
    this.dv.setUint32(at, v >>> 0, true);
    return this;
  }
  /** A copy of the written bytes. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
  /** The written bytes without copying (valid until the next write). */
  peek(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
