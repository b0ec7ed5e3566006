/**
 * AMI BIOS Guard (PFAT) updates, as platomav/BIOSUtilities documents them: a header (u32 size,
 * u32 checksum, '_AMIPFAT', u8 flags) followed by text lines — a title, then one line per file,
 * "flags parameter blocks;name" — and then the Intel BIOS Guard blocks of every file in order.
 * Each file is the concatenated data of its blocks; bytes after the last block belong to the
 * image too ("out of bounds" data).
 */
import { ByteView } from '../../bytes/view';
import { FirmwareError } from '../../errors';
import type { ParseContext } from '../../tree/context';
import { addChild, makeNode, NO_DATA, type FirmwareNode } from '../../tree/node';
import type { FirmwareFormat, KindGuess } from '../format';
import { absAt, asciiAt, hex, indexOfAscii } from '../util';
import { readBgBlock } from './bios-guard';

export const AMI_PFAT_TAG = '_AMIPFAT';
const HEADER = 0x11;
const TOOL = 'the "AMI BIOS Guard Extractor" of platomav/BIOSUtilities';

interface PfatFile {
  name: string;
  blocks: number;
}

function fail(message: string, offset: number | undefined): never {
  throw new FirmwareError('unsupported', `${message}; extract it with ${TOOL}`, { offset });
}

/** The file lines of the header text: "flags parameter blocks;name". */
function readFiles(text: string): PfatFile[] | undefined {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const files: PfatFile[] = [];
  for (const line of lines.slice(1)) {
    const m = /^\s*\d+\s+\S+\s+(\d+)\s*;(.*)$/.exec(line);
    if (!m) return undefined;
    files.push({ name: m[2].replace(/\0/g, '').trim(), blocks: Number(m[1]) });
  }
  return files.length ? files : undefined;
}

const CONFIG = 'AMI_BIOS_GUARD_FLASH_CONFIGURATIONS';

/** Where an AMI BIOS Guard header starts: at 0, or inside a flasher executable. */
function pfatStart(bytes: Uint8Array): number {
  if (asciiAt(bytes, 8, AMI_PFAT_TAG)) return 0;
  if (!asciiAt(bytes, 0, 'MZ')) return -1;
  for (
    let i = indexOfAscii(bytes, AMI_PFAT_TAG);
    i >= 8;
    i = indexOfAscii(bytes, AMI_PFAT_TAG, i + 1)
  )
    if (asciiAt(bytes, i + 9, CONFIG)) return i - 8;
  return -1;
}

export async function openAmiPfat(
  parent: FirmwareNode,
  whole: Uint8Array,
  wholeBase: number,
  wholeAbs: number | undefined,
  ctx: ParseContext,
): Promise<boolean> {
  const start = pfatStart(whole);
  if (start < 0) return false;
  // In an executable, the flasher before the package stays visible as padding.
  if (start > 0) {
    ctx.budget.takeNode({ offset: wholeAbs });
    addChild(
      parent,
      makeNode({
        kind: 'padding',
        type: 'flasher',
        offset: wholeBase,
        raw: whole.subarray(0, start),
        absOffset: wholeAbs,
      }),
    );
  }
  const bytes = whole.subarray(start);
  const base = wholeBase + start;
  const abs = absAt(wholeAbs, start);
  const v = new ByteView(bytes, abs ?? 0);
  const size = v.u32(0, 'AMI BIOS Guard header size');
  if (size < HEADER || size > bytes.length || size > 0x10000)
    fail(`the AMI BIOS Guard header size ${hex(size)} is out of range`, abs);
  let text = '';
  for (let i = HEADER; i < size; i++) text += String.fromCharCode(bytes[i]);
  const files = readFiles(text);
  if (!files) fail('the AMI BIOS Guard file list cannot be read', absAt(abs, HEADER));

  ctx.budget.takeNode({ offset: abs });
  const pkg = addChild(
    parent,
    makeNode({
      kind: 'capsule',
      type: 'AMI BIOS Guard package',
      offset: base,
      raw: bytes,
      headerSize: size,
      data: { is: 'ami-pfat', headerSize: size, flags: bytes[0x10], files: files.length },
      absOffset: abs,
    }),
  );
  let at = size;
  for (const f of files) {
    const parts: Uint8Array[] = [];
    const start = at;
    for (let i = 0; i < f.blocks; i++) {
      const block = readBgBlock(bytes, at);
      if (!block)
        fail(
          `block ${i + 1} of "${f.name}" at ${hex(at)} is not a BIOS Guard block`,
          absAt(abs, at),
        );
      parts.push(block.data);
      at += block.size;
    }
    const length = parts.reduce((a, p) => a + p.length, 0);
    ctx.budget.takeDecompressed(length, { offset: absAt(abs, start) });
    const data = new Uint8Array(length);
    let o = 0;
    for (const p of parts) {
      data.set(p, o);
      o += p.length;
    }
    ctx.budget.takeNode({ offset: absAt(abs, start) });
    const node = addChild(
      pkg,
      makeNode({
        kind: 'capsule',
        type: 'AMI BIOS Guard file',
        name: f.name,
        offset: start - size,
        raw: bytes.subarray(start, at),
        data: { is: 'bios-guard', blocks: f.blocks, size: length },
        absOffset: absAt(abs, start),
      }),
    );
    node.decoded = { method: 'BIOS Guard blocks', bytes: data };
    if (data.length) await ctx.parseBody(node, data, undefined);
  }
  if (at < bytes.length) {
    const rest = bytes.subarray(at);
    ctx.budget.takeNode({ offset: absAt(abs, at) });
    const oob = addChild(
      pkg,
      makeNode({
        kind: 'capsule',
        type: 'AMI BIOS Guard trailing data',
        offset: at - size,
        raw: rest,
        absOffset: absAt(abs, at),
        data: NO_DATA,
      }),
    );
    await ctx.parseBody(oob, rest, absAt(abs, at));
  }
  return true;
}

function probeAmiPfat(b: Uint8Array): KindGuess | undefined {
  const start = pfatStart(b);
  if (start < 0) return undefined;
  return { kind: 'vendor-package', label: 'AMI BIOS Guard (PFAT) update', offset: start };
}

export const amiPfatFormat: FirmwareFormat = {
  name: 'ami-pfat',
  probe: probeAmiPfat,
  open: openAmiPfat,
};
