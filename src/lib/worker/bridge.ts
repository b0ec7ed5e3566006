import { proxy, transfer, wrap, type Remote } from 'comlink';
import {
  FirmwareError,
  type FirmwareErrorData,
  type AnalyzeResult,
  type IgdRom,
  type IgdRomOptions,
  type InspectResult,
  type LzmaPreset,
  type OvmfPatchResult,
  type ProgressCallback,
} from '$lib/firmware';
import type {
  FirmwareWorkerApi,
  OvmfFromAnalysis,
  OvmfPatchRequest,
  RomFromAnalysis,
  ZipEntry,
} from './firmware.worker';
import type { ExplorerTree, FoundString, NodePart } from './explore';
import { KEPT_GONE } from './protocol';

export type { OvmfFromAnalysis, OvmfPatchRequest, RomFromAnalysis, ZipEntry };
export type { ExplorerNode, ExplorerTree, FoundString, NodePart } from './explore';

/**
 * The page's only way to the firmware core. The worker starts on first use; a job is cancelled
 * by terminating the worker (the next call starts a fresh one). Inputs are transferred, not
 * copied: callers must not use a buffer after handing it over.
 */
let worker: Worker | undefined;
let remote: Remote<FirmwareWorkerApi> | undefined;
/** Counts worker restarts: a file kept by an earlier worker must be sent again. */
let generation = 0;

function api(): Remote<FirmwareWorkerApi> {
  if (!remote) {
    worker = new Worker(new URL('./firmware.worker.ts', import.meta.url), { type: 'module' });
    remote = wrap<FirmwareWorkerApi>(worker);
  }
  return remote;
}

/** Stops the worker and whatever it is doing. */
export function terminate(): void {
  worker?.terminate();
  worker = undefined;
  remote = undefined;
  generation++;
}

export function abortError(): DOMException {
  return new DOMException('The operation was cancelled.', 'AbortError');
}

function revive(e: unknown): unknown {
  if (e && typeof e === 'object' && (e as FirmwareErrorData).name === 'FirmwareError') {
    const d = e as FirmwareErrorData;
    return new FirmwareError(d.code, d.message, { offset: d.offset, path: d.path, guid: d.guid });
  }
  if (e && typeof e === 'object' && 'message' in e && !(e instanceof Error)) {
    return new Error(String((e as { message: unknown }).message));
  }
  return e;
}

async function run<T>(job: (w: Remote<FirmwareWorkerApi>) => Promise<T>, signal?: AbortSignal) {
  if (signal?.aborted) throw abortError();
  const w = api();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      terminate();
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    job(w).then(
      (v) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(revive(e));
      },
    );
  });
}

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** Wraps a progress callback for the worker (comlink proxies it back to this thread). */
export function progressProxy(cb?: ProgressCallback) {
  return cb ? proxy(cb) : undefined;
}

export function inspect(bytes: Uint8Array, opts: JobOptions = {}): Promise<InspectResult> {
  return run((w) => w.inspect(transfer(bytes, [bytes.buffer as ArrayBuffer])), opts.signal);
}

export function echo(bytes: Uint8Array, opts: JobOptions = {}): Promise<Uint8Array> {
  return run((w) => w.echo(transfer(bytes, [bytes.buffer as ArrayBuffer])), opts.signal);
}

export function lzmaCompress(
  bytes: Uint8Array,
  opts: JobOptions & { preset?: LzmaPreset } = {},
): Promise<Uint8Array> {
  return run(
    (w) =>
      w.compressLzma(
        transfer(bytes, [bytes.buffer as ArrayBuffer]),
        { preset: opts.preset },
        progressProxy(opts.onProgress),
      ),
    opts.signal,
  );
}

/** Full parse and GOP/VBT ranking of a dropped file. */
export function analyze(bytes: Uint8Array, opts: JobOptions = {}): Promise<AnalyzeResult> {
  return run(
    (w) =>
      w.analyze(transfer(bytes, [bytes.buffer as ArrayBuffer]), progressProxy(opts.onProgress)),
    opts.signal,
  );
}

/** Builds (and self-verifies) the iGPU option ROM; GOP and VBT buffers are transferred. */
export function buildIgdRom(opts: IgdRomOptions, job: JobOptions = {}): Promise<IgdRom> {
  const buffers: ArrayBuffer[] = [];
  if (opts.gop) buffers.push(opts.gop.buffer as ArrayBuffer);
  if (opts.vbt instanceof Uint8Array) buffers.push(opts.vbt.buffer as ArrayBuffer);
  return run((w) => w.buildIgdRom(transfer(opts, buffers)), job.signal);
}

/** analyze, keeping the file in the worker for buildRomFromAnalysis (until the worker stops). */
export function analyzeKept(
  file: Uint8Array | Blob,
  opts: JobOptions = {},
): Promise<{ jobId: number; result: AnalyzeResult }> {
  // A Blob (a dropped File) crosses by reference and is read in the worker.
  const arg = file instanceof Uint8Array ? transfer(file, [file.buffer as ArrayBuffer]) : file;
  return run((w) => w.analyzeKept(arg, progressProxy(opts.onProgress)), opts.signal);
}

/** Builds the ROM from chosen candidates of a file kept by analyzeKept. */
export function buildRomFromAnalysis(
  jobId: number,
  opts: RomFromAnalysis,
  job: JobOptions = {},
): Promise<IgdRom> {
  return run((w) => w.buildRomFromAnalysis(jobId, opts), job.signal);
}

/** Patches an OVMF code image with a given GOP and VBT; all three buffers are transferred. */
export function patchOvmf(input: OvmfPatchRequest, job: JobOptions = {}): Promise<OvmfPatchResult> {
  const buffers = [input.ovmf.buffer, input.gop.buffer, input.vbt.buffer] as ArrayBuffer[];
  return run(
    (w) => w.patchOvmf(transfer(input, [...new Set(buffers)]), progressProxy(job.onProgress)),
    job.signal,
  );
}

/** Patches an OVMF code image with candidates of a file kept by analyzeKept. */
export function patchOvmfFromAnalysis(
  jobId: number,
  opts: OvmfFromAnalysis,
  job: JobOptions = {},
): Promise<OvmfPatchResult> {
  return run(
    (w) =>
      w.patchOvmfFromAnalysis(
        jobId,
        transfer(opts, [opts.ovmf.buffer as ArrayBuffer]),
        progressProxy(job.onProgress),
      ),
    job.signal,
  );
}

/**
 * A dropped file the worker keeps for later jobs. The page holds on to this handle; when the
 * worker was restarted (a cancel) or has let the file go, the next job sends it again.
 */
export interface KeptFile {
  readonly file: Blob;
  jobId: number;
  generation: number;
}

async function rekeep(k: KeptFile, signal?: AbortSignal): Promise<void> {
  const gen = generation;
  k.jobId = await run((w) => w.keep(k.file), signal);
  k.generation = gen;
}

const isGone = (e: unknown) => e instanceof FirmwareError && e.path === KEPT_GONE;

/** Runs a job on kept files, sending them again first if this worker does not hold them. */
async function withKept<T>(
  files: KeptFile[],
  job: (w: Remote<FirmwareWorkerApi>, ids: number[]) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (const k of files) if (k.generation !== generation) await rekeep(k, signal);
  try {
    return await run(
      (w) =>
        job(
          w,
          files.map((k) => k.jobId),
        ),
      signal,
    );
  } catch (e) {
    if (!isGone(e)) throw e;
    for (const k of files) await rekeep(k, signal);
    return run(
      (w) =>
        job(
          w,
          files.map((k) => k.jobId),
        ),
      signal,
    );
  }
}

/** Analyses a dropped file and keeps it in the worker for the later steps. */
export async function openFile(
  file: Blob,
  opts: JobOptions = {},
): Promise<{ kept: KeptFile; result: AnalyzeResult }> {
  const gen = generation;
  const { jobId, result } = await analyzeKept(file, opts);
  return { kept: { file, jobId, generation: gen }, result };
}

/** Builds the ROM from candidates of one or more kept files (e.g. a bare .efi and a .bin). */
export function buildRom(
  files: KeptFile[],
  opts: RomFromAnalysis,
  job: JobOptions = {},
): Promise<IgdRom> {
  return withKept(files, (w, ids) => w.buildRomFromAnalysis(ids, opts), job.signal);
}

/** Patches one OVMF image with candidates of kept files; the OVMF buffer is transferred. */
export function patchOvmfWith(
  files: KeptFile[],
  opts: OvmfFromAnalysis,
  job: JobOptions = {},
): Promise<OvmfPatchResult> {
  return withKept(
    files,
    (w, ids) =>
      w.patchOvmfFromAnalysis(
        ids,
        transfer(opts, [opts.ovmf.buffer as ArrayBuffer]),
        progressProxy(job.onProgress),
      ),
    job.signal,
  );
}

/** The full tree of a kept file, as plain rows. */
export function explorerTree(file: KeptFile, job: JobOptions = {}): Promise<ExplorerTree> {
  return withKept(
    [file],
    (w, [id]) => w.explorerTree(id, progressProxy(job.onProgress)),
    job.signal,
  );
}

/** The bytes of one node of a kept file's tree (whole, body, or decoded body). */
export function exportNode(file: KeptFile, nodeId: number, part: NodePart): Promise<Uint8Array> {
  return withKept([file], (w, [id]) => w.exportNode(id, nodeId, part));
}

/** Strings and the first bytes of one node. */
export function nodeDetails(
  file: KeptFile,
  nodeId: number,
): Promise<{ strings: FoundString[]; head: Uint8Array }> {
  return withKept([file], (w, [id]) => w.nodeDetails(id, nodeId));
}

/** A deterministic zip of these files (copied to the worker, not transferred). */
export function zip(entries: ZipEntry[], job: JobOptions = {}): Promise<Uint8Array> {
  return run((w) => w.zip(entries), job.signal);
}
