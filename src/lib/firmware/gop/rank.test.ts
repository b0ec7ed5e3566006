import { describe, expect, it } from 'vitest';
import { addChild, IMAGE_DATA, makeNode, NO_DATA, type FirmwareNode } from '../tree/node';
import type { Candidates, GopCandidate, Location, VbtCandidate } from './find';
import type { GopInfo } from './gop-info';
import { gopMessages } from './messages';
import { rankCandidates, type Ranking } from './rank';
import { parseVbt } from './vbt';

// File GUIDs from UEFITool's database (docs/uefitool_gop_guids.csv).
const AMI_GOP = '5BBA83E6-F027-4CA7-BFD0-16358CC9E123';
const AMI_OPROM = 'A0327FE0-1FDA-4E5B-905D-B510C45A61D0';
const IGOP_VBT = '878AC2CC-5343-46F2-B563-51F89DAF56BA';
const PEI_VBT = '7E175642-F3AD-490A-9F8A-2E9FC6933DDD';
const PANEL_VBT = 'DBADD769-E86A-4819-8120-E991792C0BC1';
const UNKNOWN_1 = '22222222-0000-0000-0000-000000000001';
const UNKNOWN_2 = '22222222-0000-0000-0000-000000000002';

const root = makeNode({
  kind: 'image',
  type: 'image',
  offset: 0,
  raw: new Uint8Array(0),
  data: IMAGE_DATA,
});

/** A file node of `fileType` with one section node in it, as the parsers build them. */
function place(
  guid: string | undefined,
  fileType: number | undefined,
  order: number,
  ui?: string,
): Location {
  let parent: FirmwareNode = root;
  let file: FirmwareNode | undefined;
  if (guid !== undefined) {
    file = addChild(
      root,
      makeNode({
        kind: 'file',
        type: 'file',
        guid,
        offset: 0,
        raw: new Uint8Array(0),
        data: {
          is: 'file',
          fileType: fileType ?? 0,
          attributes: 0,
          state: 0,
          stateName: 'DATA_VALID',
          deleted: false,
          alignment: 1,
          largeFile: false,
          headerChecksum: 0,
          dataChecksum: 0,
        },
      }),
    );
    parent = file;
  }
  const node = addChild(
    parent,
    makeNode({
      kind: 'section',
      type: 'section',
      offset: 0,
      raw: new Uint8Array(0),
      data: { is: 'section', sectionType: 0, header2: false },
    }),
  );
  return { node, file, fileGuid: guid, uiName: ui, fileType, path: `p${order}`, order };
}

/** The GopInfo fields ranking reads; the rest of GopInfo is the reader's business. */
function gop(loc: Location, code: string | undefined, sha: string): GopCandidate {
  const info = {
    name: 'Intel(R) GOP Driver',
    versionText: '17.0.1064',
    major: 17,
    versionKnown: 'full',
    deviceIds: [],
    generation: code ? { code, label: code, basis: 'version' } : undefined,
  } as unknown as GopInfo;
  return {
    kind: 'gop',
    ...loc,
    size: 1,
    sha256: sha,
    deleted: false,
    copies: [],
    warnings: [],
    info,
    identity: { confidence: 'high', reasons: [] },
    bytes: new Uint8Array(1),
  };
}

/** A real, valid VBT header + BDB header (i915 layout) for `platform`. */
function vbtBytes(platform: string): Uint8Array {
  const b = new Uint8Array(0x30 + 22);
  const dv = new DataView(b.buffer);
  b.set([...`$VBT ${platform}`.padEnd(20, ' ')].map((c) => c.charCodeAt(0)));
  dv.setUint16(0x16, 0x30, true);
  dv.setUint16(0x18, b.length, true);
  dv.setUint32(0x1c, 0x30, true);
  b.set(
    [...'BIOS_DATA_BLOCK '].map((c) => c.charCodeAt(0)),
    0x30,
  );
  dv.setUint16(0x42, 22, true);
  dv.setUint16(0x44, 22, true);
  return b;
}

function vbt(loc: Location, platform: string, sha: string, copies: Location[] = []): VbtCandidate {
  const info = parseVbt(vbtBytes(platform));
  return {
    kind: 'vbt',
    ...loc,
    size: info.size,
    sha256: sha,
    deleted: false,
    copies,
    warnings: [],
    info,
    bytes: info.bytes,
    stored: info.bytes,
    storedSha256: sha,
  };
}

const cands = (gops: GopCandidate[], vbts: VbtCandidate[] = []): Candidates => ({
  gops,
  vbts,
  ignored: [],
});

describe('GOP ranking', () => {
  it('puts a DXE driver file before an earlier GOP in an AMI option-ROM container', () => {
    const oprom = gop(place(AMI_OPROM, 0x02, 1), 'TGL', 'a');
    const driver = gop(place(UNKNOWN_1, 0x07, 5), 'TGL', 'b');
    const r = rankCandidates(cands([oprom, driver]));
    expect(r.gops.map((g) => g.candidate.sha256)).toEqual(['b', 'a']);
    expect(r.gops.map((g) => g.rank)).toEqual([1, 2]);
    expect(r.gops[0].reason.en).toMatch(/first live GOP in DXE order/);
    expect(r.gops[1].reason.en).toMatch(/option-ROM container/);
  });

  it('among DXE drivers prefers the known GOP file GUID, then volume order', () => {
    const unknownEarly = gop(place(UNKNOWN_1, 0x07, 1), 'TGL', 'u1');
    const known = gop(place(AMI_GOP, 0x07, 9), 'TGL', 'k');
    const unknownLate = gop(place(UNKNOWN_2, 0x07, 4), 'TGL', 'u2');
    const r = rankCandidates(cands([unknownEarly, known, unknownLate]));
    expect(r.gops.map((g) => g.candidate.sha256)).toEqual(['k', 'u1', 'u2']);
    expect(r.gops[0].reason.en).toMatch(/known Intel GOP driver file/);
  });

  it('ranks an option-ROM image GOP and says it is the only one', () => {
    const romImage = addChild(
      root,
      makeNode({
        kind: 'rom-image',
        type: 'EFI option ROM image',
        offset: 0,
        raw: new Uint8Array(0),
        data: NO_DATA,
      }),
    );
    const pe = addChild(
      romImage,
      makeNode({
        kind: 'pe',
        type: 'PE32+ image',
        offset: 0,
        raw: new Uint8Array(0),
        data: NO_DATA,
      }),
    );
    const r = rankCandidates(cands([gop({ node: pe, path: 'rom', order: 0 }, 'ADL', 'r')]));
    expect(r.gops[0].reason.en).toMatch(/^the only live GOP; an EFI option-ROM image/);
    expect(r.warnings.map((w) => w.en)).toEqual([
      'no VBT found; the GOP needs one from the platform',
    ]);
  });
});

describe('VBT ranking', () => {
  it('puts the Intel VBT file before an earlier per-panel VBT and a PEI copy', () => {
    const top = gop(place(AMI_GOP, 0x07, 0), 'TGL', 'g');
    const panel = vbt(place(PANEL_VBT, 0x02, 1, 'VbtMipiAuo'), 'TIGERLAKE', 'p');
    const pei = vbt(place(PEI_VBT, 0x02, 2), 'TIGERLAKE', 'e');
    const main = vbt(place(IGOP_VBT, 0x01, 3), 'TIGERLAKE', 'm');
    const r = rankCandidates(cands([top], [panel, pei, main]));
    expect(r.vbts.map((v) => v.candidate.sha256)).toEqual(['m', 'e', 'p']);
    expect(r.vbts[0].reason.en).toMatch(/file GUID is the Intel VBT file IntelIGopVbt/);
    expect(r.vbts[0].reason.en).toMatch(/generation matches the GOP/);
    expect(r.vbts[1].reason.en).toMatch(/PEI graphics VBT/);
    expect(r.vbts[2].reason.en).toMatch(/per-panel/);
    expect(r.warnings).toEqual([]);
  });

  it('counts an identical copy in the Intel VBT file', () => {
    const top = gop(place(AMI_GOP, 0x07, 0), 'SKL', 'g');
    const peiFirst = vbt(place(PEI_VBT, 0x02, 1), 'SKYLAKE', 'x', [place(IGOP_VBT, 0x01, 7)]);
    const other = vbt(place(UNKNOWN_1, 0x02, 2, 'IntelGopVbt'), 'SKYLAKE', 'y');
    const r = rankCandidates(cands([top], [other, peiFirst]));
    // Both are tier "DXE VBT"; the earlier one in volume order wins.
    expect(r.vbts.map((v) => v.candidate.sha256)).toEqual(['x', 'y']);
    expect(r.vbts[0].reason.en).toMatch(/identical copy .*878AC2CC/);
    expect(r.vbts[1].reason.en).toMatch(/named IntelGopVbt/);
    // In Chinese the clause inside the copy's clause is Chinese too, the data stays as it is.
    const zh = r.vbts[0].reason['zh-CN'];
    expect(zh).toContain('878AC2CC-5343-46F2-B563-51F89DAF56BA');
    expect(zh).toContain(
      gopMessages.t('vbt.place.dxeGuid', { name: 'IntelIGopVbt' })['zh-CN'] +
        '；' +
        gopMessages.t('vbt.generationMatches', { code: 'SKL' })['zh-CN'],
    );
    expect(zh).not.toMatch(/identical|file GUID|generation/);
  });

  it('prefers the VBT of the GOP generation and warns on a mismatch', () => {
    const top = gop(place(AMI_GOP, 0x07, 0), 'ADL', 'g');
    const hsw = vbt(place(UNKNOWN_1, 0x01, 1, 'IntelGopVbt'), 'HASWELL', 'h');
    // ADL GOPs run with VBTs that still say TIGERLAKE: same display family.
    const tgl = vbt(place(UNKNOWN_2, 0x01, 2, 'IntelGopVbt'), 'TIGERLAKE', 't');
    const r = rankCandidates(cands([top], [hsw, tgl]));
    expect(r.vbts.map((v) => v.candidate.sha256)).toEqual(['t', 'h']);
    expect(r.vbts[0].warnings).toEqual([]);
    expect(r.vbts[1].warnings.map((w) => w.en).join()).toMatch(
      /generation mismatch: VBT is for Haswell \(HASWELL\)/,
    );
    expect(r.vbts[1].warnings[0]['zh-CN']).toBe(
      '代次不符：VBT 适用于 Haswell（HASWELL），而 GOP 适用于 ADL',
    );
  });

  it('a GOP named by its device-ID table (iGPU code) pairs with the VBT of its family', () => {
    // CHV is what the device-ID table of a Braswell GOP names; its VBTs say CHERRYVIEW (BSW).
    for (const [code, platform] of [
      ['CHV', 'CHERRYVIEW'],
      ['ARL', 'METEORLAKE'],
      ['RPL', 'ALDERLAKE-S'],
      ['CML', 'COMETLAKE'],
    ] as const) {
      const top = gop(place(AMI_GOP, 0x07, 0), code, 'g');
      const hsw = vbt(place(UNKNOWN_1, 0x01, 1, 'IntelGopVbt'), 'HASWELL', 'h');
      const own = vbt(place(UNKNOWN_2, 0x01, 2, 'IntelGopVbt'), platform, 'o');
      const r = rankCandidates(cands([top], [hsw, own]));
      expect(
        r.vbts.map((v) => v.candidate.sha256),
        code,
      ).toEqual(['o', 'h']);
      expect(r.vbts[0].warnings, code).toEqual([]);
    }
  });

  it('says when only VBTs or nothing was found', () => {
    const en = (r: Ranking) => r.warnings.map((w) => w.en);
    // A VBT whose generation nothing names (unknown platform, BDB version 0): the plain note.
    expect(
      en(rankCandidates(cands([], [vbt(place(undefined, undefined, 0), 'OEMBOARD', 'v')]))),
    ).toEqual(['no Intel GOP driver found (only VBTs)']);
    // A named one: which generation, that the GOP is not here, and what to do.
    const skl = en(
      rankCandidates(cands([], [vbt(place(undefined, undefined, 0), 'SKYLAKE', 'v')])),
    );
    expect(skl).toHaveLength(1);
    expect(skl[0]).toMatch(
      /^This BIOS has a Skylake … Comet Lake VBT \(SKYLAKE, BDB 0\) but no Intel GOP driver: the GOP is not in this image/,
    );
    expect(skl[0]).toContain('another BIOS of the same Skylake … Comet Lake platform family');
    expect(skl[0]).toContain('its 8086:xxxx ID');
    expect(en(rankCandidates(cands([])))).toEqual(['no Intel GOP driver and no VBT found']);
  });

  it('a Panther Lake VBT without a GOP lists the PTL/WCL device IDs to check a GOP against', () => {
    const r = rankCandidates(cands([], [vbt(place(undefined, undefined, 0), 'PANTHERLAKE', 'p')]));
    const [w] = r.warnings;
    expect(w.en).toContain('Panther Lake VBT (PANTHERLAKE');
    expect(w.en).toContain('the GOP is not in this image');
    expect(w.en).toContain('8086:b080, 8086:b081');
    expect(w.en).toContain('8086:fd80, 8086:fd81');
    expect(w['zh-CN']).toContain('GOP 不在这个映像里');
    expect(w['zh-CN']).toContain('8086:b0b0');
  });
});
