/**
 * The page's only way to the firmware core: one shared worker, started on first use.
 *
 * Cancel design (see runner.ts): a cancel terminates the worker — the only way to stop the core's
 * synchronous loops — and the cancelled call rejects with an AbortError at once; every other
 * call in flight starts again on a fresh worker instead of waiting forever for the stopped one.
 * We keep one shared worker rather than one per job because it holds the dropped files and their
 * parsed trees for every later step. For a call to start again, nothing it sends may be taken
 * from the page: inputs are copied, and files go as Blobs (by reference); only results are
 * transferred. Each function here calls the worker method of the same job, typed by the worker's
 * own API (`Remote<FirmwareWorkerApi>`), so the two cannot drift apart.
 */
import { transfer, wrap, type Remote } from 'comlink';
import {
  FirmwareError,
  type FirmwareErrorData,
  type LzmaPreset,
  type ProgressCallback,
} from '$lib/firmware';
import type {
  AmdRomsFromAnalysis,
  FirmwareWorkerApi,
  OvmfFromAnalysis,
  RomFromAnalysis,
  ZipEntry,
} from './firmware.worker';
import { KEPT_GONE } from './protocol';
import { WorkerRunner, type Attempt } from './runner';

export type { AmdRomsFromAnalysis, OvmfFromAnalysis, RomFromAnalysis, ZipEntry };
export type { ExplorerNode, ExplorerTree, FoundString, NodePart } from './explore';

type Api = FirmwareWorkerApi;
/** What a worker method answers, once it has. */
type Answer<K extends keyof Api> = Awaited<ReturnType<Api[K]>>;

const runner = new WorkerRunner<Remote<Api>>(() => {
  const worker = new Worker(new URL('./firmware.worker.ts', import.meta.url), { type: 'module' });
  return { remote: wrap<Api>(worker), stop: () => worker.terminate() };
});

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

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** Runs one job (possibly more than once, see above), with the worker's errors revived. */
function run<T>(job: (a: Attempt<Remote<Api>>) => Promise<T>, opts: JobOptions = {}) {
  return runner.run(async (a) => {
    try {
      return await job(a);
    } catch (e) {
      throw revive(e);
    }
  }, opts);
}

/** The progress port of an attempt, handed over to the worker. */
const sent = (port?: MessagePort) => port && transfer(port, [port]);

export function inspect(bytes: Uint8Array, job: JobOptions = {}): Promise<Answer<'inspect'>> {
  return run(({ remote }) => remote.inspect(bytes), job);
}

export function lzmaCompress(
  bytes: Uint8Array,
  opts: JobOptions & { preset?: LzmaPreset } = {},
): Promise<Answer<'compressLzma'>> {
  return run(
    ({ remote, progress }) => remote.compressLzma(bytes, { preset: opts.preset }, sent(progress)),
    opts,
  );
}

/** Full parse and GOP/VBT ranking of a file, kept nowhere. */
export function analyze(bytes: Uint8Array, job: JobOptions = {}): Promise<Answer<'analyze'>> {
  return run(({ remote, progress }) => remote.analyze(bytes, sent(progress)), job);
}

/** Builds (and self-verifies) the iGPU option ROM from given GOP and VBT bytes. */
export function buildIgdRom(
  opts: Parameters<Api['buildIgdRom']>[0],
  job: JobOptions = {},
): Promise<Answer<'buildIgdRom'>> {
  return run(({ remote }) => remote.buildIgdRom(opts), job);
}

/**
 * A dropped file the worker keeps for later jobs. The page holds on to this handle; when the
 * worker was restarted (a cancel) or has let the file go, the next job sends it again.
 */
export interface KeptFile {
  readonly file: Blob;
  jobId: number;
  /** The worker generation that holds jobId (-1: none yet). */
  generation: number;
}

const isGone = (e: unknown) => e instanceof FirmwareError && e.path === KEPT_GONE;

/** Sends a kept file (again) to the worker of this attempt. */
async function keep(k: KeptFile, { remote, generation }: Attempt<Remote<Api>>): Promise<void> {
  const jobId = await remote.keep(k.file);
  k.jobId = jobId;
  k.generation = generation;
}

/** Runs a job on kept files, sending them again first if this worker does not hold them. */
function withKept<T>(
  files: KeptFile[],
  job: (a: Attempt<Remote<Api>>, ids: number[]) => Promise<T>,
  opts: JobOptions = {},
): Promise<T> {
  return run(async (a) => {
    for (const k of files) if (k.generation !== a.generation) await keep(k, a);
    try {
      return await job(
        a,
        files.map((k) => k.jobId),
      );
    } catch (e) {
      if (!isGone(revive(e))) throw e;
      for (const k of files) await keep(k, a);
      // The progress port went with the first try; this rare second one reports none.
      return job(
        { ...a, progress: undefined },
        files.map((k) => k.jobId),
      );
    }
  }, opts);
}

/** Analyses a dropped file and keeps it in the worker for the later steps. */
export function openFile(
  file: Blob,
  job: JobOptions = {},
): Promise<{ kept: KeptFile; result: Answer<'analyzeKept'>['result'] }> {
  return run(async ({ remote, progress, generation }) => {
    const { jobId, result } = await remote.analyzeKept(file, sent(progress));
    return { kept: { file, jobId, generation }, result };
  }, job);
}

/** Builds the ROM from candidates of one or more kept files (e.g. a bare .efi and a .bin). */
export function buildRom(
  files: KeptFile[],
  opts: RomFromAnalysis,
  job: JobOptions = {},
): Promise<Answer<'buildRomFromAnalysis'>> {
  return withKept(files, ({ remote }, ids) => remote.buildRomFromAnalysis(ids, opts), job);
}

/** The AMD ROMs from an AMD GOP (and APU VBIOS) of kept files, checked before they come back. */
export function buildAmdRoms(
  files: KeptFile[],
  opts: AmdRomsFromAnalysis,
  job: JobOptions = {},
): Promise<Answer<'buildAmdRomsFromAnalysis'>> {
  return withKept(files, ({ remote }, ids) => remote.buildAmdRomsFromAnalysis(ids, opts), job);
}

/** Patches one OVMF image (bytes, or the picked file) with candidates of kept files. */
export function patchOvmfWith(
  files: KeptFile[],
  opts: OvmfFromAnalysis,
  job: JobOptions = {},
): Promise<Answer<'patchOvmfFromAnalysis'>> {
  return withKept(
    files,
    ({ remote, progress }, ids) => remote.patchOvmfFromAnalysis(ids, opts, sent(progress)),
    job,
  );
}

/** The full tree of a kept file, as plain rows. */
export function explorerTree(
  file: KeptFile,
  job: JobOptions = {},
): Promise<Answer<'explorerTree'>> {
  return withKept(
    [file],
    ({ remote, progress }, [id]) => remote.explorerTree(id, sent(progress)),
    job,
  );
}

/** The bytes of one node of a kept file's tree (whole, body, or decoded body). */
export function exportNode(
  file: KeptFile,
  nodeId: number,
  part: Parameters<Api['exportNode']>[2],
): Promise<Answer<'exportNode'>> {
  return withKept([file], ({ remote }, [id]) => remote.exportNode(id, nodeId, part));
}

/** Strings and the first bytes of one node. */
export function nodeDetails(file: KeptFile, nodeId: number): Promise<Answer<'nodeDetails'>> {
  return withKept([file], ({ remote }, [id]) => remote.nodeDetails(id, nodeId));
}

/** A deterministic zip of these files. */
export function zip(entries: ZipEntry[], job: JobOptions = {}): Promise<Answer<'zip'>> {
  return run(({ remote }) => remote.zip(entries), job);
}
