/**
 * The OVMF patch: the Intel GOP, its VBT and our PlatformGopPolicy (+ IgdAssignment) go into
 * DXEFV as four FFS files; the payload is recompressed and FVMAIN_COMPACT rebuilt at its size.
 * Work happens on the parsed tree: nodes are removed and added, and serialize() rebuilds only
 * the nodes on the path to the change, so everything else keeps its original bytes.
 */
import { sha256Hex } from '../bytes/sha256';
import { ByteView } from '../bytes/view';
import { lzmaCompress } from '../compress/lzma/encoder';
import { lzmaRecompress } from '../compress/lzma/resume';
import { igdAssignment, platformGopPolicy } from '../drivers/generated';
import { FirmwareError, hex } from '../errors';
import {
  buildFfsFile,
  buildSection,
  depexTrueSection,
  joinSections,
  uiSection,
  versionSection,
} from '../fv/build';
import { readFileData } from '../fv/ffs-file';
import { gopLabel, type GopInfo } from '../gop/gop-info';
import { parseVbt } from '../gop/vbt';
import { checkGop, ourDriver } from '../igd/drivers';
import { parseFirmware } from '../parse';
import { erasedByte, FILE_HEADER_SIZE, FILE_TYPE, FILE_TYPE_NAMES, SECTION_TYPE } from '../spec';
import type { VolumeData } from '../tree/data';
import { addChild, makeNode, NEW_NODE, pathOf, type FirmwareNode } from '../tree/node';
import { markModified, serialize } from '../tree/serialize';
import type { Progress, ProgressCallback } from '../progress';
import {
  GOP_FILE_GUID,
  IGD_ASSIGNMENT_FILE_GUID,
  isPad,
  locateOvmf,
  POLICY_FILE_GUID,
  REPLACED_FILE_GUIDS,
  VBT_FILE_GUID,
  volumeData,
} from './layout';
import { snapshotOvmf, verifyPatchedOvmf, type PatchCheck } from './verify';

export interface OvmfPatchInput {
  /** The OVMF code image (OVMF_CODE*.fd, or a combined OVMF.fd). */
  ovmf: Uint8Array;
  /** The Intel GOP driver (PE32+, x64). */
  gop: Uint8Array;
  /** The VBT for it ("$VBT…"; trailing padding is dropped). */
  vbt: Uint8Array;
  /** Put IgdAssignment in as well (default true). */
  igdAssignment?: boolean;
  /** LZMA preset for the payload (default 'default': the smallest output). */
  preset?: 'default' | 'fast';
  /**
   * 'resume' (default): keep the compressed stream up to the first changed payload byte
   * and encode only from there; 'full': encode the whole payload afresh.
   */
  recompress?: 'resume' | 'full';
  onProgress?: ProgressCallback;
}

export type InsertedRole = 'gop' | 'vbt' | 'gop-policy' | 'igd-assignment';

export interface InsertedFile {
  role: InsertedRole;
  guid: string;
  name: string;
  /** Size of the whole FFS file, and the SHA-256 of what it carries (PE image or VBT). */
  size: number;
  contentSha256: string;
  /** The finished FFS file, as it must appear in DXEFV. */
  bytes: Uint8Array;
}

export interface OvmfPatchResult {
  image: Uint8Array;
  sha256: string;
  files: Omit<InsertedFile, 'bytes'>[];
  /** Files of earlier patches that were taken out first. */
  removed: { guid: string; name?: string; size: number }[];
  gopVersion: string;
  vbtPlatform: string;
  /** The LZMA payload: decoded size, and compressed size before and after. */
  payloadSize: number;
  /** Payload bytes whose compressed form was kept from the original stream. */
  payloadKept: number;
  compressedBefore: number;
  compressedAfter: number;
  dictSize: number;
  /** Erased bytes left in FVMAIN_COMPACT and in DXEFV after the patch. */
  compactFree: number;
  dxeFree: number;
  /** The re-check of the output, every item passed (a failure throws instead). */
  checks: PatchCheck[];
}

/** The four files, built once so the patch and its verification compare the same bytes. */
async function buildInsertedFiles(
  input: Pick<OvmfPatchInput, 'gop' | 'vbt' | 'igdAssignment'>,
  gop: GopInfo,
  emptyByte: number,
): Promise<InsertedFile[]> {
  const vbt = parseVbt(input.vbt).bytes;
  const policy = await ourDriver(platformGopPolicy);
  const assignment = await ourDriver(igdAssignment);
  const driver = (guid: string, type: number, sections: Uint8Array[]) =>
    buildFfsFile({ guid, type, emptyByte }, joinSections(sections));
  const files: Omit<InsertedFile, 'contentSha256'>[] = [
    {
      role: 'gop',
      guid: GOP_FILE_GUID,
      name: 'IntelGopDriver',
      size: 0,
      bytes: driver(GOP_FILE_GUID, FILE_TYPE.driver, [
        buildSection(SECTION_TYPE.pe32, input.gop),
        uiSection('IntelGopDriver'),
        versionSection(gop.build ?? 0, gop.versionText),
      ]),
    },
    {
      role: 'vbt',
      guid: VBT_FILE_GUID,
      name: 'Vbt',
      size: 0,
      bytes: driver(VBT_FILE_GUID, FILE_TYPE.freeform, [buildSection(SECTION_TYPE.raw, vbt)]),
    },
    {
      role: 'gop-policy',
      guid: POLICY_FILE_GUID,
      name: 'PlatformGopPolicy',
      size: 0,
      bytes: driver(POLICY_FILE_GUID, FILE_TYPE.driver, [
        depexTrueSection(),
        buildSection(SECTION_TYPE.pe32, policy),
        uiSection('PlatformGopPolicy'),
      ]),
    },
  ];
  if (input.igdAssignment ?? true) {
    files.push({
      role: 'igd-assignment',
      guid: IGD_ASSIGNMENT_FILE_GUID,
      name: 'IgdAssignment',
      size: 0,
      bytes: driver(IGD_ASSIGNMENT_FILE_GUID, FILE_TYPE.driver, [
        depexTrueSection(),
        buildSection(SECTION_TYPE.pe32, assignment),
        uiSection('IgdAssignment'),
      ]),
    });
  }
  const content: Record<InsertedRole, Uint8Array> = {
    gop: input.gop,
    vbt,
    'gop-policy': policy,
    'igd-assignment': assignment,
  };
  return Promise.all(
    files.map(async (f) => ({
      ...f,
      size: f.bytes.length,
      contentSha256: await sha256Hex(content[f.role]),
    })),
  );
}

/**
 * DXEFV without the files of earlier patches and with `files` after its last file. Pad files
 * after the first removed file only aligned files that now move, so they go too: serialize
 * puts new ones where alignment needs them, as GenFv would.
 */
function replaceDxeFiles(
  dxe: FirmwareNode,
  dxeData: VolumeData,
  files: InsertedFile[],
): FirmwareNode[] {
  const replaced = new Set(REPLACED_FILE_GUIDS);
  const gone = (n: FirmwareNode) => n.kind === 'file' && replaced.has(n.guid ?? '');
  const first = dxe.children.findIndex(gone);
  const removed = dxe.children.filter(gone);
  const kept = dxe.children.filter((n, i) => !gone(n) && !(first >= 0 && i > first && isPad(n)));
  const tail = kept.findIndex((n) => n.kind === 'free-space' || n.kind === 'padding');
  const fs = {
    ffsV3: false,
    emptyByte: erasedByte(dxeData.erasePolarity),
    revision: dxeData.revision,
  };
  const added = files.map((f) => {
    const data = readFileData(f.bytes, FILE_HEADER_SIZE, fs);
    const node = makeNode({
      kind: 'file',
      type: FILE_TYPE_NAMES[data.fileType],
      offset: NEW_NODE,
      raw: f.bytes,
      headerSize: FILE_HEADER_SIZE,
      guid: f.guid,
      name: f.name,
      data,
    });
    node.parent = dxe;
    return node;
  });
  dxe.children = [];
  const ordered =
    tail < 0 ? [...kept, ...added] : [...kept.slice(0, tail), ...added, ...kept.slice(tail)];
  for (const n of ordered) addChild(dxe, n);
  markModified(dxe);
  return removed;
}

/** The erased bytes at the end of a serialized volume (its free space). */
function freeBytes(volume: Uint8Array, emptyByte: number): number {
  let i = volume.length;
  while (i > 0 && volume[i - 1] === emptyByte) i--;
  return volume.length - i;
}

export async function patchOvmf(input: OvmfPatchInput): Promise<OvmfPatchResult> {
  let last: Progress | undefined;
  const progress = (p: Progress) => {
    last = p;
    input.onProgress?.(p);
  };
  // Repeats the last report: a long step that moves no counter (a payload joined or compared,
  // a volume rebuilt after the encoder) still says the job is alive, between such steps.
  const stillAt = () => {
    if (last) input.onProgress?.(last);
  };
  const total = input.ovmf.length;
  progress({ phase: 'parse', done: 0, total });
  // The drivers are checked first: a wrong file there is the cheaper mistake to report.
  const gop = checkGop(input.gop);
  const vbt = parseVbt(input.vbt);
  const root = await parseFirmware(input.ovmf, {
    progress: (done) => progress({ phase: 'parse', done, total }),
  });
  const layout = locateOvmf(root);
  const { compact, fvFile, lzmaSection, dxeFv } = layout;
  const dxeData = volumeData(dxeFv);
  const emptyByte = erasedByte(dxeData.erasePolarity);
  // Build steps: the new files, taking out the old ones, then rebuilding each node from
  // DXEFV up to the LZMA section (megabytes each) until the payload goes to the encoder.
  let depth = 0;
  for (let n: FirmwareNode | undefined = dxeFv; n && n !== lzmaSection; n = n.parent) depth++;
  const buildSteps = 1 + depth;
  let built = 0;
  const building = () => progress({ phase: 'build', done: built++, total: buildSteps });
  building();
  const files = await buildInsertedFiles(input, gop, emptyByte);
  const before = snapshotOvmf(input.ovmf, root, layout);
  const removed = replaceDxeFiles(dxeFv, dxeData, files);
  building();

  const oldStream = lzmaSection.raw.subarray(lzmaSection.headerSize);
  // Keep the build's dictionary size (edk2: 16 MiB); the header is props, dictSize, size.
  const dictSize = new ByteView(
    oldStream,
    (lzmaSection.absOffset ?? 0) + lzmaSection.headerSize,
  ).u32(1, 'LZMA dictionary size');
  const payload = lzmaSection.decoded!.bytes;
  let encoded: Uint8Array | undefined;
  let payloadKept = 0;
  const encode = (method: string, plain: Uint8Array, node: FirmwareNode): Uint8Array => {
    if (node !== lzmaSection || method !== 'LZMA') {
      throw new FirmwareError('unsupported', `cannot re-encode a ${method} section here`, {
        path: pathOf(node),
      });
    }
    progress({ phase: 'compress', done: 0, total: plain.length });
    const opts = {
      preset: input.preset ?? 'default',
      dictSize,
      onProgress: (done: number) => progress({ phase: 'compress', done, total: plain.length }),
    };
    const r =
      input.recompress === 'full'
        ? { stream: lzmaCompress(plain, opts), reusedInput: 0 }
        : lzmaRecompress(oldStream, plain, { ...opts, previous: payload });
    payloadKept = r.reusedInput;
    encoded = r.stream;
    return encoded;
  };
  // DXEFV, then the FV file (to measure it), then the image: each rebuild reuses the last.
  const opts = {
    encode,
    cache: new WeakMap<FirmwareNode, Uint8Array>(),
    onRebuilt: () => (encoded ? stillAt() : building()),
    onJoined: stillAt,
  };

  const dxeBytes = serialize(dxeFv, opts);
  const newFile = serialize(fvFile, opts);
  const room = compact.raw.length - compact.headerSize - fvFile.offset;
  if (newFile.length > room) {
    const over = newFile.length - room;
    throw new FirmwareError(
      'no-space',
      `the patched payload is ${over} bytes (${hex(over)}) too large for FVMAIN_COMPACT ` +
        `(${hex(room)} bytes of room). ` +
        (input.igdAssignment === false
          ? 'Use a smaller GOP or VBT, or the option ROM route, which changes no OVMF file.'
          : 'Leave IgdAssignment out (it can go in the igd.rom instead), or use the option ROM route.'),
      { path: pathOf(compact) },
    );
  }
  const image = serialize(root, opts);
  if (image.length !== input.ovmf.length) {
    throw new FirmwareError('verify', 'the patched image changed size');
  }

  const checks = await verifyPatchedOvmf(before, image, files, (done) =>
    progress({ phase: 'verify', done, total }),
  );
  const compactAfter = image.subarray(compact.absOffset!, compact.absOffset! + compact.raw.length);
  return {
    image,
    sha256: await sha256Hex(image),
    files: files.map(({ bytes: _bytes, ...f }) => f),
    removed: removed.map((n) => ({ guid: n.guid!, name: n.name, size: n.raw.length })),
    gopVersion: gopLabel(gop),
    vbtPlatform: vbt.signature,
    payloadSize: payload.length,
    payloadKept,
    compressedBefore: oldStream.length,
    compressedAfter: encoded?.length ?? oldStream.length,
    dictSize,
    compactFree: freeBytes(compactAfter, erasedByte(volumeData(compact).erasePolarity)),
    dxeFree: freeBytes(dxeBytes, emptyByte),
    checks,
  };
}
