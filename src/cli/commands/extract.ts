import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  hexDigits,
  pciId,
  FirmwareError,
  findCandidates,
  type Candidates,
  type GopCandidate,
  type VbtCandidate,
  rankCandidates,
  type Ranked,
  type Ranking,
  parseFirmware,
  findAmdCandidates,
  rankAmdCandidates,
  amdGopLabel,
  type AmdCandidates,
  type AmdRanking,
  type AmdGopCandidate,
  type VbiosCandidate,
  gopProvenance,
  intelEvidence,
} from '../../lib/firmware';
import { parseArgs, UsageError, type CliCommand } from '../command';
import { printJson, readInput, writeOutput } from '../io';

/** Keep file names portable: letters, digits, '.', '-', '_' only. */
export function sanitizeName(s: string): string {
  const clean = s
    .replace(/\?/g, 'x')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+|_+$/g, '');
  return clean || 'unknown';
}

export function gopFileName(g: GopCandidate): string {
  return `IntelGopDriver-${sanitizeName(g.info.versionText || 'unknown')}.efi`;
}

export function vbtFileName(v: VbtCandidate): string {
  return `vbt-${sanitizeName(v.info.platform || 'unknown')}.bin`;
}

/** `name`, or `name` with the start of the SHA-256 (then a counter) before the extension if taken. */
function unique(name: string, sha256: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = [name.slice(0, dot), name.slice(dot)];
  let out = name;
  for (let n = 1; taken.has(out); n++)
    out = `${stem}-${sha256.slice(0, 8)}${n > 1 ? `-${n}` : ''}${ext}`;
  taken.add(out);
  return out;
}

export function amdGopFileName(g: AmdGopCandidate): string {
  return `AMDGopDriver-${sanitizeName(g.info.version ?? 'unknown')}.efi`;
}

export function vbiosFileName(v: VbiosCandidate): string {
  const id = pciId(v.info.deviceId);
  return `vbios-${id}${v.info.version ? `-${sanitizeName(v.info.version)}` : ''}.bin`;
}

interface Written {
  /** gop/vbt: Intel GOP driver and VBT; amd-gop/vbios: AMD GOP driver and APU VBIOS. */
  kind: 'gop' | 'vbt' | 'amd-gop' | 'vbios';
  /** Whose graphics it is, so an image holding both needs no lookup of `kind`. */
  vendor: 'intel' | 'amd';
  file: string;
  rank: number;
}

interface Placed {
  fileGuid?: string;
  uiName?: string;
  path: string;
  size: number;
  sha256: string;
  copies: { path: string }[];
}

/** What every JSON entry starts with: its rank, the file written, why, what is wrong. */
function rankedJson(r: Ranked<unknown>, file?: string) {
  return { rank: r.rank, file, reason: r.reason.en, warnings: r.warnings.map((w) => w.en) };
}

/** Where a candidate sits, its size and hash, and its copies. */
function placeJson(c: Placed) {
  return {
    fileGuid: c.fileGuid,
    uiName: c.uiName,
    path: c.path,
    size: c.size,
    sha256: c.sha256,
    copies: c.copies.map((l) => l.path),
  };
}

function gopJson(r: Ranked<GopCandidate>, file?: string) {
  const c = r.candidate;
  const from = gopProvenance(c.info);
  return {
    ...rankedJson(r, file),
    version: c.info.versionText || undefined,
    versionKnown: c.info.versionKnown,
    // Where it was read: beside the name, beside the controller name (no name string), …
    versionSource: c.info.versionSource,
    versionFrom: from.version.en,
    // From the version major or the device-ID table: Intel documents neither mapping.
    generation: c.info.generation && {
      ...c.info.generation,
      from: from.generation?.en,
      guess: true,
    },
    deviceIds: c.info.deviceIds.map((d) => '0x' + pciId(d)),
    deviceFamilies: c.info.deviceFamilies,
    // Why it counts as an Intel GOP (name string, protocols, device IDs, file GUID/name).
    identity: {
      confidence: c.identity.confidence,
      reasons: c.identity.reasons.map((x) => x.en),
    },
    machine: c.info.pe.machineName,
    subsystem: c.info.pe.subsystemName,
    ...placeJson(c),
  };
}

function vbtJson(r: Ranked<VbtCandidate>, file?: string) {
  const c = r.candidate;
  const i = c.info;
  return {
    ...rankedJson(r, file),
    platform: i.platform,
    // From the platform string or, failing that, the BDB version: a guess like the GOP's.
    generation: i.generation && { ...i.generation, guess: true },
    vbtVersion: i.version,
    bdbVersion: i.bdbVersion,
    checksumOk: i.checksumOk,
    childDevices: i.childDevices,
    fileGuid: c.fileGuid,
    uiName: c.uiName,
    path: c.path,
    size: c.size,
    sha256: c.sha256,
    storedSize: c.stored.length,
    storedSha256: c.storedSha256,
    copies: c.copies.map((l) => l.path),
  };
}

function where(c: { fileGuid?: string; uiName?: string; path: string }): string {
  if (!c.fileGuid) return c.path;
  return c.uiName ? `${c.fileGuid} "${c.uiName}"` : c.fileGuid;
}

/** The driver's PCI device-ID table, shortened for a terminal line. */
function deviceIdText(ids: number[], families: string[]): string {
  if (!ids.length) return 'no device-ID table found';
  const shown = ids
    .slice(0, 12)
    .map((d) => hexDigits(d, 4, true))
    .join(' ');
  const more = ids.length > 12 ? ` … (${ids.length} in all)` : '';
  return `${shown}${more}${families.length ? ` — ${families.join(', ')}` : ''}`;
}

function gopText(r: Ranked<GopCandidate>, file: string | undefined): string[] {
  const c = r.candidate;
  const from = gopProvenance(c.info);
  const gen = c.info.generation;
  const lines = [
    `GOP #${r.rank}${file ? `  -> ${file}` : ''}`,
    `  version:     ${c.info.versionText ? `${c.info.versionText}${c.info.versionKnown === 'partial' ? ' (parts not stored in the image)' : ''}, ${from.version.en}` : from.version.en}`,
    `  generation:  ${gen ? `${gen.code}, ${gen.label} (a guess ${from.generation!.en})` : 'unknown'}`,
    `  device IDs:  ${deviceIdText(c.info.deviceIds, c.info.deviceFamilies)}`,
    `  image:       ${c.info.pe.format} ${c.info.pe.machineName}, ${c.info.pe.subsystemName}`,
    `  file:        ${where(c)}`,
    `  size:        ${c.size} bytes`,
    `  sha256:      ${c.sha256}`,
    `  why:         ${r.reason.en}`,
  ];
  if (c.copies.length)
    lines.push(
      `  copies:      ${c.copies.length} identical (${c.copies.map((l) => l.path).join('; ')})`,
    );
  for (const w of r.warnings) lines.push(`  warning:     ${w.en}`);
  return lines;
}

function vbtText(r: Ranked<VbtCandidate>, file: string | undefined): string[] {
  const c = r.candidate;
  const i = c.info;
  const lines = [
    `VBT #${r.rank}${file ? `  -> ${file}` : ''}`,
    `  platform:    ${i.platform || 'unknown'} (VBT ${i.version}, BDB ${i.bdbVersion}, ${i.childDevices ?? '?'} child devices, checksum ${i.checksumOk ? 'ok' : 'bad'})`,
    `  generation:  ${i.generation ? `${i.generation.code}, ${i.generation.label} (a guess from the ${i.generation.basis === 'platform' ? 'platform string' : 'BDB version'})` : 'unknown'}`,
    `  file:        ${where(c)}`,
    `  size:        ${c.size} bytes (stored ${c.stored.length})`,
    `  sha256:      ${c.sha256}`,
    `  why:         ${r.reason.en}`,
  ];
  if (c.copies.length)
    lines.push(
      `  copies:      ${c.copies.length} identical (${c.copies.map((l) => l.path).join('; ')})`,
    );
  for (const w of r.warnings) lines.push(`  warning:     ${w.en}`);
  return lines;
}

function amdGopJson(r: Ranked<AmdGopCandidate>, file?: string) {
  const c = r.candidate;
  return {
    ...rankedJson(r, file),
    name: c.info.name,
    version: c.info.version,
    machine: c.info.pe.machineName,
    subsystem: c.info.pe.subsystemName,
    deviceIds: c.deviceIds.map((d) => '0x' + pciId(d)),
    ...placeJson(c),
  };
}

function vbiosJson(r: Ranked<VbiosCandidate>, file?: string) {
  const i = r.candidate.info;
  return {
    ...rankedJson(r, file),
    vendorId: '0x' + pciId(i.vendorId),
    deviceId: '0x' + pciId(i.deviceId),
    family: i.apu?.family,
    audioDeviceId:
      i.apu?.audioDeviceId === undefined ? undefined : '0x' + pciId(i.apu.audioDeviceId),
    version: i.version,
    partNumber: i.partNumber,
    ...placeJson(r.candidate),
  };
}

/** The lines every AMD entry ends with. */
function amdPlaceLines(r: Ranked<Placed>): string[] {
  const c = r.candidate;
  const lines = [
    `  file:        ${where(c)}`,
    `  size:        ${c.size} bytes`,
    `  sha256:      ${c.sha256}`,
    `  why:         ${r.reason.en}`,
  ];
  if (c.copies.length) lines.push(`  copies:      ${c.copies.length} identical`);
  for (const w of r.warnings) lines.push(`  warning:     ${w.en}`);
  return lines;
}

function amdGopText(r: Ranked<AmdGopCandidate>, file: string | undefined): string[] {
  const c = r.candidate;
  return [
    `AMD GOP #${r.rank}${file ? `  -> ${file}` : ''}`,
    `  version:     ${amdGopLabel(c.info)}${c.info.buildDate ? `, built ${c.info.buildDate}` : ''}`,
    `  device IDs:  ${c.deviceIds.length ? c.deviceIds.map((d) => hexDigits(d, 4, true)).join(' ') + ' (from its option-ROM image)' : 'none listed (AMD GOPs are generic per family)'}`,
    `  image:       ${c.info.pe.format} ${c.info.pe.machineName}, ${c.info.pe.subsystemName}`,
    ...amdPlaceLines(r),
  ];
}

function vbiosText(r: Ranked<VbiosCandidate>, file: string | undefined): string[] {
  const i = r.candidate.info;
  return [
    `VBIOS #${r.rank}${file ? `  -> ${file}` : ''}`,
    `  device:      1002:${pciId(i.deviceId)} ${i.apu ? `${i.apu.family} (${i.apu.label})` : 'not in the AMD APU table'}`,
    `  version:     ${i.version ?? 'unknown'}${i.partNumber ? `, part ${i.partNumber}` : ''}`,
    ...amdPlaceLines(r),
  ];
}

/** Parse, find and rank: the shared first half of `extract`. */
export async function findInFile(path: string): Promise<{
  found: Candidates;
  ranking: Ranking;
  amdFound: AmdCandidates;
  amd: AmdRanking;
}> {
  const root = await parseFirmware(readInput(path), { name: basename(path) });
  const found = await findCandidates(root);
  const amdFound = await findAmdCandidates(root);
  const ranking = rankCandidates(found);
  const amd = rankAmdCandidates(amdFound, {
    besideIntel: intelEvidence({ intelGops: ranking.gops, intelVbts: ranking.vbts }),
  });
  return { found, ranking, amdFound, amd };
}

export const extractCommand: CliCommand = {
  name: 'extract',
  summary:
    'find the Intel GOP driver and VBT, or the AMD GOP and APU VBIOS, in a BIOS image and write them to files',
  usage: 'extract <file> [-o DIR] [--all] [--json]',
  async run(args) {
    const { positional, flags } = parseArgs(args, ['-o', '--out'], ['--all', '--json']);
    if (positional.length !== 1) throw new UsageError('extract takes exactly one file');
    const input = positional[0];
    const outValue = flags.get('-o') ?? flags.get('--out') ?? '.';
    const outDir = typeof outValue === 'string' ? outValue : '.';
    const all = flags.has('--all');

    const { found, ranking, amdFound, amd } = await findInFile(input);
    const hasAmd = amd.gops.length > 0 || amd.vbioses.length > 0;
    if (!ranking.gops.length && !ranking.vbts.length && !hasAmd) {
      const ignored = found.ignored.length + amdFound.ignored.length;
      const ignoredNote = ignored ? ` (${ignored} deleted/invalid copies ignored)` : '';
      const pei = amdFound.peiGops.length ? ' (only a 32-bit AMD PEI GOP, never offered)' : '';
      throw new FirmwareError(
        'not-found',
        `${input}: no Intel GOP driver and no VBT found${ignoredNote}${pei}`,
      );
    }
    // An AMD image: "no Intel GOP and no VBT" is no news.
    const intelWarnings =
      hasAmd && !ranking.gops.length && !ranking.vbts.length ? [] : ranking.warnings;

    const gops = all ? ranking.gops : ranking.gops.slice(0, 1);
    const vbts = all ? ranking.vbts : ranking.vbts.slice(0, 1);
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (e) {
      throw new FirmwareError(
        'bad-input',
        `${outDir}: cannot create (${(e as NodeJS.ErrnoException).code ?? e})`,
      );
    }
    const taken = new Set<string>();
    const written: Written[] = [];
    /** Writes each candidate under its name (made unique), noting it in `written`. */
    const writeAll = <C extends { sha256: string; bytes: Uint8Array }>(
      list: Ranked<C>[],
      kind: Written['kind'],
      nameOf: (c: C) => string,
    ) =>
      list.map((r) => {
        const file = join(outDir, unique(nameOf(r.candidate), r.candidate.sha256, taken));
        writeOutput(file, r.candidate.bytes);
        const vendor = kind === 'gop' || kind === 'vbt' ? 'intel' : 'amd';
        written.push({ kind, vendor, file, rank: r.rank });
        return file;
      });
    const gopFiles = writeAll(gops, 'gop', gopFileName);
    const vbtFiles = writeAll(vbts, 'vbt', vbtFileName);
    const amdGops = all ? amd.gops : amd.gops.slice(0, 1);
    const vbioses = all ? amd.vbioses : amd.vbioses.slice(0, 1);
    const amdGopFiles = writeAll(amdGops, 'amd-gop', amdGopFileName);
    const vbiosFiles = writeAll(vbioses, 'vbios', vbiosFileName);
    const ignoredAll = [...found.ignored, ...amdFound.ignored];
    const warnings = [...intelWarnings, ...amd.warnings];

    if (flags.has('--json')) {
      printJson({
        input,
        gops: ranking.gops.map((r, i) => gopJson(r, gopFiles[i])),
        vbts: ranking.vbts.map((r, i) => vbtJson(r, vbtFiles[i])),
        // AMD graphics: present only when the image holds some, so Intel output stays as it was.
        ...(hasAmd || amdFound.peiGops.length
          ? {
              amd: {
                gops: amd.gops.map((r, i) => amdGopJson(r, amdGopFiles[i])),
                vbioses: amd.vbioses.map((r, i) => vbiosJson(r, vbiosFiles[i])),
                peiGops: amdFound.peiGops,
              },
            }
          : {}),
        // People's text in English, as the text report prints it: scripts match on it.
        ignored: ignoredAll.map((g) => ({ ...g, reason: g.reason.en })),
        warnings: warnings.map((w) => w.en),
        written,
      });
      return 0;
    }
    const lines: string[] = [];
    ranking.gops.forEach((r, i) => {
      if (all || i === 0) lines.push(...gopText(r, gopFiles[i]));
    });
    ranking.vbts.forEach((r, i) => {
      if (all || i === 0) lines.push(...vbtText(r, vbtFiles[i]));
    });
    amd.gops.forEach((r, i) => {
      if (all || i === 0) lines.push(...amdGopText(r, amdGopFiles[i]));
    });
    amd.vbioses.forEach((r, i) => {
      if (all || i === 0) lines.push(...vbiosText(r, vbiosFiles[i]));
    });
    const more = all
      ? 0
      : ranking.gops.length -
        gops.length +
        ranking.vbts.length -
        vbts.length +
        amd.gops.length -
        amdGops.length +
        amd.vbioses.length -
        vbioses.length;
    if (more)
      lines.push(`${more} more candidate(s) not written; use --all to write every distinct one`);
    for (const g of ignoredAll)
      lines.push(`ignored ${g.kind.toUpperCase()} at ${g.path}: ${g.reason.en}`);
    for (const w of warnings) lines.push(`warning: ${w.en}`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
