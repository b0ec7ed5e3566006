/**
 * Our firmware tree against UEFIExtract's (an independent implementation): for every fixture
 * with a `UEFIExtract report`, the volumes, files (GUID, type, size) and sections (type, size)
 * must appear in the same order and nesting.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFirmware } from '../../src/lib/firmware/parse';
import { walk, type FirmwareNode } from '../../src/lib/firmware/tree/node';
import {
  fixturePath,
  fixturesDir,
  haveFixtures,
  noFixturesReason,
  readFixture,
} from '../helpers/fixtures';

/** UEFIExtract's subtype names → PI type codes. */
const FILE_TYPE: Record<string, number> = {
  Raw: 0x01,
  Freeform: 0x02,
  'SEC core': 0x03,
  'PEI core': 0x04,
  'DXE core': 0x05,
  'PEI module': 0x06,
  'DXE driver': 0x07,
  'Combined PEI/DXE': 0x08,
  Application: 0x09,
  'SMM module': 0x0a,
  'Volume image': 0x0b,
  'Combined SMM/DXE': 0x0c,
  'SMM core': 0x0d,
  'MM standalone module': 0x0e,
  'MM standalone core': 0x0f,
  Pad: 0xf0,
};
const SECTION_TYPE: Record<string, number> = {
  Compressed: 0x01,
  'GUID defined': 0x02,
  Disposable: 0x03,
  'PE32 image': 0x10,
  'PIC image': 0x11,
  'TE image': 0x12,
  'DXE dependency': 0x13,
  Version: 0x14,
  UI: 0x15,
  Compatibility16: 0x16,
  'Volume image': 0x17,
  'Freeform subtype GUID': 0x18,
  Raw: 0x19,
  'PEI dependency': 0x1b,
  'MM dependency': 0x1c,
};

interface Item {
  depth: number;
  what: string;
}

/** Rows of a report: `Type | Subtype | Base | Size | CRC32 | --- Name [| Text]`. */
function reportItems(text: string): Item[] {
  const out: Item[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.split('|').map((c) => c.trim());
    if (cols.length < 6) continue;
    const [type, subtype, , sizeHex, , nameCol] = cols;
    const dashes = /^(-*)\s*(.*)$/.exec(nameCol)!;
    const depth = dashes[1].length;
    const name = dashes[2];
    const size = parseInt(sizeHex, 16);
    if (type === 'Volume') out.push({ depth, what: `volume ${subtype} ${size.toString(16)}` });
    else if (type === 'File') {
      const code = FILE_TYPE[subtype];
      const guid = /^[0-9A-F-]{36}$/.test(name) ? name : '';
      out.push({ depth, what: `file ${code ?? subtype} ${guid} ${size.toString(16)}` });
    } else if (type === 'Section') {
      out.push({ depth, what: `section ${SECTION_TYPE[subtype] ?? subtype} ${size.toString(16)}` });
    }
  }
  return out;
}

/** The same rows from our tree, with depth counted over volumes, files and sections only. */
function treeItems(root: FirmwareNode): Item[] {
  const out: Item[] = [];
  const depthOf = (n: FirmwareNode) => {
    let d = 0;
    for (let p = n.parent; p; p = p.parent) if (['volume', 'file', 'section'].includes(p.kind)) d++;
    return d + 1;
  };
  walk(root, (n) => {
    const size = n.raw.length.toString(16);
    if (n.kind === 'volume')
      out.push({ depth: depthOf(n), what: `volume ${n.fields.fileSystem} ${size}` });
    else if (n.kind === 'file') {
      // UEFIExtract shows pad files without their (all-FF) GUID.
      const guid = n.fields.fileType === 0xf0 ? '' : n.guid;
      out.push({ depth: depthOf(n), what: `file ${n.fields.fileType} ${guid} ${size}` });
    } else if (n.kind === 'section') {
      out.push({ depth: depthOf(n), what: `section ${n.fields.sectionType} ${size}` });
    }
  });
  return out;
}

/** Number-ify type codes in report rows the same way as ours (decimal). */
function normalise(items: Item[]): string[] {
  const base = items.length ? Math.min(...items.map((i) => i.depth)) : 0;
  return items.map((i) => `${i.depth - base} ${i.what}`);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/**
 * Reports with at least one volume: option ROMs are only an opaque image to UEFIExtract,
 * so there is no tree to compare.
 */
function hasTree(reportRel: string): boolean {
  return reportItems(readFileSync(fixturePath(reportRel), 'utf8')).length > 0;
}

function cases(): { report: string; image: string }[] {
  if (!haveFixtures) return [];
  const all = listFiles(fixturesDir).map((p) => relative(fixturesDir, p));
  const byFlat = new Map(all.map((rel) => [rel.replace(/\//g, '_'), rel]));
  const out: { report: string; image: string }[] = [];
  for (const rel of all.filter((r) => r.endsWith('.report.txt'))) {
    const flat = rel.startsWith('reports/')
      ? rel.slice('reports/'.length, -'.report.txt'.length)
      : undefined;
    const image = flat ? byFlat.get(flat) : rel.slice(0, -'.report.txt'.length);
    if (!image || !existsSync(fixturePath(image))) continue;
    if (!hasTree(rel)) continue;
    out.push({ report: rel, image });
  }
  return out;
}

const list = cases();
if (haveFixtures && list.length === 0) console.warn('[skip] no UEFIExtract reports found');

describe.skipIf(!haveFixtures || list.length === 0)('tree vs UEFIExtract', () => {
  it('covers the OVMF, FSP and vendor-like reports', () => {
    expect(list.some((c) => c.image.startsWith('ovmf/'))).toBe(true);
    expect(list.some((c) => c.image.startsWith('fsp/'))).toBe(true);
    expect(list.some((c) => c.image.startsWith('vendor-like/'))).toBe(true);
  });
  it.each(list)('$image matches $report', async ({ report, image }) => {
    const expected = normalise(reportItems(readFileSync(fixturePath(report), 'utf8')));
    const ours = normalise(treeItems(await parseFirmware(readFixture(image), { name: image })));
    expect(expected.length).toBeGreaterThan(0);
    expect(ours).toEqual(expected);
  });
});

if (!haveFixtures) console.warn(`[skip] ${noFixturesReason}`);
