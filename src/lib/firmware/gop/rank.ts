/**
 * Rank the GOP and VBT candidates of one image: the GOP the DXE phase would load first, and the
 * VBT that BIOS's GOP policy hands to it. Every ranked candidate says why it sits where it does.
 *
 * Facts used (docs/firmware-format-notes.md §3): the DXE dispatcher walks volumes and their files
 * in order, so the first live GOP *driver file* in depth-first order loads first; AMI keeps
 * further GOPs in option-ROM container files that its CSM/OpROM policy starts later. Policy
 * drivers read the VBT from fixed file GUIDs: IntelIGopVbt (AMI), IntelGopVbt (Intel RC,
 * edk2-platforms); PEI graphics uses its own copy; per-panel VBT files are chosen by board setup.
 */
import { pciId } from '../bytes/hex';
import { guidName } from '../guids';
import { igpuIdsFor, type IgpuCode } from '../igpu/devices';
import { FILE_TYPE } from '../spec';
import { joinText, type Text } from '../text';
import type { Candidates, GopCandidate, Location, VbtCandidate } from './find';
import { generationFromVbtPlatform } from './generations';
import { KNOWN_GOP_FILE_GUIDS } from './identify';
import { CLAUSE_SEPARATOR, gopMessages } from './messages';

const { t } = gopMessages;

export interface Ranked<C> {
  candidate: C;
  /** 1 = the one to use. */
  rank: number;
  /** One line for people: why it is ranked here. */
  reason: Text;
  /** Problems to show next to it (the candidate's own, generation mismatch, …). */
  warnings: Text[];
}

export interface Ranking {
  gops: Ranked<GopCandidate>[];
  vbts: Ranked<VbtCandidate>[];
  /** Image-level notes: nothing found, several different GOPs, … */
  warnings: Text[];
}

/** AMI freeform files that hold option-ROM images (GOP + legacy VBIOS) for the CSM/OpROM policy. */
export const AMI_OPROM_CONTAINER_GUIDS: ReadonlySet<string> = new Set([
  'A0327FE0-1FDA-4E5B-905D-B510C45A61D0',
  '26061B47-0B90-4FB4-A0D7-DA89B4AED49B',
]);

/** The VBT files GOP policy drivers read in DXE. */
export const DXE_VBT_FILE_GUIDS: ReadonlySet<string> = new Set([
  '878AC2CC-5343-46F2-B563-51F89DAF56BA', // IntelIGopVbt (AMI)
  '56752DA9-DE6B-4895-8819-1945B6B76C22', // IntelGopVbt, gIntelGraphicsVbtGuid (Intel RC, edk2-platforms)
  '0F729F33-25C1-41A7-86B2-23A737A91823', // IntelSnbGopVbt
]);

/** VBT copies for PEI graphics; the same panel data, used before DXE. */
export const PEI_VBT_FILE_GUIDS: ReadonlySet<string> = new Set([
  '7E175642-F3AD-490A-9F8A-2E9FC6933DDD', // PeiVbtGuid (AMI)
  'E08CA6D5-8D02-43AE-ABB1-952CC787C933', // PeiDefaultVbtGuid
  '1DA69AFD-C297-4EE2-A086-0A41EB2B4DC8', // XnoteGopVbtPei
]);

/** Per-panel VBT files, picked by board setup rather than by default. */
export const PANEL_VBT_FILE_GUIDS: ReadonlySet<string> = new Set([
  'DBADD769-E86A-4819-8120-E991792C0BC1', // VbtMipiAuo
  'C7DCFF6F-6F2A-4DC1-91C6-DF0BAFDBDA46', // VbtMipiSharp
  'B850A139-BABB-4D91-9F27-72D2EF01BF3A', // VbtMipiJdi
  '88EC827F-6CDE-41DD-8B55-BD62449C4F1B', // VbtMipiPanel2
  'FF084F98-B1D2-49F8-AA57-E7EEE7C48A12', // VbtMipiPanel3
  '21E70404-DF72-4122-B030-281306EB7BE3', // VbtEdpTypeC
]);

const DXE_VBT_UI_NAMES = /^(IntelGopVbt|IntelIGopVbt|IntelSnbGopVbt)$/i;
const PEI_VBT_UI_NAMES = /^(PeiVbt|PeiDefaultVbt|IntelPeiGraphicsVbt)/i;
const ANY_VBT_UI_NAME = /vbt/i;

// FFS file types the DXE dispatcher starts.
const DXE_FILE_TYPES = new Set<number>([
  FILE_TYPE.driver,
  FILE_TYPE.combinedPeimDriver,
  FILE_TYPE.combinedMmDxe,
]);

/**
 * Display families whose GOPs and VBTs work together. VBT platform strings lag behind the GOP
 * lines (ADL and RPL VBTs still say TIGERLAKE), so one family can span several codes.
 */
const FAMILY: Readonly<Record<string, string>> = {
  SNB: 'snb',
  IVB: 'snb',
  HSW: 'hsw',
  BDW: 'hsw',
  BYT: 'byt',
  BSW: 'bsw',
  SKL: 'skl',
  APL: 'apl',
  GLK: 'glk',
  ICL: 'icl',
  JSL: 'icl',
  TGL: 'tgl',
  ADL: 'tgl',
  MTL: 'mtl',
  LNL: 'lnl',
  PTL: 'ptl',
  // A GOP named by its device-ID table carries the iGPU code (igpu/devices.ts) instead.
  CHV: 'bsw',
  KBL: 'skl',
  CFL: 'skl',
  CML: 'skl',
  EHL: 'icl',
  RKL: 'tgl',
  'ADL-N': 'tgl',
  RPL: 'tgl',
  ARL: 'mtl',
};

export function label(loc: Location): string {
  const name = loc.uiName ?? guidName(loc.fileGuid);
  if (loc.fileGuid) return name ? `${loc.fileGuid} (${name})` : loc.fileGuid;
  return name ?? loc.path;
}

export interface Scored<C> {
  c: C;
  key: number[];
  why: Text[];
}

/** The reason line: the lead, then the facts behind it. */
export function clauses(lead: Text, why: Text[]): Text {
  return joinText([lead, ...why], CLAUSE_SEPARATOR);
}

export function sortScored<C>(list: Scored<C>[]): Scored<C>[] {
  return list.sort((a, b) => {
    for (let i = 0; i < Math.max(a.key.length, b.key.length); i++) {
      const d = (a.key[i] ?? 0) - (b.key[i] ?? 0);
      if (d) return d;
    }
    return 0;
  });
}

function withinAncestor(loc: Location, kind: string): boolean {
  for (let p = loc.node.parent; p; p = p.parent) if (p.kind === kind) return true;
  return false;
}

/** 0 = a DXE driver file, 1 = an option-ROM image or AMI OpROM container, 2 = anything else. */
export function gopPlace(loc: Location): { tier: number; why: Text } {
  if (loc.fileType !== undefined && DXE_FILE_TYPES.has(loc.fileType)) {
    return { tier: 0, why: t('gop.place.dxeDriver') };
  }
  if (loc.fileGuid && AMI_OPROM_CONTAINER_GUIDS.has(loc.fileGuid)) {
    return { tier: 1, why: t('gop.place.amiOpromContainer') };
  }
  if (withinAncestor(loc, 'rom-image') || loc.node.parent?.kind === 'rom-image') {
    return { tier: 1, why: t('gop.place.optionRom') };
  }
  if (!loc.file) return { tier: 2, why: t('gop.place.bare') };
  return { tier: 2, why: t('gop.place.byContent') };
}

function rankGops(gops: GopCandidate[]): Ranked<GopCandidate>[] {
  const scored = gops.map((c): Scored<GopCandidate> => {
    const place = gopPlace(c);
    const known = c.fileGuid !== undefined && KNOWN_GOP_FILE_GUIDS.has(c.fileGuid);
    const why = [place.why];
    // A GOP without its name string: show what identified it (the file GUID among it), and how sure.
    if (c.info.name === '')
      why.push(...c.identity.reasons, t(`gop.id.confidence.${c.identity.confidence}`));
    else if (known)
      why.push(t('gop.knownFile', { guid: c.fileGuid!, name: guidName(c.fileGuid) ?? '' }));
    return { c, key: [place.tier, known ? 0 : 1, c.order], why };
  });
  sortScored(scored);
  return scored.map((s, i) => {
    const first = i === 0;
    const lead = first
      ? scored.length === 1
        ? t('gop.lead.only')
        : s.key[0] === 0
          ? t('gop.lead.firstDxe')
          : t('gop.lead.first')
      : t('rank.after', { first: label(scored[0].c) });
    const warnings = [...s.c.warnings];
    if (!s.c.info.generation) warnings.push(t('gop.warn.generationUnknown'));
    const rejected = s.c.info.versionRejected;
    if (rejected)
      warnings.push(
        t(`gop.warn.versionDisagrees.${rejected.source}`, {
          version: rejected.text,
          generation: rejected.generation ?? t('gop.generation.unknownMajor'),
          families: s.c.info.deviceFamilies.join(', '),
        }),
      );
    if (s.c.info.versionKnown !== 'full') {
      warnings.push(
        s.c.info.versionKnown === 'none'
          ? t('gop.warn.versionMissing')
          : t('gop.warn.versionPartial', { version: s.c.info.versionText }),
      );
    }
    return { candidate: s.c, rank: i + 1, reason: clauses(lead, s.why), warnings };
  });
}

/** 0 = the DXE VBT file a GOP policy reads, 1 = a PEI copy, 2 = a per-panel or other named VBT, 3 = found by content only. */
function vbtPlace(loc: Location): { tier: number; why: Text } {
  const name = loc.uiName ?? '';
  if (loc.fileGuid && DXE_VBT_FILE_GUIDS.has(loc.fileGuid)) {
    // Every GUID of that set has a name in the GUID database.
    return { tier: 0, why: t('vbt.place.dxeGuid', { name: guidName(loc.fileGuid) ?? '' }) };
  }
  if (DXE_VBT_UI_NAMES.test(name)) return { tier: 0, why: t('vbt.place.dxeName', { name }) };
  if ((loc.fileGuid && PEI_VBT_FILE_GUIDS.has(loc.fileGuid)) || PEI_VBT_UI_NAMES.test(name)) {
    return { tier: 1, why: t('vbt.place.pei', { file: label(loc) }) };
  }
  if (loc.fileGuid && PANEL_VBT_FILE_GUIDS.has(loc.fileGuid)) {
    return { tier: 2, why: t('vbt.place.panel', { file: label(loc) }) };
  }
  if (ANY_VBT_UI_NAME.test(name)) return { tier: 2, why: t('vbt.place.named', { name }) };
  if (!loc.file) return { tier: 3, why: t('vbt.place.bare') };
  return { tier: 3, why: t('vbt.place.byContent', { file: label(loc) }) };
}

function family(code: string | undefined): string | undefined {
  return code === undefined ? undefined : (FAMILY[code] ?? code.toLowerCase());
}

function rankVbts(vbts: VbtCandidate[], topGop: GopCandidate | undefined): Ranked<VbtCandidate>[] {
  const gopGen = topGop?.info.generation;
  const scored = vbts.map((c): Scored<VbtCandidate> & { mismatch?: Text } => {
    // An identical copy elsewhere counts: AMI keeps the DXE VBT and a PEI copy of the same bytes.
    const own = vbtPlace(c);
    let best = own;
    let bestCopy: Location | undefined;
    for (const copy of c.copies) {
      const p = vbtPlace(copy);
      if (p.tier < best.tier) [best, bestCopy] = [p, copy];
    }
    const why = [bestCopy ? t('vbt.copy', { file: label(bestCopy), why: best.why }) : own.why];
    const vbtGen = generationFromVbtPlatform(c.info.platform);
    let genKey = 1;
    let mismatch: Text | undefined;
    if (gopGen && vbtGen) {
      if (family(gopGen.code) === family(vbtGen.code)) {
        genKey = 0;
        why.push(t('vbt.generationMatches', { code: vbtGen.code }));
      } else {
        genKey = 2;
        mismatch = t('vbt.warn.generationMismatch', {
          vbt: vbtGen.label,
          platform: c.info.platform,
          gop: gopGen.label,
        });
      }
    }
    return { c, key: [best.tier, genKey, c.order], why, mismatch };
  });
  sortScored(scored);
  return scored.map((s, i) => {
    const lead =
      i === 0
        ? scored.length === 1
          ? t('vbt.lead.only')
          : t('vbt.lead.best')
        : t('rank.after', { first: label(scored[0].c) });
    const warnings = [...s.c.warnings];
    if (s.mismatch) warnings.push(s.mismatch);
    return { candidate: s.c, rank: i + 1, reason: clauses(lead, s.why), warnings };
  });
}

/** iGPU codes whose GOPs the newest VBT lines serve (their IDs are listed in the note). */
const VBT_LINE_IGPUS: Readonly<Record<string, readonly IgpuCode[]>> = {
  MTL: ['MTL', 'ARL'],
  LNL: ['LNL'],
  PTL: ['PTL'],
};

/**
 * A BIOS that carries a VBT but no GOP (reported for Panther Lake): name the generation, say the
 * GOP is not here, and what to do — a GOP of the same family, checked against the iGPU's ID.
 */
function vbtWithoutGop(top: VbtCandidate): Text {
  const gen = top.info.generation;
  if (!gen) return t('image.noGop');
  const ids = (VBT_LINE_IGPUS[gen.code] ?? []).flatMap((code) => igpuIdsFor(code));
  return t('image.vbtWithoutGop', {
    generation: gen.label,
    platform: top.info.platform || '?',
    bdb: top.info.bdbVersion,
    ids: ids.length ? ids.map((id) => `8086:${pciId(id)}`).join(', ') : t('image.idsUnknown'),
  });
}

/** Order the candidates and explain the order. */
export function rankCandidates(found: Candidates): Ranking {
  const gops = rankGops(found.gops);
  const vbts = rankVbts(found.vbts, gops[0]?.candidate);
  const warnings: Text[] = [];
  if (!gops.length && !vbts.length) warnings.push(t('image.nothing'));
  else if (!gops.length) warnings.push(vbtWithoutGop(vbts[0].candidate));
  else if (!vbts.length) warnings.push(t('image.noVbt'));
  const majors = new Set(gops.map((g) => g.candidate.info.major ?? -1));
  if (majors.size > 1)
    warnings.push(t('image.severalGops', { count: gops.length, lines: majors.size }));
  return { gops, vbts, warnings };
}
