/** The whole OVMF patch: DXEFV gets GOP + VBT + our drivers; everything else stays as it was. */
import { guidBytes } from '../bytes/guid';
import { lzmaDecompress } from '../compress/lzma/decoder';
import { lzmaCompress, type LzmaCompressOptions } from '../compress/lzma/encoder';
import { driverBytes, igdAssignment, platformGopPolicy } from '../drivers/generated';
import { FirmwareError } from '../errors';
import {
  buildFfsFile,
  buildSection,
  depexTrueSection,
  FILE_DRIVER,
  FILE_FREEFORM,
  finishFfsHeader,
  joinSections,
  SECTION_PE32,
  SECTION_RAW,
  uiSection,
  versionSection,
} from './ffs-build';
import { rewriteVolume } from './dxe-volume';
import { listFiles, listSections, readVolume, rd16 } from './fv-walk';
import {
  DXEFV_GUID,
  FV_IMAGE_FILE_GUID,
  FVMAIN_COMPACT_GUID,
  GOP_FILE_GUID,
  IGD_ASSIGNMENT_FILE_GUID,
  LZMA_SECTION_GUID,
  POLICY_FILE_GUID,
  REPLACED_GUIDS,
  VBT_FILE_GUID,
} from './layout';

export interface PatchInput {
  ovmf: Uint8Array;
  gop: Uint8Array;
  vbt: Uint8Array;
  /** Leave IgdAssignment out (default: include it). */
  noIgdAssignment?: boolean;
  lzma?: Pick<LzmaCompressOptions, 'preset' | 'onProgress' | 'shouldCancel'>;
}

/** Where the nested pieces of an OVMF code image are. */
export interface OvmfLayout {
  compactOffset: number;
  compactLength: number;
  /** The FV image file inside FVMAIN_COMPACT (volume-relative). */
  fileOffset: number;
  fileSize: number;
  /** The GUIDed LZMA section (volume-relative). */
  sectionOffset: number;
  sectionSize: number;
  /** Decompressed payload and the DXEFV range in it. */
  payload: Uint8Array;
  dxeOffset: number;
  dxeLength: number;
}

function findCompact(b: Uint8Array): { offset: number; length: number } {
  for (let o = 0; o + 0x48 <= b.length; o += 0x1000) {
    try {
      const v = readVolume(b, o);
      if (v.name === FVMAIN_COMPACT_GUID) return { offset: o, length: v.length };
    } catch {
      /* not a volume at this block */
    }
  }
  throw new FirmwareError(
    'unrecognized',
    'this is not an OVMF code image: no FVMAIN_COMPACT volume (48DB5E17-…). Drop OVMF_CODE*.fd, not OVMF_VARS*.fd or an AAVMF image.',
  );
}

export function locateOvmf(b: Uint8Array): OvmfLayout {
  const c = findCompact(b);
  const vol = b.subarray(c.offset, c.offset + c.length);
  const info = readVolume(vol, 0);
  const file = listFiles(vol, info).files.find((f) => f.guid === FV_IMAGE_FILE_GUID);
  if (!file) throw new FirmwareError('not-found', 'FVMAIN_COMPACT has no FV image file 9E21FD93-…');
  const secs = listSections(vol, file.offset + file.headerSize, file.offset + file.size);
  const sec = secs.find(
    (s) => s.type === 0x02 && readGuid(vol, s.offset + 4) === LZMA_SECTION_GUID,
  );
  if (!sec || secs.length !== 1)
    throw new FirmwareError('unsupported', 'the FV image file is not one LZMA GUIDed section');
  const dataOffset = rd16(vol, sec.offset + 20);
  const payload = lzmaDecompress(vol.subarray(sec.offset + dataOffset, sec.offset + sec.size));
  for (const s of listSections(payload, 0, payload.length)) {
    if (s.type !== 0x17) continue;
    const v = readVolume(payload, s.offset + s.headerSize);
    if (v.name === DXEFV_GUID) {
      return {
        compactOffset: c.offset,
        compactLength: c.length,
        fileOffset: file.offset,
        fileSize: file.size,
        sectionOffset: sec.offset,
        sectionSize: sec.size,
        payload,
        dxeOffset: v.offset,
        dxeLength: v.length,
      };
    }
  }
  throw new FirmwareError('not-found', 'no DXEFV (7CB8BDC9-…) inside the compressed payload');
}

function readGuid(b: Uint8Array, o: number): string {
  const g = guidBytes(LZMA_SECTION_GUID);
  for (let i = 0; i < 16; i++) if (b[o + i] !== g[i]) return '';
  return LZMA_SECTION_GUID;
}

/** The FFS files we insert, in order. */
export function buildInsertedFiles(
  input: PatchInput,
  erasePolarity: 0 | 1,
): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  files.set(
    GOP_FILE_GUID,
    buildFfsFile(
      { guid: GOP_FILE_GUID, type: FILE_DRIVER, erasePolarity },
      joinSections([
        buildSection(SECTION_PE32, input.gop),
        uiSection('IntelGopDriver'),
        versionSection(0, '1.0'),
      ]),
    ),
  );
  files.set(
    VBT_FILE_GUID,
    buildFfsFile(
      { guid: VBT_FILE_GUID, type: FILE_FREEFORM, erasePolarity },
      buildSection(SECTION_RAW, input.vbt),
    ),
  );
  files.set(
    POLICY_FILE_GUID,
    buildFfsFile(
      { guid: POLICY_FILE_GUID, type: FILE_DRIVER, erasePolarity },
      joinSections([
        depexTrueSection(),
        buildSection(SECTION_PE32, driverBytes(platformGopPolicy)),
        uiSection('PlatformGopPolicy'),
      ]),
    ),
  );
  if (!input.noIgdAssignment) {
    files.set(
      IGD_ASSIGNMENT_FILE_GUID,
      buildFfsFile(
        { guid: IGD_ASSIGNMENT_FILE_GUID, type: FILE_DRIVER, erasePolarity },
        joinSections([
          depexTrueSection(),
          buildSection(SECTION_PE32, driverBytes(igdAssignment)),
          uiSection('IgdAssignment'),
        ]),
      ),
    );
  }
  return files;
}

export interface PatchResult {
  image: Uint8Array;
  /** The inserted FFS files by GUID (for verification and reports). */
  inserted: Map<string, Uint8Array>;
  compressedSize: number;
  freeBytes: number;
}

export function patchOvmf(input: PatchInput): PatchResult {
  const lay = locateOvmf(input.ovmf);
  const dxe = lay.payload.subarray(lay.dxeOffset, lay.dxeOffset + lay.dxeLength);
  const dxeInfo = readVolume(dxe, 0);
  const inserted = buildInsertedFiles(input, dxeInfo.erasePolarity);
  const newDxe = rewriteVolume(dxe, REPLACED_GUIDS, [...inserted.values()]);
  const payload = lay.payload.slice();
  payload.set(newDxe, lay.dxeOffset);

  const compressed = lzmaCompress(payload, { ...input.lzma, dictSize: 1 << 24 });
  const src = input.ovmf;
  const vol = src.subarray(lay.compactOffset, lay.compactOffset + lay.compactLength);
  const compactInfo = readVolume(vol, 0);
  const oldSecHdr = vol.subarray(
    lay.sectionOffset,
    lay.sectionOffset + rd16(vol, lay.sectionOffset + 20),
  );
  const section = new Uint8Array(oldSecHdr.length + compressed.length);
  section.set(oldSecHdr, 0);
  section.set(compressed, oldSecHdr.length);
  section[0] = section.length & 0xff;
  section[1] = (section.length >> 8) & 0xff;
  section[2] = (section.length >> 16) & 0xff;

  const hdr = lay.sectionOffset - lay.fileOffset;
  const file = new Uint8Array(hdr + section.length);
  file.set(vol.subarray(lay.fileOffset, lay.sectionOffset), 0);
  file.set(section, hdr);
  if (hdr !== 24 || file.length > 0xffffff)
    throw new FirmwareError('unsupported', 'unexpected FV image file header');
  file[20] = file.length & 0xff;
  file[21] = (file.length >> 8) & 0xff;
  file[22] = (file.length >> 16) & 0xff;
  finishFfsHeader(file, 24, compactInfo.erasePolarity);

  const { files } = listFiles(vol, compactInfo);
  const after = files.filter((f) => f.offset > lay.fileOffset);
  if (after.length)
    throw new FirmwareError('unsupported', 'FVMAIN_COMPACT has files after the FV image file');
  const room = lay.compactLength - lay.fileOffset;
  if (file.length > room) {
    throw new FirmwareError(
      'no-space',
      `the recompressed payload is ${file.length - room} bytes too large for FVMAIN_COMPACT; leave IgdAssignment out or use a smaller GOP/VBT`,
    );
  }
  const out = src.slice();
  const base = lay.compactOffset + lay.fileOffset;
  out.fill(compactInfo.erasePolarity ? 0xff : 0, base, lay.compactOffset + lay.compactLength);
  out.set(file, base);
  return { image: out, inserted, compressedSize: compressed.length, freeBytes: room - file.length };
}
