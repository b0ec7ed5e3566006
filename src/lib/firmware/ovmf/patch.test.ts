import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fixturePath,
  haveFixtures,
  noFixturesReason,
  readFixture,
} from '../../../../tests/helpers/fixtures';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileType,
  SectionType,
} from '../../../../fixtures/builder/index';
import { firstDifference } from '../bytes/compare';
import { findLzmaSections, haveXz, xzDecompress } from '../compress/lzma/test-support';
import { FirmwareError } from '../errors';
import { findCandidates } from '../gop/find';
import { parseFirmware } from '../parse';
import { findAll, type FirmwareNode } from '../tree/node';
import {
  GOP_FILE_GUID,
  IGD_ASSIGNMENT_FILE_GUID,
  locateOvmf,
  POLICY_FILE_GUID,
  VBT_FILE_GUID,
} from './layout';
import { patchOvmf } from './patch';
import { PATCH_CHECK_NAMES, type PatchCheckName } from './verify';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const haveUefiExtract = spawnSync('UEFIExtract', [], { stdio: 'ignore' }).status !== null;

const GOP = 'gop-vbt/adl/IntelGopDriver.efi';
const VBT = 'gop-vbt/adl/vbt.bin';
// What users get (default preset, the stream continued); one build also with the fast one.
const OVMFS: { rel: string; preset: 'fast' | 'default' }[] = [
  { rel: 'ovmf/debian-bookworm/OVMF_CODE_4M.fd', preset: 'default' },
  { rel: 'ovmf/debian-bookworm/OVMF_CODE_4M.secboot.fd', preset: 'default' },
  { rel: 'ovmf/debian-bookworm/OVMF_CODE.fd', preset: 'fast' },
  { rel: 'ovmf/kholia-osx-kvm/OVMF_CODE.fd', preset: 'default' },
];
const ALL_FOUR = [GOP_FILE_GUID, VBT_FILE_GUID, POLICY_FILE_GUID, IGD_ASSIGNMENT_FILE_GUID];
const have = haveFixtures && existsSync(fixturePath(GOP));
if (!have) console.warn(`[skip] OVMF patch tests: ${noFixturesReason || `${GOP} missing`}`);

const tmp = mkdtempSync(join(tmpdir(), 'ovmf-patch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * UEFIExtract's view of an image: one report row per file (`GUID | type | name`, without sizes
 * or offsets), and the parser's messages (which it prints only while dumping).
 */
function uefiExtract(image: Uint8Array, name: string): { files: string[]; messages: string[] } {
  const dir = mkdtempSync(join(tmp, 'ue-'));
  const path = join(dir, name);
  writeFileSync(path, image);
  execFileSync('UEFIExtract', [path, 'report'], { stdio: 'ignore' });
  const messages = execFileSync('UEFIExtract', [path, 'dump'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.trim());
  const files = readFileSync(`${path}.report.txt`, 'utf8')
    .split('\n')
    .filter((r) => r.startsWith(' File'))
    .map((r) =>
      r
        .split('|')
        .slice(5)
        .join('|')
        .replace(/^[\s-]+/, '')
        .trim(),
    );
  rmSync(dir, { recursive: true, force: true });
  return { files, messages };
}

function dxeFiles(root: FirmwareNode): FirmwareNode[] {
  return locateOvmf(root).dxeFv.children.filter((n) => n.kind === 'file');
}

/** The decoded LZMA payload (PEIFV + DXEFV) of an OVMF image, as our reader sees it. */
async function payloadOf(image: Uint8Array): Promise<Uint8Array> {
  return locateOvmf(await parseFirmware(image)).lzmaSection.decoded!.bytes;
}

const sectionTypes = (file: FirmwareNode) => file.children.map((s) => s.type);

const gop = () => readFixture(GOP);
const vbt = () => readFixture(VBT);

/** Each fixture is patched once (the LZMA step dominates) and the result shared by tests. */
const patched = new Map<string, ReturnType<typeof patchOvmf>>();
function patchFixture(rel: string, preset: 'fast' | 'default' = 'default') {
  if (!patched.has(rel))
    patched.set(rel, patchOvmf({ ovmf: readFixture(rel), gop: gop(), vbt: vbt(), preset }));
  return patched.get(rel)!;
}

describe.skipIf(!have)('patchOvmf on real OVMF builds', () => {
  for (const { rel, preset } of OVMFS) {
    it.skipIf(!existsSync(fixturePath(rel)))(
      `${rel}: the GOP and VBT are found again, and UEFIExtract sees the old files plus ours`,
      async () => {
        const ovmf = readFixture(rel);
        const r = await patchFixture(rel, preset);
        expect(r.image.length).toBe(ovmf.length);
        expect(r.sha256).toBe(sha256(r.image));
        expect(r.files.map((f) => f.guid)).toEqual(ALL_FOUR);
        expect(r.removed).toEqual([]);
        // The self-check reports every check, in order, for people in both languages.
        expect(r.checks.map((c) => c.name)).toEqual([...PATCH_CHECK_NAMES]);
        const detail = (name: PatchCheckName) => r.checks.find((c) => c.name === name)!.detail;
        expect(detail('size')).toEqual({
          en: `${ovmf.length} bytes, as the original`,
          'zh-CN': `${ovmf.length} 字节，与原文件相同`,
        });
        expect(detail('new files')).toEqual({
          en: 'IntelGopDriver, Vbt, PlatformGopPolicy, IgdAssignment: each once, byte for byte',
          'zh-CN': 'IntelGopDriver, Vbt, PlatformGopPolicy, IgdAssignment：各出现一次，逐字节相同',
        });

        // Our own reader, from scratch: the injected GOP and VBT are the candidates, exactly.
        const found = await findCandidates(await parseFirmware(r.image));
        expect(found.gops.map((g) => g.sha256)).toEqual([sha256(gop())]);
        expect(found.vbts.map((v) => v.sha256)).toContain(
          r.files.find((f) => f.role === 'vbt')!.contentSha256,
        );
        // The payload's compressed stream is kept up to just before its first changed byte,
        // and xz reads the continued stream as the payload our reader sees.
        const payload = await payloadOf(r.image);
        const changed = firstDifference(await payloadOf(ovmf), payload);
        expect(r.payloadSize).toBe(payload.length);
        expect(r.payloadKept).toBeLessThan(changed);
        expect(r.payloadKept).toBeGreaterThanOrEqual(changed - 273);
        if (haveXz) {
          const [section] = findLzmaSections(r.image);
          expect(section.stream.length).toBe(r.compressedAfter);
          expect(sha256(xzDecompress(section.stream))).toBe(sha256(payload));
        }
        const names = dxeFiles(await parseFirmware(r.image)).map((f) => f.name);
        expect(names.slice(-4)).toEqual([
          'IntelGopDriver',
          undefined,
          'PlatformGopPolicy',
          'IgdAssignment',
        ]);

        if (haveUefiExtract) {
          const before = uefiExtract(ovmf, 'before.fd');
          const after = uefiExtract(r.image, 'after.fd');
          expect(before.files.filter((row) => !after.files.includes(row))).toEqual([]);
          const added = after.files.filter((row) => !before.files.includes(row));
          expect(added.map((row) => row.split(' ')[0]).sort()).toEqual([...ALL_FOUR].sort());
          expect(added.find((row) => row.startsWith(GOP_FILE_GUID))).toContain('IntelGopDriver');
          expect(after.messages.filter((m) => !before.messages.includes(m))).toEqual([]);
        }
      },
    );
  }

  it('patching the patched image again with the same inputs gives the same bytes', async () => {
    const once = await patchFixture(OVMFS[0].rel);
    const twice = await patchOvmf({ ovmf: once.image, gop: gop(), vbt: vbt(), preset: 'fast' });
    expect(twice.removed.map((f) => f.guid)).toEqual(ALL_FOUR);
    expect(twice.sha256).toBe(once.sha256);
  });

  it('reports while the payload is joined and while the image is rebuilt after the encoder', async () => {
    const rel = OVMFS[0].rel;
    const reports: { phase: string; done: number; total: number }[] = [];
    const r = await patchOvmf({
      ovmf: readFixture(rel),
      gop: gop(),
      vbt: vbt(),
      onProgress: (p) => reports.push({ ...p }),
    });
    expect(r.sha256).toBe((await patchFixture(rel)).sha256);
    const phases = reports.map((p) => p.phase);
    const firstCompress = phases.indexOf('compress');
    const firstVerify = phases.indexOf('verify');
    const lastBuild = phases.lastIndexOf('build');
    // The build's last step (the DXEFV section), then the joined payload before its compare.
    expect(lastBuild).toBe(firstCompress - 1);
    const buildEnd = reports.filter((p) => p.phase === 'build' && p.done === p.total);
    expect(buildEnd.length).toBe(2);
    // After the encoder's end: the LZMA section, the FV file, FVMAIN_COMPACT and the image.
    const encoderEnd = reports.findIndex((p) => p.phase === 'compress' && p.done === p.total);
    expect(encoderEnd).toBeGreaterThan(firstCompress);
    const between = reports.slice(encoderEnd + 1, firstVerify);
    expect(between).toEqual(Array(4).fill(reports[encoderEnd]));
  });

  it('with the payload encoded afresh, the image holds the same payload', async () => {
    const rel = OVMFS[0].rel;
    const resumed = await patchFixture(rel);
    const full = await patchOvmf({
      ovmf: readFixture(rel),
      gop: gop(),
      vbt: vbt(),
      preset: 'fast',
      recompress: 'full',
    });
    expect(full.payloadKept).toBe(0);
    expect(full.compressedAfter).not.toBe(resumed.compressedAfter);
    const payload = sha256(await payloadOf(full.image));
    expect(sha256(await payloadOf(resumed.image))).toBe(payload);
    if (haveXz) {
      const [section] = findLzmaSections(full.image);
      expect(sha256(xzDecompress(section.stream))).toBe(payload);
    }
  });

  it('replaces the files of a classic MMTool patch and lays GOP and VBT out as it did', async () => {
    const rel = 'ovmf/gk41-pve-ovmf/OVMF_CODE.fd';
    if (!existsSync(fixturePath(rel))) return;
    const old = readFixture(rel);
    const oldFiles = dxeFiles(await parseFirmware(old));
    const r = await patchOvmf({ ovmf: old, gop: gop(), vbt: vbt(), preset: 'fast' });
    expect(r.removed.map((f) => f.guid)).toEqual([GOP_FILE_GUID, VBT_FILE_GUID, POLICY_FILE_GUID]);
    const newFiles = dxeFiles(await parseFirmware(r.image));
    for (const guid of [GOP_FILE_GUID, VBT_FILE_GUID]) {
      const theirs = oldFiles.find((f) => f.guid === guid)!;
      const ours = newFiles.filter((f) => f.guid === guid);
      expect(ours).toHaveLength(1);
      expect(ours[0].type).toBe(theirs.type);
      expect(sectionTypes(ours[0])).toEqual(sectionTypes(theirs));
    }
    expect(newFiles.find((f) => f.guid === GOP_FILE_GUID)!.children[0].raw.length - 4).toBe(
      gop().length,
    );
    // Every other file of their DXEFV is still there, in the same order.
    const others = (files: FirmwareNode[]) =>
      files.filter((f) => !ALL_FOUR.includes(f.guid!)).map((f) => f.guid);
    expect(others(newFiles)).toEqual(others(oldFiles));
  });

  it('leaves IgdAssignment out on request', async () => {
    const r = await patchOvmf({
      ovmf: readFixture(OVMFS[0].rel),
      gop: gop(),
      vbt: vbt(),
      igdAssignment: false,
      preset: 'fast',
    });
    expect(r.files.map((f) => f.guid)).toEqual(ALL_FOUR.slice(0, 3));
    const guids = dxeFiles(await parseFirmware(r.image)).map((f) => f.guid);
    expect(guids).not.toContain(IGD_ASSIGNMENT_FILE_GUID);
  });

  it('says how many bytes are missing when the payload cannot fit, and the number is right', async () => {
    // A GOP followed by noise: noise does not compress, so each byte of it costs a byte.
    const withNoise = (n: number) => {
      const out = new Uint8Array(gop().length + n);
      out.set(gop());
      for (let i = gop().length, x = 1; i < out.length; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        out[i] = x >>> 24;
      }
      return out;
    };
    const ovmf = readFixture(OVMFS[0].rel);
    const noise = 3 << 20;
    const err = await patchOvmf({ ovmf, gop: withNoise(noise), vbt: vbt(), preset: 'fast' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FirmwareError);
    expect((err as FirmwareError).code).toBe('no-space');
    expect((err as FirmwareError).message).toMatch(/Leave IgdAssignment out/);
    const over = Number(/payload is (\d+) bytes/.exec((err as FirmwareError).message)?.[1]);
    expect(over).toBeGreaterThan(0);
    // With `over` bytes (plus 4 KiB) less noise it fits, just: LZMA spends up to ~2% more
    // than a byte on a byte of noise, so a little more than the 4 KiB is left over.
    const fits = await patchOvmf({
      ovmf,
      gop: withNoise(noise - over - 4096),
      vbt: vbt(),
      preset: 'fast',
    });
    expect(fits.compactFree).toBeGreaterThan(0);
    expect(fits.compactFree).toBeLessThan(4096 + over * 0.02);
  });
});

describe.skipIf(!have)('patchOvmf refuses what is not an OVMF code image', () => {
  const patch = (ovmf: Uint8Array) =>
    patchOvmf({ ovmf, gop: readFixture(GOP), vbt: readFixture(VBT) }).catch((e: unknown) => e);

  it('an OVMF_VARS file', async () => {
    const e = (await patch(readFixture('ovmf/debian-bookworm/OVMF_VARS_4M.fd'))) as FirmwareError;
    expect(e.code).toBe('unrecognized');
    expect(e.message).toMatch(/OVMF_VARS file .* drop OVMF_CODE_4M\.fd/);
  });

  it('a vendor BIOS', async () => {
    const e = (await patch(readFixture('vendor-like/aptio5-spi.bin'))) as FirmwareError;
    expect(e.code).toBe('unrecognized');
    expect(e.message).toMatch(/not an OVMF code image .* step 1/);
  });

  it('an ARM (AAVMF) image', async () => {
    // A volume whose driver is an AArch64 PE: the GOP with its Machine field set to 0xAA64.
    const pe = readFixture(GOP).slice();
    const machine = new DataView(pe.buffer).getUint32(0x3c, true) + 4;
    pe[machine] = 0x64;
    pe[machine + 1] = 0xaa;
    const driver = buildFile({
      guid: '11111111-2222-3333-4444-555555555555',
      type: FileType.DRIVER,
      sections: [buildSection(SectionType.PE32, pe)],
    });
    const e = (await patch(buildVolume({ files: [driver], size: 0x40000 }))) as FirmwareError;
    expect(e.code).toBe('unrecognized');
    expect(e.message).toMatch(/ARM firmware image \(AAVMF/);
  });

  it('random bytes', async () => {
    const e = (await patch(new Uint8Array(65536).fill(0x5a))) as FirmwareError;
    expect(e).toBeInstanceOf(FirmwareError);
    expect(e.code).toBe('unrecognized');
  });

  it('a GOP that is not a GOP, and a VBT that is not a VBT', async () => {
    const ovmf = readFixture(OVMFS[0].rel);
    const notGop = await patchOvmf({ ovmf, gop: readFixture(VBT), vbt: readFixture(VBT) }).catch(
      (e: unknown) => e,
    );
    expect((notGop as FirmwareError).code).toBe('bad-input');
    const notVbt = await patchOvmf({ ovmf, gop: readFixture(GOP), vbt: readFixture(GOP) }).catch(
      (e: unknown) => e,
    );
    expect(notVbt).toBeInstanceOf(FirmwareError);
  });
});

// The finder in a patched image: only DXEFV's copies, none in the payload's other volume.
describe.skipIf(!have)('the layout of a patched image', () => {
  it('DXEFV keeps its FvLength and the GOP sits in a DRIVER file with PE32, UI, VERSION', async () => {
    const ovmf = readFixture(OVMFS[0].rel);
    const r = await patchOvmf({
      ovmf,
      gop: readFixture(GOP),
      vbt: readFixture(VBT),
      preset: 'fast',
    });
    const before = locateOvmf(await parseFirmware(ovmf));
    const after = locateOvmf(await parseFirmware(r.image));
    expect(after.dxeFv.fields.fvLength).toBe(before.dxeFv.fields.fvLength);
    expect(after.peiFv.fields.fvLength).toBe(before.peiFv.fields.fvLength);
    const gopFile = findAll(after.dxeFv, (n) => n.guid === GOP_FILE_GUID)[0];
    expect(gopFile.type).toBe('DRIVER');
    expect(sectionTypes(gopFile)).toEqual(['PE32', 'USER_INTERFACE', 'VERSION']);
    // The fixture's GOP is 21.0.1066 (fixtures README); the VERSION section says what it can.
    expect(gopFile.children[2].text).toMatch(/^21\..+\.1066$/);
    expect(gopFile.children[2].fields.buildNumber).toBe(1066);
    const policy = findAll(after.dxeFv, (n) => n.guid === POLICY_FILE_GUID)[0];
    expect(sectionTypes(policy)).toEqual(['DXE_DEPEX', 'PE32', 'USER_INTERFACE']);
    expect(policy.children[0].text).toBe('TRUE\nEND');
  });
});
