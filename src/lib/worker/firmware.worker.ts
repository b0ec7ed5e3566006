/// <reference lib="webworker" />
import { expose, transfer } from 'comlink';
import { zipSync, type Zippable } from 'fflate';
import { FirmwareError, type Candidates, type FirmwareNode } from '$lib/firmware';
import * as core from '$lib/firmware';
import {
  findStrings,
  flatten,
  nodePart,
  readableBody,
  type ExplorerTree,
  type NodePart,
} from './explore';
import { KEPT_GONE } from './protocol';

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
 * Progress goes back on a port of the call's own (not a comlink proxy): the page closes it when
 * the call ends or is cancelled, and nothing waits for an answer.
 */
function reporter(port?: MessagePort): core.ProgressCallback | undefined {
  return port && ((p) => port.postMessage(p));
}

interface Kept {
  bytes: Uint8Array;
  /** Parsed once, on first need, for the candidates and the explorer. */
  tree?: Promise<{ root: FirmwareNode; nodes: FirmwareNode[] }>;
  candidates?: Promise<Candidates>;
  amdCandidates?: Promise<core.AmdCandidates>;
}

/**
 * Dropped files the page works on, kept so later jobs (ROM, OVMF patch, explorer) need not send
 * them again. Only a few: each holds a whole BIOS image and its tree.
 */
const kept = new Map<number, Kept>();
let nextJob = 1;
const KEEP = 4;

function keep(bytes: Uint8Array): number {
  const jobId = nextJob++;
  kept.set(jobId, { bytes });
  for (const id of kept.keys()) if (kept.size > KEEP) kept.delete(id);
  return jobId;
}

/**
 * A dropped File is read here rather than in the page: reading 16 MiB into memory is a
 * 100 ms task, and on the page's thread that would stall it.
 */
async function bytesOf(file: Uint8Array | Blob): Promise<Uint8Array> {
  return file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
}

function keptFile(jobId: number): Kept {
  const k = kept.get(jobId);
  if (!k)
    throw new FirmwareError('not-found', 'the file is no longer in memory; drop it again', {
      path: KEPT_GONE,
    });
  // Most recently used last, so eviction takes the oldest.
  kept.delete(jobId);
  kept.set(jobId, k);
  return k;
}

function treeOf(k: Kept, onProgress?: core.ProgressCallback) {
  k.tree ??= core
    .parseFirmware(k.bytes, {
      progress: onProgress
        ? (done) => onProgress({ phase: 'parse', done, total: k.bytes.length })
        : undefined,
    })
    .then((root) => ({ root, nodes: flatten(root).nodes }));
  // A failed parse is not cached: the error is the answer every time.
  k.tree.catch(() => (k.tree = undefined));
  return k.tree;
}

/** GOP and VBT candidates of several kept files together (a BIOS, or a bare .efi and a .bin). */
async function candidatesOf(jobIds: number | number[]): Promise<Candidates> {
  const all: Candidates = { gops: [], vbts: [], ignored: [] };
  for (const id of Array.isArray(jobIds) ? jobIds : [jobIds]) {
    const k = keptFile(id);
    k.candidates ??= treeOf(k).then((t) => core.findCandidates(t.root));
    const c = await k.candidates;
    all.gops.push(...c.gops);
    all.vbts.push(...c.vbts);
    all.ignored.push(...c.ignored);
  }
  return all;
}

/** The AMD GOP and VBIOS candidate with this SHA-256 among kept files, when there is one. */
async function amdBytesOf(
  jobIds: number[],
  kind: 'gops' | 'vbioses',
  sha256: string,
): Promise<Uint8Array | undefined> {
  for (const id of jobIds) {
    const k = keptFile(id);
    k.amdCandidates ??= treeOf(k).then((t) => core.findAmdCandidates(t.root));
    const hit = (await k.amdCandidates)[kind].find((c) => c.sha256 === sha256);
    if (hit) return hit.bytes;
  }
  return undefined;
}

async function nodeOf(jobId: number, id: number): Promise<FirmwareNode> {
  const { nodes } = await treeOf(keptFile(jobId));
  const node = nodes[id];
  if (!node) throw new FirmwareError('bad-input', `no node ${id} in this file`);
  return node;
}

/** What the page asks for when building from analysed files (candidates by SHA-256). */
export interface RomFromAnalysis {
  variant: core.IgdRomVariant;
  gopSha256?: string;
  /** 'opregion', or the SHA-256 of the VBT candidate to embed. */
  vbt: 'opregion' | { sha256: string };
  deviceId?: number;
}

/** AMD ROMs from chosen candidates of kept files (by SHA-256). */
export interface AmdRomsFromAnalysis {
  gopSha256: string;
  /** Without it only the GOP-only ROM is built. */
  vbiosSha256?: string;
}

/** An OVMF patch from chosen candidates of kept files (the OVMF image itself is sent). */
export interface OvmfFromAnalysis {
  /** A Blob (the picked file) is read here, like a dropped file. */
  ovmf: Uint8Array | Blob;
  gopSha256: string;
  vbtSha256: string;
  igdAssignment?: boolean;
  preset?: core.LzmaPreset;
}

/** One file of a zip: its path inside the archive, its bytes, and whether it is a script. */
export interface ZipEntry {
  name: string;
  bytes: Uint8Array;
  executable?: boolean;
}

/**
 * Every entry gets the same fixed date, so the same files always give the same archive. Local
 * time on purpose: zip stores DOS local time, and fflate reads the Date's local fields.
 */
const ZIP_DATE = new Date(2000, 0, 1, 0, 0, 0);

function gopOf(found: Candidates, sha256?: string): Uint8Array {
  const gop = found.gops.find((g) => g.sha256 === sha256)?.bytes;
  if (!gop) throw new FirmwareError('bad-input', 'the chosen GOP driver was not found');
  return gop;
}

function vbtOf(found: Candidates, sha256: string): Uint8Array {
  const vbt = found.vbts.find((v) => v.sha256 === sha256)?.bytes;
  if (!vbt) throw new FirmwareError('bad-input', 'the chosen VBT was not found');
  return vbt;
}

const api = {
  inspect: (bytes: Uint8Array) => guarded(() => core.inspect(bytes)),
  analyze: (bytes: Uint8Array, progress?: MessagePort) =>
    guarded(() => core.analyze(bytes, reporter(progress))),
  compressLzma: (bytes: Uint8Array, opts: { preset?: core.LzmaPreset }, progress?: MessagePort) =>
    guarded(() => {
      const out = core.compressLzma(bytes, opts, reporter(progress));
      return transfer(out, [out.buffer as ArrayBuffer]);
    }),
  buildIgdRom: (opts: core.IgdRomOptions) =>
    guarded(async () => {
      const rom = await core.buildIgdRom(opts);
      return transfer(rom, [rom.rom.buffer as ArrayBuffer]);
    }),
  /** Keeps a file for later jobs without analysing it (after the worker was restarted). */
  keep: (file: Uint8Array | Blob) => guarded(async () => keep(await bytesOf(file))),
  /** Like analyze, and keeps the file for later jobs under the returned job id. */
  analyzeKept: (file: Uint8Array | Blob, progress?: MessagePort) =>
    guarded(async () => {
      const report = reporter(progress);
      // Reading a dropped file into memory takes a while: say the analysis has started.
      report?.({ phase: 'parse', done: 0, total: file instanceof Blob ? file.size : file.length });
      const bytes = await bytesOf(file);
      const result = await core.analyze(bytes, report);
      const jobId = keep(bytes);
      // The next step needs the tree again: parse it while the person reads the results.
      if (!result.error) setTimeout(() => void candidatesOf(jobId).catch(() => undefined), 0);
      return { jobId, result };
    }),
  /** Builds the iGPU ROM from the GOP/VBT candidates of kept files. */
  buildRomFromAnalysis: (jobIds: number | number[], opts: RomFromAnalysis) =>
    guarded(async () => {
      const found = await candidatesOf(jobIds);
      const gop = opts.variant === 'assignment' ? undefined : gopOf(found, opts.gopSha256);
      let vbt: Uint8Array | 'opregion' | undefined;
      if (opts.variant === 'full') {
        vbt = opts.vbt === 'opregion' ? 'opregion' : vbtOf(found, opts.vbt.sha256);
      }
      const rom = await core.buildIgdRom({
        variant: opts.variant,
        gop,
        vbt,
        deviceId: opts.deviceId,
      });
      return transfer(rom, [rom.rom.buffer as ArrayBuffer]);
    }),
  /**
   * The AMD ROMs (combined, GOP-only, VBIOS alone) from an AMD GOP and VBIOS of kept files, each
   * re-read and checked by the core. Only what the page shows crosses back (no parsed PE).
   */
  buildAmdRomsFromAnalysis: (jobIds: number | number[], opts: AmdRomsFromAnalysis) =>
    guarded(async () => {
      const ids = Array.isArray(jobIds) ? jobIds : [jobIds];
      const gop = await amdBytesOf(ids, 'gops', opts.gopSha256);
      if (!gop) throw new FirmwareError('bad-input', 'the chosen AMD GOP driver was not found');
      const vbios = opts.vbiosSha256 && (await amdBytesOf(ids, 'vbioses', opts.vbiosSha256));
      if (opts.vbiosSha256 && !vbios)
        throw new FirmwareError('bad-input', 'the chosen APU VBIOS was not found');
      const r = await core.buildAmdRoms({ gop, vbios: vbios || undefined });
      const out = {
        roms: r.roms,
        deviceId: r.deviceId,
        family: r.apu?.family,
        warnings: r.warnings,
      };
      return transfer(
        out,
        r.roms.map((x) => x.rom.buffer as ArrayBuffer),
      );
    }),
  /** Patches an OVMF code image with the GOP and VBT chosen from kept files. */
  patchOvmfFromAnalysis: (
    jobIds: number | number[],
    opts: OvmfFromAnalysis,
    progress?: MessagePort,
  ) =>
    guarded(async () => {
      const found = await candidatesOf(jobIds);
      const r = await core.patchOvmf({
        ovmf: await bytesOf(opts.ovmf),
        gop: gopOf(found, opts.gopSha256),
        vbt: vbtOf(found, opts.vbtSha256),
        igdAssignment: opts.igdAssignment,
        preset: opts.preset,
        onProgress: reporter(progress),
      });
      return transfer(r, [r.image.buffer as ArrayBuffer]);
    }),
  /** The whole tree of a kept file as plain rows: no bytes cross over. */
  explorerTree: (jobId: number, progress?: MessagePort) =>
    guarded(async (): Promise<ExplorerTree> => {
      const k = keptFile(jobId);
      const { root } = await treeOf(k, reporter(progress));
      return { nodes: flatten(root).rows, size: k.bytes.length };
    }),
  /** One part of one node, copied out for a download. */
  exportNode: (jobId: number, id: number, part: NodePart) =>
    guarded(async () => {
      const out = nodePart(await nodeOf(jobId, id), part);
      return transfer(out, [out.buffer as ArrayBuffer]);
    }),
  /** Readable strings of a node's body (decoded when it was compressed), and its first bytes. */
  nodeDetails: (jobId: number, id: number) =>
    guarded(async () => {
      const node = await nodeOf(jobId, id);
      return {
        strings: findStrings(readableBody(node)),
        head: node.raw.slice(0, 256),
      };
    }),
  /** A zip of the given files, deflated, with fixed dates: the same files give the same bytes. */
  zip: (entries: ZipEntry[]) =>
    guarded(() => {
      const files: Zippable = {};
      for (const e of entries) {
        // Unix mode in the high half of the external attributes, so unzip keeps the x bit.
        const mode = e.executable ? 0o100755 : 0o100644;
        files[e.name] = [e.bytes, { mtime: ZIP_DATE, os: 3, attrs: mode << 16, level: 6 }];
      }
      const out = zipSync(files, { mtime: ZIP_DATE });
      return transfer(out, [out.buffer as ArrayBuffer]);
    }),
};

export type FirmwareWorkerApi = typeof api;

expose(api);
