/**
 * 7z archives (7-Zip's DOC/7zFormat.txt) and 7-Zip self-extractors (an executable stub with the
 * archive after it). The signature header points at the header at the end; that header may
 * itself be packed (kEncodedHeader). Files live in folders: coders (Copy, LZMA, LZMA2, BCJ x86,
 * BCJ2 with its four inputs) joined by bind pairs, whose final output holds one or more files
 * back to back (solid blocks). Every CRC the archive records is checked.
 */
import { crc32 } from '../../bytes/checksum';
import { absAt } from '../../bytes/offsets';
import { bcj2Decode } from '../../compress/bcj2';
import { bcjX86Decode } from '../../compress/bcj-x86';
import { decodeRaw } from '../../compress/lzma/decoder';
import { decodeProps } from '../../compress/lzma/props';
import { lzma2Decompress } from '../../compress/lzma2';
import { FirmwareError, hex } from '../../errors';
import type { Budget } from '../../budget';
import type { ParseContext } from '../../tree/context';
import type { FirmwareNode } from '../../tree/node';
import type { FirmwareFormat, KindGuess } from '../format';
import { asciiAt } from '../util';
import { addArchive, entryWhere, type ArchiveFile } from './entries';

const SIGNATURE = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];
const SIGNATURE_HEADER = 32;

/** Property ids of the header (7zFormat.txt). */
const ID = {
  end: 0x00,
  header: 0x01,
  archiveProperties: 0x02,
  additionalStreams: 0x03,
  mainStreams: 0x04,
  files: 0x05,
  packInfo: 0x06,
  unpackInfo: 0x07,
  subStreams: 0x08,
  size: 0x09,
  crc: 0x0a,
  folder: 0x0b,
  codersUnpackSize: 0x0c,
  numUnpackStream: 0x0d,
  emptyStream: 0x0e,
  emptyFile: 0x0f,
  name: 0x11,
  winAttributes: 0x15,
  encodedHeader: 0x17,
  dummy: 0x19,
} as const;

/** Coder ids, as hex strings of their bytes. */
const CODERS: Record<string, string> = {
  '00': 'Copy',
  '030101': 'LZMA',
  '21': 'LZMA2',
  '03030103': 'BCJ',
  '0303011b': 'BCJ2',
  '06f10701': 'AES-256',
  '040108': 'Deflate',
  '040202': 'BZip2',
  '03': 'Delta',
  '030401': 'PPMd',
};

const WHERE = '7z archive';

function bad(what: string, at?: number): FirmwareError {
  return new FirmwareError('bad-format', `7z header: ${what}`, { offset: at, path: WHERE });
}

/** A cursor over header bytes with 7z's variable-length numbers. */
class Reader {
  pos = 0;
  constructor(
    readonly b: Uint8Array,
    /** Where `b` starts in the file, for messages (undefined once decoded). */
    readonly at: number | undefined,
  ) {}

  byte(): number {
    if (this.pos >= this.b.length)
      throw new FirmwareError('truncated', '7z header ends early', {
        offset: absAt(this.at, this.pos),
        path: WHERE,
      });
    return this.b[this.pos++];
  }

  /** NUMBER: the first byte's leading one bits say how many bytes follow. */
  number(): number {
    const first = this.byte();
    let mask = 0x80;
    let value = 0;
    for (let i = 0; i < 8; i++) {
      if ((first & mask) === 0) {
        const high = first & (mask - 1);
        return value + high * 2 ** (8 * i);
      }
      value += this.byte() * 2 ** (8 * i);
      mask >>= 1;
    }
    if (value > Number.MAX_SAFE_INTEGER) throw bad('a number is too large', this.at);
    return value;
  }

  u32(): number {
    const v = this.byte() | (this.byte() << 8) | (this.byte() << 16) | (this.byte() << 24);
    return v >>> 0;
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.b.length)
      throw new FirmwareError('truncated', '7z header ends early', {
        offset: absAt(this.at, this.pos),
        path: WHERE,
      });
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Most-significant-bit-first bit vector. */
  bits(n: number): boolean[] {
    const out: boolean[] = [];
    let byte = 0;
    for (let i = 0; i < n; i++) {
      if (i % 8 === 0) byte = this.byte();
      out.push((byte & (0x80 >> (i % 8))) !== 0);
    }
    return out;
  }

  /** A bit vector preceded by an all-defined byte. */
  defined(n: number): boolean[] {
    return this.byte() ? new Array<boolean>(n).fill(true) : this.bits(n);
  }

  expect(id: number, what: string): void {
    const got = this.byte();
    if (got !== id) throw bad(`expected ${what}, found property 0x${got.toString(16)}`, this.at);
  }
}

interface Coder {
  id: string;
  name: string;
  inStreams: number;
  outStreams: number;
  props: Uint8Array;
}

interface Folder {
  coders: Coder[];
  bindPairs: { inIndex: number; outIndex: number }[];
  packedStreams: number[];
  unpackSizes: number[];
  crc?: number;
  /** Index of its first pack stream. */
  firstPack: number;
}

interface Streams {
  packPos: number;
  packSizes: number[];
  folders: Folder[];
  /** Per folder, how many files its output holds, and their sizes and CRCs. */
  subStreams: { count: number; sizes: number[]; crcs: (number | undefined)[] }[];
}

function readDigests(r: Reader, n: number): (number | undefined)[] {
  const defined = r.defined(n);
  return defined.map((d) => (d ? r.u32() : undefined));
}

function readPackInfo(r: Reader, s: Streams): void {
  s.packPos = r.number();
  const n = r.number();
  for (;;) {
    const id = r.byte();
    if (id === ID.end) break;
    if (id === ID.size) for (let i = 0; i < n; i++) s.packSizes.push(r.number());
    else if (id === ID.crc) readDigests(r, n);
    else throw bad(`unexpected property 0x${id.toString(16)} in pack info`, r.at);
  }
}

function readFolder(r: Reader, budget: Budget): Folder {
  const count = r.number();
  if (count < 1 || count > 32) throw bad(`${count} coders in one folder`, r.at);
  const coders: Coder[] = [];
  let inTotal = 0;
  let outTotal = 0;
  for (let i = 0; i < count; i++) {
    const flags = r.byte();
    if (flags & 0x80) throw bad('alternative coder methods are not defined', r.at);
    const idBytes = r.bytes(flags & 0x0f);
    const id = [...idBytes].map((x) => x.toString(16).padStart(2, '0')).join('');
    const complex = (flags & 0x10) !== 0;
    const inStreams = complex ? r.number() : 1;
    const outStreams = complex ? r.number() : 1;
    const props = flags & 0x20 ? r.bytes(r.number()) : new Uint8Array();
    coders.push({ id, name: CODERS[id] ?? `coder ${id}`, inStreams, outStreams, props });
    inTotal += inStreams;
    outTotal += outStreams;
  }
  if (outTotal > 64 || inTotal > 64) throw bad('too many coder streams', r.at);
  const bindPairs = [];
  for (let i = 0; i < outTotal - 1; i++)
    bindPairs.push({ inIndex: r.number(), outIndex: r.number() });
  const packedCount = inTotal - bindPairs.length;
  const packedStreams: number[] = [];
  if (packedCount === 1) {
    for (let i = 0; i < inTotal; i++)
      if (!bindPairs.some((p) => p.inIndex === i)) {
        packedStreams.push(i);
        break;
      }
  } else for (let i = 0; i < packedCount; i++) packedStreams.push(r.number());
  budget.checkEntries(coders.length, { path: WHERE });
  return { coders, bindPairs, packedStreams, unpackSizes: [], firstPack: 0 };
}

function readUnpackInfo(r: Reader, s: Streams, budget: Budget): void {
  r.expect(ID.folder, 'the folder list');
  const n = r.number();
  budget.checkEntries(n, { path: WHERE });
  if (r.byte() !== 0) throw bad('folders stored outside the header are not supported', r.at);
  let pack = 0;
  for (let i = 0; i < n; i++) {
    const f = readFolder(r, budget);
    f.firstPack = pack;
    pack += f.packedStreams.length;
    s.folders.push(f);
  }
  r.expect(ID.codersUnpackSize, 'the unpack sizes');
  for (const f of s.folders) {
    const outs = f.coders.reduce((t, c) => t + c.outStreams, 0);
    for (let i = 0; i < outs; i++) f.unpackSizes.push(r.number());
  }
  for (;;) {
    const id = r.byte();
    if (id === ID.end) break;
    if (id === ID.crc) readDigests(r, n).forEach((c, i) => (s.folders[i].crc = c));
    else throw bad(`unexpected property 0x${id.toString(16)} in coder info`, r.at);
  }
}

function readSubStreams(r: Reader, s: Streams, budget: Budget): void {
  const counts = s.folders.map(() => 1);
  let id = r.byte();
  if (id === ID.numUnpackStream) {
    for (let i = 0; i < counts.length; i++) counts[i] = r.number();
    budget.checkEntries(
      counts.reduce((a, b) => a + b, 0),
      { path: WHERE },
    );
    id = r.byte();
  }
  const sizes: number[][] = s.folders.map(() => []);
  s.folders.forEach((f, i) => {
    if (counts[i] === 0) return;
    let sum = 0;
    if (id === ID.size)
      for (let k = 1; k < counts[i]; k++) {
        const n = r.number();
        sizes[i].push(n);
        sum += n;
      }
    const total = folderSize(f);
    if (sum > total) throw bad('files in a folder are larger than the folder', r.at);
    sizes[i].push(total - sum);
  });
  if (id === ID.size) id = r.byte();
  const crcs: (number | undefined)[][] = s.folders.map((f, i) =>
    counts[i] === 1 && f.crc !== undefined ? [f.crc] : new Array(counts[i]).fill(undefined),
  );
  while (id !== ID.end) {
    if (id === ID.crc) {
      const unknown = s.folders.reduce(
        (t, f, i) => t + (counts[i] === 1 && f.crc !== undefined ? 0 : counts[i]),
        0,
      );
      const digests = readDigests(r, unknown);
      let k = 0;
      s.folders.forEach((f, i) => {
        if (counts[i] === 1 && f.crc !== undefined) return;
        for (let j = 0; j < counts[i]; j++) crcs[i][j] = digests[k++];
      });
    } else throw bad(`unexpected property 0x${id.toString(16)} in substreams`, r.at);
    id = r.byte();
  }
  s.subStreams = s.folders.map((_, i) => ({ count: counts[i], sizes: sizes[i], crcs: crcs[i] }));
}

function readStreams(r: Reader, budget: Budget): Streams {
  const s: Streams = { packPos: 0, packSizes: [], folders: [], subStreams: [] };
  for (;;) {
    const id = r.byte();
    if (id === ID.end) break;
    if (id === ID.packInfo) readPackInfo(r, s);
    else if (id === ID.unpackInfo) readUnpackInfo(r, s, budget);
    else if (id === ID.subStreams) readSubStreams(r, s, budget);
    else throw bad(`unexpected property 0x${id.toString(16)} in streams info`, r.at);
  }
  if (!s.subStreams.length)
    s.subStreams = s.folders.map((f) => ({ count: 1, sizes: [folderSize(f)], crcs: [f.crc] }));
  return s;
}

/** The folder's final output: the one out stream no bind pair consumes. */
function mainOut(f: Folder): number {
  const outs = f.unpackSizes.length;
  for (let i = 0; i < outs; i++) if (!f.bindPairs.some((p) => p.outIndex === i)) return i;
  throw bad('a folder has no final output');
}

function folderSize(f: Folder): number {
  return f.unpackSizes[mainOut(f)];
}

/** The coder owning out stream `out`, and where its streams start. */
function coderOfOut(f: Folder, out: number): { coder: Coder; firstIn: number } {
  let ins = 0;
  let outs = 0;
  for (const c of f.coders) {
    if (out < outs + c.outStreams) return { coder: c, firstIn: ins };
    ins += c.inStreams;
    outs += c.outStreams;
  }
  throw bad(`out stream ${out} belongs to no coder`);
}

interface Archive {
  bytes: Uint8Array;
  /** Where the archive's signature header lies in `bytes`. */
  start: number;
  abs: number | undefined;
  budget: Budget;
}

/** Decodes a folder's final output, each coder's input coming from a pack stream or a coder. */
function decodeFolder(a: Archive, s: Streams, index: number): Uint8Array {
  const f = s.folders[index];
  let packAt = a.start + SIGNATURE_HEADER + s.packPos;
  for (let i = 0; i < f.firstPack; i++) packAt += s.packSizes[i];
  const packStream = (k: number): Uint8Array => {
    let at = packAt;
    for (let i = 0; i < k; i++) at += s.packSizes[f.firstPack + i];
    const size = s.packSizes[f.firstPack + k];
    if (size === undefined || at + size > a.bytes.length)
      throw new FirmwareError(
        'truncated',
        `7z packed stream of folder ${index + 1} runs past the end`,
        {
          offset: absAt(a.abs, at),
          path: WHERE,
        },
      );
    return a.bytes.subarray(at, at + size);
  };
  /** In stream `i` of the folder: another coder's output (a bind pair) or a pack stream. */
  const input = (i: number, depth: number): Uint8Array => {
    const pair = f.bindPairs.find((p) => p.inIndex === i);
    if (pair) return output(pair.outIndex, depth + 1);
    const k = f.packedStreams.indexOf(i);
    if (k < 0) throw bad(`in stream ${i} of folder ${index + 1} has no source`);
    return packStream(k);
  };
  const output = (out: number, depth: number): Uint8Array => {
    // Bind pairs that loop back would recurse without end.
    if (depth > f.coders.length) throw bad(`the coders of folder ${index + 1} form a loop`);
    const { coder, firstIn } = coderOfOut(f, out);
    const ins = coder.name === 'BCJ2' ? 4 : 1;
    if (coder.inStreams !== ins || coder.outStreams !== 1) {
      throw new FirmwareError(
        'unsupported',
        `this 7z archive uses the ${coder.name} coder with ${coder.inStreams} in and ${coder.outStreams} out streams, which this reader does not decode; extract it with 7-Zip`,
        { path: WHERE },
      );
    }
    const inputs = Array.from({ length: ins }, (_, k) => input(firstIn + k, depth));
    return runCoder(coder, inputs, f.unpackSizes[out], a);
  };
  const out = output(mainOut(f), 0);
  if (f.crc !== undefined && crc32(out) !== f.crc) {
    throw new FirmwareError(
      'bad-checksum',
      `7z folder ${index + 1}: CRC-32 is ${hex(crc32(out), 8)}, the archive says ${hex(f.crc, 8)}`,
      { path: WHERE },
    );
  }
  return out;
}

/** 7-Zip's AES-256 + SHA-256 coder: the folder's bytes cannot be read without the password. */
const isEncrypted = (f: Folder) => f.coders.some((c) => c.id === '06f10701');

function passwordProtected(what: string, path: string): FirmwareError {
  return new FirmwareError(
    'unsupported',
    `this 7z archive is password-protected: ${what} is encrypted (AES-256), so this reader cannot read it; extract it with 7-Zip and the password, then open the BIOS image inside`,
    { path },
  );
}

function runCoder(c: Coder, inputs: Uint8Array[], size: number, a: Archive): Uint8Array {
  const where = { path: WHERE };
  const input = inputs[0];
  switch (c.name) {
    case 'Copy':
      if (input.length < size)
        throw new FirmwareError('truncated', '7z stored data is cut short', where);
      return input.subarray(0, size);
    case 'LZMA': {
      if (c.props.length < 5) throw bad('LZMA properties are missing');
      const dict = (c.props[1] | (c.props[2] << 8) | (c.props[3] << 16) | (c.props[4] << 24)) >>> 0;
      return decodeRaw(input, 0, decodeProps(c.props[0], dict), size, { budget: a.budget });
    }
    case 'LZMA2':
      return lzma2Decompress(input, size, { budget: a.budget });
    case 'BCJ':
      if (input.length !== size) throw bad('BCJ input and output sizes differ');
      return bcjX86Decode(input);
    case 'BCJ2': {
      const [main, call, jump, rc] = inputs;
      a.budget.takeDecompressed(size, where);
      return bcj2Decode({ main, call, jump, rc }, size, WHERE);
    }
    default:
      throw new FirmwareError(
        'unsupported',
        `this 7z archive uses the ${c.name} coder, which this reader does not decode; extract it with 7-Zip`,
        where,
      );
  }
}

interface FileEntry {
  name: string;
  hasStream: boolean;
  directory: boolean;
}

function readFiles(r: Reader, budget: Budget): FileEntry[] {
  const n = r.number();
  budget.checkEntries(n, { path: WHERE });
  const files: FileEntry[] = Array.from({ length: n }, () => ({
    name: '',
    hasStream: true,
    directory: false,
  }));
  let empty: boolean[] = [];
  for (;;) {
    const id = r.byte();
    if (id === ID.end) break;
    const size = r.number();
    const body = new Reader(r.bytes(size), undefined);
    if (id === ID.emptyStream) {
      empty = body.bits(n);
      empty.forEach((e, i) => (files[i].hasStream = !e));
    } else if (id === ID.emptyFile) {
      // Empty streams are directories unless marked as empty files.
      const emptyFiles = body.bits(empty.filter(Boolean).length);
      let k = 0;
      empty.forEach((e, i) => {
        if (e) files[i].directory = !emptyFiles[k++];
      });
    } else if (id === ID.name) {
      if (body.byte() !== 0) throw bad('names stored outside the header are not supported');
      for (const f of files) {
        let s = '';
        for (;;) {
          const c = body.byte() | (body.byte() << 8);
          if (c === 0) break;
          s += String.fromCharCode(c);
        }
        f.name = s;
      }
    } else if (id === ID.winAttributes) {
      const defined = body.defined(n);
      if (body.byte() !== 0) throw bad('attributes stored outside the header are not supported');
      defined.forEach((d, i) => {
        if (d && body.u32() & 0x10) files[i].directory = true;
      });
    }
    // Times, kDummy and the rest do not matter here.
  }
  if (!empty.length) for (const f of files) f.directory = false;
  return files;
}

/** The header, unpacking it first when it is stored encoded. */
function readHeader(a: Archive): { streams?: Streams; files: FileEntry[] } {
  const b = a.bytes;
  const s = a.start;
  const dv = new DataView(b.buffer, b.byteOffset + s, SIGNATURE_HEADER);
  const nextOffset = dv.getUint32(12, true) + dv.getUint32(16, true) * 2 ** 32;
  const nextSize = dv.getUint32(20, true) + dv.getUint32(24, true) * 2 ** 32;
  const nextCrc = dv.getUint32(28, true);
  const at = s + SIGNATURE_HEADER + nextOffset;
  if (at + nextSize > b.length) {
    throw new FirmwareError(
      'truncated',
      `this 7z archive is cut short: its header (${nextSize} bytes at ${hex(at)}) lies past the end`,
      { offset: absAt(a.abs, s), path: WHERE },
    );
  }
  let header = b.subarray(at, at + nextSize);
  if (crc32(header) !== nextCrc)
    throw new FirmwareError('bad-checksum', '7z header CRC-32 does not match', {
      offset: absAt(a.abs, at),
      path: WHERE,
    });
  let headerAbs = absAt(a.abs, at);
  for (let round = 0; round < 4; round++) {
    const r = new Reader(header, headerAbs);
    const id = r.byte();
    if (id === ID.header) return readPlainHeader(r, a.budget);
    if (id !== ID.encodedHeader)
      throw bad(`unexpected property 0x${id.toString(16)} first`, headerAbs);
    const streams = readStreams(r, a.budget);
    if (streams.folders.length !== 1) throw bad('an encoded header must be one folder', headerAbs);
    if (isEncrypted(streams.folders[0])) throw passwordProtected("the archive's file list", WHERE);
    header = decodeFolder(a, streams, 0);
    headerAbs = undefined;
  }
  throw bad('the header is encoded too many times');
}

function readPlainHeader(r: Reader, budget: Budget): { streams?: Streams; files: FileEntry[] } {
  let streams: Streams | undefined;
  let files: FileEntry[] = [];
  for (;;) {
    const id = r.byte();
    if (id === ID.end) break;
    if (id === ID.archiveProperties) {
      for (let p = r.byte(); p !== 0; p = r.byte()) r.bytes(r.number());
    } else if (id === ID.additionalStreams) readStreams(r, budget);
    else if (id === ID.mainStreams) streams = readStreams(r, budget);
    else if (id === ID.files) files = readFiles(r, budget);
    else throw bad(`unexpected property 0x${id.toString(16)} in the header`, r.at);
  }
  return { streams, files };
}

/** Where a 7z signature header with a matching CRC lies in `b` (0 or after an SFX stub). */
export function findSevenZip(b: Uint8Array): number {
  const limit = asciiAt(b, 0, 'MZ') ? b.length - SIGNATURE_HEADER : 0;
  for (let i = b.indexOf(0x37); i >= 0 && i <= limit; i = b.indexOf(0x37, i + 1)) {
    if (i + SIGNATURE_HEADER > b.length) return -1;
    if (!SIGNATURE.every((x, k) => b[i + k] === x)) continue;
    const dv = new DataView(b.buffer, b.byteOffset + i, SIGNATURE_HEADER);
    if (crc32(b, i + 12, i + 32) === dv.getUint32(8, true)) return i;
  }
  return -1;
}

function probeSevenZip(b: Uint8Array): KindGuess | undefined {
  const at = findSevenZip(b);
  if (at < 0) return undefined;
  return at === 0
    ? { kind: 'archive', label: '7-Zip archive', offset: 0 }
    : {
        kind: 'archive',
        label: '7-Zip self-extracting archive',
        offset: 0,
        detail: `archive at ${hex(at)}`,
      };
}

async function openSevenZip(
  parent: FirmwareNode,
  bytes: Uint8Array,
  base: number,
  abs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  const start = findSevenZip(bytes);
  if (start < 0) return false;
  const a: Archive = { bytes, start, abs, budget: ctx.budget };
  const { streams, files } = readHeader(a);
  const list: ArchiveFile[] = [];
  const decoded = new Map<number, Uint8Array>();
  let folder = 0;
  let sub = 0;
  let within = 0;
  for (const f of files) {
    if (f.directory) continue;
    if (!f.hasStream) {
      list.push(entryOf(f.name, 'empty', 0, undefined, () => new Uint8Array()));
      continue;
    }
    while (streams && folder < streams.folders.length && sub >= streams.subStreams[folder].count) {
      folder++;
      sub = 0;
      within = 0;
    }
    if (!streams || folder >= streams.folders.length) throw bad(`no data for ${f.name}`);
    const ss = streams.subStreams[folder];
    const size = ss.sizes[sub];
    const from = within;
    const k = folder;
    const method = streams.folders[k].coders
      .map((c) => c.name)
      .reverse()
      .join('+');
    list.push(
      entryOf(f.name, method, size, ss.crcs[sub], () => {
        if (isEncrypted(streams.folders[k]))
          throw passwordProtected(f.name, entryWhere('7z', f.name));
        if (!decoded.has(k)) decoded.set(k, decodeFolder(a, streams, k));
        return decoded.get(k)!.subarray(from, from + size);
      }),
    );
    within += size;
    sub++;
  }
  await addArchive(
    parent,
    bytes,
    base,
    abs,
    ctx,
    {
      type: start ? '7-Zip self-extracting archive' : '7-Zip archive',
      data: { is: 'archive', format: '7z', entries: list.length, archiveOffset: start },
    },
    list,
  );
  return true;
}

function entryOf(
  path: string,
  method: string,
  size: number,
  crc: number | undefined,
  read: () => Uint8Array,
): ArchiveFile {
  return {
    data: { is: 'archive-entry', path, method, storedSize: size, size, crc32: crc },
    raw: new Uint8Array(),
    offset: -1,
    headerSize: 0,
    inPlace: false,
    expands: false,
    read,
  };
}

export const sevenZipFormat: FirmwareFormat = {
  name: '7z',
  probe: probeSevenZip,
  open: openSevenZip,
};
