/**
 * gzip / zlib / raw DEFLATE through the platform's DecompressionStream (browsers, workers,
 * Node ≥ 18), with a hard cap on output so a small bomb cannot exhaust memory.
 */
import { FirmwareError } from '../errors';

export type InflateFormat = 'gzip' | 'deflate' | 'deflate-raw';

/**
 * Run `input` through a DecompressionStream of `format`, collecting at most `maxOutput` bytes.
 * Shared with the Brotli wrapper. Throws FirmwareError: 'budget' past maxOutput,
 * 'decompress' on bad data, 'unsupported' when the runtime lacks the format.
 */
export async function decompressWithStream(
  input: Uint8Array,
  format: string,
  maxOutput: number,
  what: string,
): Promise<Uint8Array> {
  let ds: DecompressionStream;
  try {
    ds = new DecompressionStream(format as CompressionFormat);
  } catch (e) {
    throw new FirmwareError(
      'unsupported',
      `${what} decompression is not available in this runtime`,
      {
        cause: e,
      },
    );
  }
  const writer = ds.writable.getWriter();
  // Write errors reappear on the readable side; keep them from becoming unhandled rejections.
  writer.write(input as Uint8Array<ArrayBuffer>).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxOutput) {
        await reader.cancel().catch(() => undefined);
        throw new FirmwareError(
          'budget',
          `${what} data expands past the limit of ${maxOutput} bytes`,
          {
            offset: 0,
          },
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof FirmwareError) throw e;
    throw new FirmwareError('decompress', `${what} data is corrupt or truncated`, {
      offset: 0,
      cause: e,
    });
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export async function inflate(
  input: Uint8Array,
  format: InflateFormat,
  maxOutput: number,
): Promise<Uint8Array> {
  const what = format === 'gzip' ? 'gzip' : format === 'deflate' ? 'zlib' : 'DEFLATE';
  return decompressWithStream(input, format, maxOutput, what);
}
