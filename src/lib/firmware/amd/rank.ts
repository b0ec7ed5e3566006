/**
 * Rank the AMD GOPs and APU VBIOS images of one image, by the Intel ranking's rules
 * (gop/rank.ts): a GOP in a DXE driver file loads first, then option-ROM images, then anything
 * else, each in volume order; a VBIOS in AMI's CSM option-ROM container is the one the board's
 * CSM/OpROM policy hands out. Warns when the GOP's ROM image and the VBIOS name other families.
 */
import { pciId } from '../bytes/hex';
import { AMI_OPROM_CONTAINER_GUIDS, clauses, gopPlace, label, sortScored } from '../gop/rank';
import type { Ranked, Scored } from '../gop/rank';
import { gopMessages } from '../gop/messages';
import { lookupAmdApu } from '../igpu/amd';
import type { Text } from '../text';
import type { AmdCandidates, AmdGopCandidate, VbiosCandidate } from './find';
import type { Location } from '../gop/find';
import type { IntelEvidence } from '../graphics-vendor';

const { t } = gopMessages;

export interface AmdRanking {
  gops: Ranked<AmdGopCandidate>[];
  vbioses: Ranked<VbiosCandidate>[];
  /** Image-level notes: the PEI GOP, a GOP without a VBIOS or the other way round. */
  warnings: Text[];
}

function families(ids: number[]): string[] {
  return [...new Set(ids.map((id) => lookupAmdApu(id)?.family ?? pciId(id)))];
}

function vbiosPlace(loc: Location): { tier: number; why: Text } {
  if (loc.fileGuid && AMI_OPROM_CONTAINER_GUIDS.has(loc.fileGuid))
    return { tier: 0, why: t('amd.vbios.place.amiOpromContainer') };
  if (loc.file) return { tier: 1, why: t('amd.vbios.place.inFile', { file: label(loc) }) };
  return { tier: 2, why: t('amd.vbios.place.bare') };
}

function lead(i: number, count: number, first: Location, only: Text, top: Text): Text {
  if (i > 0) return t('rank.after', { first: label(first) });
  return count === 1 ? only : top;
}

function rankGops(gops: AmdGopCandidate[], topVbios?: VbiosCandidate): Ranked<AmdGopCandidate>[] {
  const scored = gops.map((c): Scored<AmdGopCandidate> => {
    const place = gopPlace(c);
    const why = [place.why];
    if (c.deviceIds.length) {
      why.push(
        t('amd.gop.pciIds', {
          ids: c.deviceIds.map((id) => `1002:${pciId(id)}`).join(', '),
          families: families(c.deviceIds).join(', '),
        }),
      );
    }
    return { c, key: [place.tier, c.order], why };
  });
  sortScored(scored);
  return scored.map((s, i) => {
    const top = s.key[0] === 0 ? t('amd.gop.lead.firstDxe') : t('amd.gop.lead.first');
    const warnings = [...s.c.warnings];
    const mismatch = familyMismatch(s.c, topVbios);
    if (mismatch) warnings.push(mismatch);
    return {
      candidate: s.c,
      rank: i + 1,
      reason: clauses(lead(i, scored.length, scored[0].c, t('amd.gop.lead.only'), top), s.why),
      warnings,
    };
  });
}

function familyMismatch(gop: AmdGopCandidate | undefined, vbios: VbiosCandidate | undefined) {
  if (!gop || !vbios || !gop.deviceIds.length) return undefined;
  const vbiosFamily = vbios.info.apu?.family;
  const gopFamilies = families(gop.deviceIds);
  if (!vbiosFamily || gopFamilies.includes(vbiosFamily)) return undefined;
  return t('amd.warn.familyMismatch', { vbios: vbiosFamily, gop: gopFamilies.join(', ') });
}

function rankVbioses(vbioses: VbiosCandidate[]): Ranked<VbiosCandidate>[] {
  const scored = vbioses.map((c): Scored<VbiosCandidate> => {
    const place = vbiosPlace(c);
    return { c, key: [place.tier, c.order], why: [place.why] };
  });
  sortScored(scored);
  return scored.map((s, i) => {
    const warnings = [...s.c.warnings];
    if (!s.c.info.apu)
      warnings.push(t('amd.vbios.warn.unknownDevice', { id: `1002:${pciId(s.c.info.deviceId)}` }));
    if (!s.c.info.version) warnings.push(t('amd.vbios.warn.noVersion'));
    return {
      candidate: s.c,
      rank: i + 1,
      reason: clauses(
        lead(i, scored.length, scored[0].c, t('amd.vbios.lead.only'), t('amd.vbios.lead.first')),
        s.why,
      ),
      warnings,
    };
  });
}

/**
 * `besideIntel`: the Intel GOP or VBT the image also holds (graphics-vendor.ts `intelEvidence`),
 * so an AMD GOP without an APU VBIOS is the one an Intel board carries for discrete Radeon cards,
 * and a VBIOS of a device the APU table lacks is a discrete GPU's (a laptop's dGPU), neither half
 * of an APU's pair.
 */
export function rankAmdCandidates(
  found: AmdCandidates,
  { besideIntel }: { besideIntel?: IntelEvidence } = {},
): AmdRanking {
  const vbioses = rankVbioses(found.vbioses);
  const gops = rankGops(found.gops, vbioses[0]?.candidate);
  const warnings: Text[] = found.peiGops.map((p) =>
    t('amd.pei.reported', { machine: p.machine, path: p.path }),
  );
  // Beside Intel graphics only an APU's VBIOS makes an AMD pair: others are a discrete GPU's.
  const discrete = besideIntel
    ? vbioses.filter((v) => !v.candidate.info.apu).map((v) => v.candidate.info.deviceId)
    : [];
  const intel = besideIntel === 'vbt' ? 'Intel VBT' : 'Intel GOP';
  const pairing = vbioses.length - discrete.length;
  if (pairing && !gops.length) warnings.push(t('amd.image.noGop'));
  if (gops.length && !pairing)
    warnings.push(besideIntel ? t('amd.image.discreteGop', { intel }) : t('amd.image.noVbios'));
  if (discrete.length)
    warnings.push(
      t('amd.image.discreteVbios', {
        id: discrete.map((id) => `1002:${pciId(id)}`).join(', '),
        intel,
      }),
    );
  const mismatch = familyMismatch(gops[0]?.candidate, vbioses[0]?.candidate);
  if (mismatch) vbioses[0].warnings.push(mismatch);
  return { gops, vbioses, warnings };
}

/** True when the image holds AMD graphics firmware worth a user's attention. */
export function hasAmdGraphics(found: AmdCandidates): boolean {
  return found.gops.length > 0 || found.vbioses.length > 0;
}
