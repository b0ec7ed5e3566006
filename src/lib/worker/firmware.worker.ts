/// <reference lib="webworker" />
import { expose, transfer } from 'comlink';
import { FirmwareError } from '$lib/firmware/errors';
import * as core from '$lib/firmware/api';

/**
 * Errors cross the worker boundary as plain data: comlink keeps only the message of an Error,
 * and our FirmwareError's code, offset and path are what the UI shows.
 */
async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof FirmwareError) throw e.toJSON();
    throw { name: 'Error', message: e instanceof Error ? e.message : String(e) };
  }
}

const api = {
  inspect: (bytes: Uint8Array) => guarded(() => core.inspect(bytes)),
  analyze: (bytes: Uint8Array, onProgress?: core.ProgressCallback) =>
    guarded(() => core.analyze(bytes, onProgress)),
  compressLzma: (
    bytes: Uint8Array,
    opts: { preset?: core.LzmaPreset },
    onProgress?: core.ProgressCallback,
  ) =>
    guarded(() => {
      const out = core.compressLzma(bytes, opts, onProgress);
      return transfer(out, [out.buffer as ArrayBuffer]);
    }),
  buildIgdRom: (opts: core.IgdRomOptions) =>
    guarded(async () => {
      const rom = await core.buildIgdRom(opts);
      return transfer(rom, [rom.rom.buffer as ArrayBuffer]);
    }),
  /** Returns the bytes back (transferred), proving zero-copy both ways. */
  echo: (bytes: Uint8Array) => guarded(() => transfer(bytes, [bytes.buffer as ArrayBuffer])),
};

export type FirmwareWorkerApi = typeof api;

expose(api);
