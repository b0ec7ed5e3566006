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

/**
 * The last analysed files, kept so the ROM can be built from a chosen candidate without sending
 * the image back. Only a few: each holds a whole BIOS image.
 */
const kept = new Map<number, { bytes: Uint8Array }>();
let nextJob = 1;
const KEEP = 2;

/** What the page asks for when building from an analysed file (candidates by SHA-256). */
export interface RomFromAnalysis {
  variant: core.IgdRomVariant;
  gopSha256?: string;
  /** 'opregion', or the SHA-256 of the VBT candidate to embed. */
  vbt: 'opregion' | { sha256: string };
  deviceId?: number;
}

/** An OVMF patch from chosen candidates of a kept file (the OVMF image itself is sent). */
export interface OvmfFromAnalysis {
  ovmf: Uint8Array;
  gopSha256: string;
  vbtSha256: string;
  igdAssignment?: boolean;
  preset?: core.LzmaPreset;
}

export type OvmfPatchRequest = Omit<core.OvmfPatchInput, 'onProgress'>;

async function candidatesOf(jobId: number) {
  const k = kept.get(jobId);
  if (!k)
    throw new FirmwareError('bad-input', 'the analysed file is no longer in memory; drop it again');
  const root = await core.parseFirmware(k.bytes);
  return core.findCandidates(root);
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
  /** Like analyze, and keeps the file for buildRomFromAnalysis under the returned job id. */
  analyzeKept: (bytes: Uint8Array, onProgress?: core.ProgressCallback) =>
    guarded(async () => {
      const result = await core.analyze(bytes, onProgress);
      const jobId = nextJob++;
      kept.set(jobId, { bytes });
      for (const id of kept.keys()) if (kept.size > KEEP) kept.delete(id);
      return { jobId, result };
    }),
  /** Builds the iGPU ROM from the GOP/VBT candidates of a kept file. */
  buildRomFromAnalysis: (jobId: number, opts: RomFromAnalysis) =>
    guarded(async () => {
      const found = await candidatesOf(jobId);
      let gop: Uint8Array | undefined;
      if (opts.variant !== 'assignment') {
        gop = found.gops.find((g) => g.sha256 === opts.gopSha256)?.bytes;
        if (!gop) throw new FirmwareError('bad-input', 'the chosen GOP driver was not found');
      }
      let vbt: Uint8Array | 'opregion' | undefined;
      if (opts.variant === 'full') {
        if (opts.vbt === 'opregion') vbt = 'opregion';
        else {
          const want = opts.vbt.sha256;
          vbt = found.vbts.find((v) => v.sha256 === want)?.bytes;
          if (!vbt) throw new FirmwareError('bad-input', 'the chosen VBT was not found');
        }
      }
      const rom = await core.buildIgdRom({
        variant: opts.variant,
        gop,
        vbt,
        deviceId: opts.deviceId,
      });
      return transfer(rom, [rom.rom.buffer as ArrayBuffer]);
    }),
  /** Patches an OVMF code image (verified before it is returned). */
  patchOvmf: (input: OvmfPatchRequest, onProgress?: core.ProgressCallback) =>
    guarded(async () => {
      const r = await core.patchOvmf({ ...input, onProgress });
      return transfer(r, [r.image.buffer as ArrayBuffer]);
    }),
  /** Patches an OVMF code image with the GOP and VBT chosen from a kept file. */
  patchOvmfFromAnalysis: (
    jobId: number,
    opts: OvmfFromAnalysis,
    onProgress?: core.ProgressCallback,
  ) =>
    guarded(async () => {
      const found = await candidatesOf(jobId);
      const gop = found.gops.find((g) => g.sha256 === opts.gopSha256)?.bytes;
      if (!gop) throw new FirmwareError('bad-input', 'the chosen GOP driver was not found');
      const vbt = found.vbts.find((v) => v.sha256 === opts.vbtSha256)?.bytes;
      if (!vbt) throw new FirmwareError('bad-input', 'the chosen VBT was not found');
      const r = await core.patchOvmf({
        ovmf: opts.ovmf,
        gop,
        vbt,
        igdAssignment: opts.igdAssignment,
        preset: opts.preset,
        onProgress,
      });
      return transfer(r, [r.image.buffer as ArrayBuffer]);
    }),
  /** Returns the bytes back (transferred), proving zero-copy both ways. */
  echo: (bytes: Uint8Array) => guarded(() => transfer(bytes, [bytes.buffer as ArrayBuffer])),
};

export type FirmwareWorkerApi = typeof api;

expose(api);
