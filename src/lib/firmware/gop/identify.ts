/**
 * Is this PE image an Intel GOP driver? Most say so in a UTF-16 "Intel(R) GOP Driver" string,
 * but some Arrow Lake BIOSes ship a GOP without it, and a file *named* IntelGopDriver can be
 * something else entirely (newgen/negative-ssrml-misnamed-IntelGopDriver is a 4.8 KiB ASRock
 * north-bridge module). So the image's own contents decide, and the file's GUID and UI name only
 * raise the confidence:
 *
 * - what it installs: every Intel GOP in the fixtures (SNB 2.0 … ARL 22.x, 28 images) carries the
 *   GUIDs of EFI_GRAPHICS_OUTPUT_PROTOCOL and both EDID protocols (UEFI spec) — a GOP driver
 *   installs all three on each output;
 * - what it drives: a PCI device-ID table — a run of 16-bit values that are all known Intel iGPU
 *   IDs (igpu/devices.ts), with at least three different IDs or every ID of a family (Gemini
 *   Lake has two). The longest such run is 2 IDs in the GLK GOPs, 4 in BYT and BSW, 5 in APL
 *   and MTL/ARL, more in the others; in the non-GOP images (AMD GOPs, OVMF's Shell, the
 *   misnamed module) chance runs reach 2 IDs of a larger family, which this rule does not count.
 */
import { guidBytes } from '../bytes/guid';
import type { Text } from '../text';
import {
  igpuFamily,
  igpuIdsFor,
  lookupIgpu,
  type IgpuCode,
  type IgpuFamily,
} from '../igpu/devices';
import { indexOf, isIntelGop } from './gop-info';
import { gopMessages } from './messages';

const { t } = gopMessages;

/** Intel GOP driver file GUIDs from UEFITool's database and vendor makefiles (not policy drivers). */
export const KNOWN_GOP_FILE_GUIDS: ReadonlySet<string> = new Set([
  '5BBA83E6-F027-4CA7-BFD0-16358CC9E123', // AMI Aptio IntelGopDriver (UEFITool: IntelIvbGopDriver)
  'FF0C8745-3270-4439-B74F-3E45F8C77064', // Intel reference IntelGopDriver
  '7755CA7B-CA8F-43C5-889B-E1F59A93D575', // IntelGopDriver (other IBV)
  'F82E0BF0-95F7-41DB-9299-2D054546B3D0', // IntelGopDriverRkl
  '5C266089-E103-4D43-9AB5-12D7095BE2AF', // IntelSaGopDriver
  '8D59EBC8-B85E-400E-970A-1F995D1DB91E', // IntelSnbGopDriver
  'F706D0C8-F6FC-4F7A-AC98-96BA5CC43AAA', // SandyBridgeGopDriver
  '311032C4-98A6-4E06-8C03-D815FD1FE709', // LenovoSnbGopDriver
  '28B5A45C-CC5D-4221-9DFF-86B0F42DDC01', // LenovoIvbGopDriver
  '6E2FFCF4-6899-414C-9B55-3A08842E650C', // AppleIvyBridgeGop
]);

/** UI names Intel GOP driver files carry (IntelGopDriver, IntelSaGopDriver, IntelSnbGopDriver, …). */
const GOP_UI_NAME = /^Intel\w*GopDriver\w*$/i;

/** The protocols a GOP driver installs, as stored in its image (GUID bytes, little-endian fields). */
const OUTPUT_PROTOCOLS = [
  '9042A9DE-23DC-4A38-96FB-7ADED080516A', // EFI_GRAPHICS_OUTPUT_PROTOCOL
  '1C0C34F6-D380-41FA-A049-8AD06C1A66AA', // EFI_EDID_DISCOVERED_PROTOCOL
  'BD8C1056-9F36-44EC-92A8-A6337F817986', // EFI_EDID_ACTIVE_PROTOCOL
].map(guidBytes);

/** A family this small counts when all its IDs stand together (GLK: 0x3184, 0x3185). */
const WHOLE_FAMILY_MAX = 2;

/** The iGPU families named by device-ID runs in the image (see the rule above). */
function deviceTableFamilies(b: Uint8Array): IgpuFamily[] {
  const codes = new Set<IgpuCode>();
  let run = new Set<number>();
  const flush = () => {
    const byCode = new Map<IgpuCode, number>();
    for (const id of run) {
      const code = lookupIgpu(id)!.code;
      byCode.set(code, (byCode.get(code) ?? 0) + 1);
    }
    for (const [code, n] of byCode) {
      const whole = n <= WHOLE_FAMILY_MAX && n === igpuIdsFor(code).length;
      if (run.size >= 3 || whole) codes.add(code);
    }
    run = new Set();
  };
  for (let i = 0; i + 1 < b.length; i += 2) {
    const id = b[i] | (b[i + 1] << 8);
    if (lookupIgpu(id)) run.add(id);
    else if (run.size) flush();
  }
  if (run.size) flush();
  return [...codes].map(igpuFamily);
}

export type GopConfidence = 'high' | 'medium';

export interface GopIdentity {
  confidence: GopConfidence;
  /** Each fact that made it a GOP, for people. */
  reasons: Text[];
}

export type Identification =
  | ({ gop: true } & GopIdentity)
  | {
      gop: false;
      /** Set when the file is named like a GOP: why it is not taken as one. */ rejected?: Text;
    };

/** Where the image sits: the FFS file's GUID and UI name, when there is a file. */
export interface GopPlaceNames {
  fileGuid?: string;
  uiName?: string;
}

/** Decide whether `pe` is an Intel GOP driver, and say why. */
export function identifyGop(pe: Uint8Array, where: GopPlaceNames = {}): Identification {
  const knownGuid = where.fileGuid !== undefined && KNOWN_GOP_FILE_GUIDS.has(where.fileGuid);
  const gopName = where.uiName !== undefined && GOP_UI_NAME.test(where.uiName);
  const named: Text[] = [];
  if (knownGuid) named.push(t('gop.id.fileGuid', { guid: where.fileGuid! }));
  if (gopName) named.push(t('gop.id.uiName', { name: where.uiName! }));

  if (isIntelGop(pe)) {
    return { gop: true, confidence: 'high', reasons: [t('gop.id.nameString'), ...named] };
  }
  const installsOutput = OUTPUT_PROTOCOLS.every((g) => indexOf(pe, g) >= 0);
  // The device-ID scan reads the whole image: only for images that install the output protocols.
  const families = installsOutput ? deviceTableFamilies(pe) : [];
  if (installsOutput && families.length) {
    const reasons = [
      t('gop.id.protocols'),
      t('gop.id.deviceIds', { families: families.map((f) => f.name).join(', ') }),
      ...named,
    ];
    return { gop: true, confidence: named.length ? 'high' : 'medium', reasons };
  }
  if (!named.length) return { gop: false };
  return {
    gop: false,
    rejected: installsOutput ? t('gop.id.rejectedNoIds') : t('gop.id.rejectedNoProtocols'),
  };
}
