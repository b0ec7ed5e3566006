/**
 * Find every AMD GOP driver and every APU VBIOS in a parsed firmware tree, by content, with the
 * Intel finder's rules (gop/find.ts): payloads from the leaves of the tree (so whatever the
 * parsers decompressed or opened is searched), identical copies folded into one candidate,
 * copies inside DELETED or HEADER_INVALID files set aside and never offered.
 *
 * VBIOS images are the legacy images the option-ROM reader found (bare, in option-ROM files, in
 * freeform or raw sections, in capsules); a GOP is any PE leaf that names itself an AMD GOP.
 */
import { sha256Hex } from '../bytes/sha256';
import { isPe } from '../pe/headers';
import { walk, type FirmwareNode } from '../tree/node';
import {
  checkWarnings,
  dedupe,
  deletedAncestor,
  location,
  payloadOf,
  trimPe,
  type Found,
  type IgnoredCandidate,
  type Location,
} from '../gop/find';
import { lookupAmdApu, AMD_VENDOR_ID } from '../igpu/amd';
import type { Text } from '../text';
import { amdGopInfo, type AmdGopInfo } from './gop-info';
import { vbiosInfo, type VbiosInfo } from './vbios';

interface AmdCandidateBase extends Location {
  size: number;
  sha256: string;
  deleted: false;
  copies: Location[];
  warnings: Text[];
  bytes: Uint8Array;
}

export interface AmdGopCandidate extends AmdCandidateBase {
  kind: 'amd-gop';
  info: AmdGopInfo;
  /**
   * GPU device IDs the ROM image holding this GOP is marked for (PCIR vendor 0x1002 and an APU
   * GPU ID of igpu/amd.ts); [] for a GOP outside an option ROM or marked otherwise. AMD GOPs
   * carry no device-ID table of their own.
   */
  deviceIds: number[];
}

export interface VbiosCandidate extends AmdCandidateBase {
  kind: 'vbios';
  info: VbiosInfo;
}

/** A 32-bit PEI GOP: reported so people know it is there, never offered. */
export interface PeiGop {
  path: string;
  fileGuid?: string;
  uiName?: string;
  size: number;
  sha256: string;
  machine: string;
}

export interface AmdCandidates {
  gops: AmdGopCandidate[];
  vbioses: VbiosCandidate[];
  peiGops: PeiGop[];
  ignored: IgnoredCandidate[];
}

/** The APU GPU ID of the option-ROM image around `node`, when it is marked with one. */
function romGpuIds(node: FirmwareNode): number[] {
  const rom = node.parent;
  if (rom?.data.is !== 'rom-image') return [];
  const { vendorId, deviceId } = rom.data;
  return vendorId === AMD_VENDOR_ID && lookupAmdApu(deviceId) ? [deviceId] : [];
}

/**
 * Every AMD GOP, PEI GOP and APU VBIOS in the tree, de-duplicated, in depth-first order.
 * `stillWorking` is called before each ROM image or body is looked at, for progress reports.
 */
export async function findAmdCandidates(
  root: FirmwareNode,
  stillWorking: () => void = () => {},
): Promise<AmdCandidates> {
  const gops: Found<{ bytes: Uint8Array; info: AmdGopInfo; deviceIds: number[] }>[] = [];
  const vbioses: Found<{ bytes: Uint8Array; info: VbiosInfo }>[] = [];
  const peiGops: PeiGop[] = [];
  const ignored: IgnoredCandidate[] = [];
  const visits: { node: FirmwareNode; order: number }[] = [];
  let order = 0;
  walk(root, (node) => {
    visits.push({ node, order: order++ });
  });

  for (const { node, order: o } of visits) {
    const d = node.data;
    if (node.kind === 'rom-image' && d.is === 'rom-image') {
      stillWorking();
      const image = node.raw;
      const info = vbiosInfo(image, d);
      if (!info) continue;
      const loc = location(node, o);
      vbioses.push({
        loc,
        deletedBy: deletedAncestor(node),
        sha256: await sha256Hex(image),
        item: { bytes: image, info },
      });
      continue;
    }
    const body = payloadOf(node);
    if (!body) continue;
    stillWorking();
    if (!isPe(body, 0)) continue;
    const info = amdGopInfo(body);
    if (!info) continue;
    const bytes = trimPe(body);
    const sha256 = await sha256Hex(bytes);
    const loc = location(node, o);
    const deletedBy = deletedAncestor(node);
    if (info.phase === 'pei') {
      if (!deletedBy && !peiGops.some((p) => p.sha256 === sha256)) {
        peiGops.push({
          path: loc.path,
          fileGuid: loc.fileGuid,
          uiName: loc.uiName,
          size: bytes.length,
          sha256,
          machine: info.pe.machineName,
        });
      }
      continue;
    }
    gops.push({ loc, deletedBy, sha256, item: { bytes, info, deviceIds: romGpuIds(node) } });
  }

  // What both kinds show: where, how big, which copies, the enclosing file's failed checks.
  const base = <T extends { bytes: Uint8Array }>(f: Found<T>, copies: Location[]) => ({
    ...f.loc,
    size: f.item.bytes.length,
    sha256: f.sha256,
    deleted: false as const,
    copies,
    warnings: checkWarnings(f.loc.file),
    bytes: f.item.bytes,
  });
  return {
    gops: dedupe(gops, ignored, 'amd-gop', (f, copies) => ({
      kind: 'amd-gop',
      ...base(f, copies),
      info: f.item.info,
      // A copy in a ROM image marked for the GPU tells as much as the first one.
      deviceIds: [
        ...new Set([...f.item.deviceIds, ...copies.flatMap((c) => romGpuIds(c.node))]),
      ].sort((a, b) => a - b),
    })),
    vbioses: dedupe(vbioses, ignored, 'vbios', (f, copies) => ({
      kind: 'vbios',
      ...base(f, copies),
      info: f.item.info,
    })),
    peiGops,
    ignored,
  };
}
