// Our UEFI drivers in Debian's stock OVMF (TCG): the policy driver hands out the VBT we
// embedded with appendPeSection, IgdAssignment does nothing without an Intel iGPU, and the
// OpRegion→VBT lookup runs on a synthetic OpRegion delivered through fw_cfg. QEMU emulates no
// Intel display device, so the iGPU paths run against test-only PCI I/O instances
// (src/drivers/test-fake-pci.c) that log every config write our drivers make; a test-only
// driver publishes an extra firmware volume for the VBT-file path.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootOvmf, noQemuReason, stockOvmf, vbtTestReport } from '../helpers/qemu';
import { fixturePath, haveFixtures, noFixturesReason, readFixture } from '../helpers/fixtures';
import { existsSync } from 'node:fs';
import { appendPeSection } from '../../src/lib/firmware/pe/append-section';
import {
  driverBytes,
  igdAssignment,
  platformGopPolicy,
  testFakePci,
  testFvPublish,
  vbtTestApp,
} from '../../src/lib/firmware/drivers/generated';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileType,
  SectionType,
} from '../../fixtures/builder/index';

if (noQemuReason) console.warn(`[skip] QEMU driver tests: ${noQemuReason}`);

const VBT_FIXTURE = 'gop-vbt/adl/vbt.bin';
const haveVbt = haveFixtures && existsSync(fixturePath(VBT_FIXTURE));
if (!haveVbt)
  console.warn(
    `[skip] embedded-VBT cases: ${haveFixtures ? `${VBT_FIXTURE} missing` : noFixturesReason}`,
  );

const EFI_UNSUPPORTED = '0x8000000000000003';
const EFI_NOT_FOUND = '0x800000000000000e';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A minimal VBT: 0x30-byte header, BDB header, one block; `badChecksum` leaves Σ8 ≠ 0. */
function syntheticVbt(badChecksum: boolean): Uint8Array {
  const size = 0x30 + 0x16 + 3 + 8;
  const v = new Uint8Array(size);
  const dv = new DataView(v.buffer);
  v.set(new TextEncoder().encode('$VBT QEMU-TEST      '), 0);
  dv.setUint16(0x14, 100, true);
  dv.setUint16(0x16, 0x30, true);
  dv.setUint16(0x18, size, true);
  dv.setUint32(0x1c, 0x30, true);
  v.set(new TextEncoder().encode('BIOS_DATA_BLOCK '), 0x30);
  dv.setUint16(0x40, 230, true);
  dv.setUint16(0x42, 0x16, true);
  dv.setUint16(0x44, 0x16 + 3 + 8, true);
  v.set([1, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8], 0x46);
  let sum = 0;
  for (const b of v) sum = (sum + b) & 0xff;
  v[0x1a] = (0x100 - sum + (badChecksum ? 1 : 0)) & 0xff;
  return v;
}

/** An 8 KiB OpRegion (i915 layout): version major.minor, VBT in mailbox 4 or after it via RVDA/RVDS. */
function syntheticOpRegion(vbt: Uint8Array, mode: 'mailbox4' | 'rvda'): Uint8Array {
  const extra = mode === 'rvda' ? vbt.length : 0;
  const o = new Uint8Array(0x2000 + extra);
  const dv = new DataView(o.buffer);
  o.set(new TextEncoder().encode('IntelGraphicsMem'), 0);
  dv.setUint32(0x10, 8, true); // size in KiB
  o[0x16] = mode === 'rvda' ? 1 : 0; // minor
  o[0x17] = 2; // major
  if (mode === 'rvda') {
    dv.setBigUint64(0x3ba, 0x2000n, true); // RVDA: relative to the OpRegion from 2.1 on
    dv.setUint32(0x3c2, vbt.length, true); // RVDS
    o.set(vbt, 0x2000);
  } else {
    o.set(vbt, 0x400);
  }
  return o;
}

const tmp = mkdtempSync(join(tmpdir(), 'drivers-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fwCfgFile(name: string, bytes: Uint8Array): string[] {
  const f = join(tmp, name.replace(/\W/g, '_'));
  writeFileSync(f, bytes);
  return ['-fw_cfg', `name=${name},file=${f}`];
}

const le64 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
};

describe.skipIf(!!noQemuReason)('our drivers in stock OVMF', () => {
  it.skipIf(!haveVbt)('PlatformGopPolicy returns the VBT embedded as a .vbt section', async () => {
    const vbt = readFixture(VBT_FIXTURE);
    const policy = appendPeSection(driverBytes(platformGopPolicy), '.vbt', vbt).image;
    const r = await bootOvmf({
      code: stockOvmf!.code,
      debugcon: true,
      espFiles: { 'PlatformGopPolicy.efi': policy, 'VbtTestApp.efi': driverBytes(vbtTestApp) },
      // Loaded twice: the second copy must see the protocol and install nothing.
      commands: ['load PlatformGopPolicy.efi', 'load PlatformGopPolicy.efi', 'VbtTestApp.efi'],
      timeoutMs: 60_000,
    });
    expect(r.timedOut, r.serial.slice(-2000)).toBe(false);
    const rep = vbtTestReport(r.serial);
    expect(rep.get('policy'), r.serial.slice(-2000)).toBe('found revision=1');
    expect(rep.get('lid-status')).toBe(EFI_UNSUPPORTED);
    expect(rep.get('getvbt-status')).toBe('0x0');
    expect(rep.get('vbt-below-4g')).toBe('1');
    expect(rep.get('vbt-size')).toBe(String(vbt.length));
    expect(rep.get('vbt-signature')).toBe(
      `"${new TextDecoder('latin1').decode(vbt.subarray(0, 20))}"`,
    );
    expect(rep.get('vbt-sha256')).toBe(sha256(vbt));
    expect(r.debugcon).toContain('PlatformGopPolicy: install Revision 1: ok');
    expect(r.debugcon).toContain('PlatformGopPolicy: protocol already installed, nothing to do');
    expect(r.debugcon).toMatch(/VBT from own \.vbt section at 0x[0-9a-f]+, 8704 bytes/);
    // The app's lines reach the debug port too.
    expect(r.debugcon).toContain(`VBTTEST vbt-sha256=${sha256(vbt)}`);
  });

  it.skipIf(!haveVbt)(
    'VBT only in an fw_cfg OpRegion (2.1, RVDA): policy finds none without an iGPU; the OpRegion lookup finds it; IgdAssignment changes nothing',
    async () => {
      const vbt = readFixture(VBT_FIXTURE);
      const opregion = syntheticOpRegion(vbt, 'rvda');
      const r = await bootOvmf({
        code: stockOvmf!.code,
        debugcon: true,
        espFiles: {
          'PlatformGopPolicy.efi': driverBytes(platformGopPolicy),
          'IgdAssignment.efi': driverBytes(igdAssignment),
          'VbtTestApp.efi': driverBytes(vbtTestApp),
        },
        commands: [
          'load IgdAssignment.efi',
          'load IgdAssignment.efi',
          'load PlatformGopPolicy.efi',
          'VbtTestApp.efi',
        ],
        extraArgs: [
          // An Intel device that is not a display at 00:02.0: both drivers must look at the class too.
          '-device',
          'e1000,addr=02.0,romfile=',
          ...fwCfgFile('etc/igd-opregion', opregion),
          ...fwCfgFile('etc/igd-bdsm-size', le64(64 << 20)),
        ],
        timeoutMs: 60_000,
      });
      expect(r.timedOut, r.serial.slice(-2000)).toBe(false);
      const rep = vbtTestReport(r.serial);
      expect(rep.get('policy'), r.serial.slice(-2000)).toBe('found revision=1');
      // No embedded VBT, no VBT file in stock OVMF, no Intel device at 00:02.0 to hold ASLS.
      expect(rep.get('getvbt-status')).toBe(EFI_NOT_FOUND);
      expect(r.debugcon).toContain(
        'PlatformGopPolicy: no Intel display device at 00:02.0 (id 0x100e8086, class 0x2), no OpRegion',
      );
      // The same lookup code on the fw_cfg blob: version 2.1, VBT at RVDA, RVDS bytes.
      expect(rep.get('fwcfg-opregion')).toBe(`${opregion.length} bytes, version 2.1`);
      expect(rep.get('opregion-vbt-offset')).toBe('0x2000');
      expect(rep.get('opregion-vbt-size')).toBe(String(vbt.length));
      expect(rep.get('opregion-vbt-sha256')).toBe(sha256(vbt)); // its checksum was already right
      // IgdAssignment: both copies log the missing iGPU and write nothing.
      const none =
        r.debugcon.match(/IgdAssignment: no Intel iGPU at 00:02\.0 yet, nothing changed/g) ?? [];
      expect(none).toHaveLength(2);
      expect(r.debugcon).toContain(
        'IgdAssignment: 0000:00:02.0 8086:100e class 02: not an Intel iGPU at 00:02.0, skipped',
      );
      expect(r.debugcon).not.toMatch(/ASLS write|BDSM@/);
    },
  );

  it('OpRegion 2.0 with the VBT in mailbox 4: found and its checksum fixed; IgdAssignment leaves an ASLS the host already set alone', async () => {
    const vbt = syntheticVbt(true);
    const fixed = syntheticVbt(false);
    const presetAsls = 0x00100000;
    const r = await bootOvmf({
      code: stockOvmf!.code,
      debugcon: true,
      espFiles: {
        'VbtTestApp.efi': driverBytes(vbtTestApp),
        'TestFakePci.efi': driverBytes(testFakePci),
        'IgdAssignment.efi': driverBytes(igdAssignment),
      },
      commands: ['load TestFakePci.efi', 'load IgdAssignment.efi', 'VbtTestApp.efi'],
      extraArgs: [
        ...fwCfgFile('etc/igd-opregion', syntheticOpRegion(vbt, 'mailbox4')),
        ...fwCfgFile(
          'opt/ogp/fake-pci',
          fakePci([
            { dev: 2, vendor: 0x8086, device: 0x46a6, classCode: 0x030000, asls: presetAsls },
          ]),
        ),
      ],
      timeoutMs: 60_000,
    });
    expect(r.debugcon).toContain('IgdAssignment: ASLS already 0x100000, nothing to do');
    expect(r.debugcon).not.toMatch(/FAKEPCI 00:02\.0 write/);
    expect(vbtTestReport(r.serial).get('igd-asls')).toBe('0x100000');
    expect(r.timedOut, r.serial.slice(-2000)).toBe(false);
    const rep = vbtTestReport(r.serial);
    expect(rep.get('policy'), r.serial.slice(-2000)).toMatch(/^absent/);
    expect(rep.get('fwcfg-opregion')).toBe('8192 bytes, version 2.0');
    expect(rep.get('opregion-vbt-offset')).toBe('0x400');
    expect(rep.get('opregion-vbt-size')).toBe(String(fixed.length));
    expect(rep.get('opregion-vbt-signature')).toBe('"$VBT QEMU-TEST      "');
    expect(rep.get('opregion-vbt-sha256')).toBe(sha256(fixed));
    expect(sha256(fixed)).not.toBe(sha256(vbt));
  });
});

// ---- With a fake Intel iGPU: the paths that otherwise need real GVT-d hardware ----------------

interface FakeDevice {
  dev: number;
  vendor: number;
  device: number;
  /** base class << 16 | subclass << 8 | interface */
  classCode: number;
  asls?: number;
}

/** opt/ogp/fake-pci records: {bus, device, function, 0, config[256]} (test-fake-pci.c). */
function fakePci(devices: FakeDevice[]): Uint8Array {
  const out = new Uint8Array(devices.length * 260);
  devices.forEach((d, i) => {
    const r = out.subarray(i * 260, (i + 1) * 260);
    const cfg = new DataView(r.buffer, r.byteOffset + 4, 256);
    r[1] = d.dev;
    cfg.setUint16(0, d.vendor, true);
    cfg.setUint16(2, d.device, true);
    cfg.setUint32(8, (d.classCode << 8) | 0x0c, true); // class code + revision
    cfg.setUint32(0xfc, d.asls ?? 0, true);
  });
  return out;
}

/** A firmware volume holding the VBT as OVMF builds it: FREEFORM file 1647B4F3-…-4FEF, one RAW section. */
function vbtVolume(vbt: Uint8Array): Uint8Array {
  const file = buildFile({
    guid: '1647B4F3-3E8A-4FEF-81C8-328ED647AB1A',
    type: FileType.FREEFORM,
    sections: [buildSection(SectionType.RAW, vbt)],
  });
  return buildVolume({
    files: [file],
    size: Math.ceil((0x48 + file.length + 8) / 0x1000) * 0x1000,
  });
}

/** FAKEPCI write lines for one device: [bits, offset, value]. */
function writes(debugcon: string, bdf: string): [number, number, bigint][] {
  const re = new RegExp(
    `^FAKEPCI ${bdf.replace('.', '\\.')} write(\\d+) 0x([0-9a-f]+) = 0x([0-9a-f]+)$`,
  );
  return debugcon
    .split('\n')
    .map((l) => re.exec(l.trim()))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => [Number(m[1]), parseInt(m[2], 16), BigInt('0x' + m[3])]);
}

const MiB = 1 << 20;
const ADL = { dev: 2, vendor: 0x8086, device: 0x46a6, classCode: 0x030000 };
const CFL = { dev: 2, vendor: 0x8086, device: 0x3e92, classCode: 0x030000 };

describe.skipIf(!!noQemuReason)('our drivers with a fake Intel iGPU at 00:02.0', () => {
  const files = {
    'TestFakePci.efi': driverBytes(testFakePci),
    'TestFvPublish.efi': driverBytes(testFvPublish),
    'IgdAssignment.efi': driverBytes(igdAssignment),
    'PlatformGopPolicy.efi': driverBytes(platformGopPolicy),
    'VbtTestApp.efi': driverBytes(vbtTestApp),
  };

  it.skipIf(!haveVbt)(
    'Gen12 (ADL, 64-bit BDSM) present before IgdAssignment loads (twice): OpRegion in ACPI NVS, 1 MiB-aligned reserved stolen memory at 0xC0, policy reads the VBT via ASLS',
    async () => {
      const vbt = readFixture(VBT_FIXTURE);
      const opregion = syntheticOpRegion(vbt, 'rvda');
      const bdsmSize = 64 * MiB;
      const r = await bootOvmf({
        code: stockOvmf!.code,
        debugcon: true,
        espFiles: files,
        commands: [
          'load TestFakePci.efi',
          'load IgdAssignment.efi',
          'load IgdAssignment.efi',
          'load PlatformGopPolicy.efi',
          'VbtTestApp.efi',
        ],
        extraArgs: [
          // An Intel display function at 00:03.0 must be skipped: only 00:02.0 is the IGD.
          ...fwCfgFile('opt/ogp/fake-pci', fakePci([ADL, { ...ADL, dev: 3 }])),
          ...fwCfgFile('etc/igd-opregion', opregion),
          ...fwCfgFile('etc/igd-bdsm-size', le64(bdsmSize)),
        ],
        timeoutMs: 60_000,
      });
      expect(r.timedOut, r.serial.slice(-2000)).toBe(false);
      const d = r.debugcon;
      expect(d).toContain('FAKEPCI 00:02.0 8086:46a6 class 03 installed: ok');
      expect(d).toContain('IgdAssignment: Intel iGPU 8086:46a6 (Gen12) at 0000:00:02.0');
      expect(d).toContain(
        'IgdAssignment: 0000:00:03.0 8086:46a6 class 03: not an Intel iGPU at 00:02.0, skipped',
      );
      // Exactly one ASLS write and one 64-bit BDSM (0xC0 low, 0xC4 high); nothing at 0x5C.
      const w = writes(d, '00:02.0');
      expect(w.map(([bits, off]) => [bits, off])).toEqual([
        [32, 0xfc],
        [32, 0xc0],
        [32, 0xc4],
      ]);
      expect(writes(d, '00:03.0')).toEqual([]);
      const asls = Number(w[0][2]);
      const bdsm = Number(w[1][2] | (w[2][2] << 32n));
      expect(asls % 0x1000).toBe(0);
      expect(bdsm % MiB).toBe(0);
      expect(bdsm + bdsmSize).toBeLessThanOrEqual(2 ** 32);
      expect(d).toContain(
        `IgdAssignment: OpRegion (${opregion.length} bytes) at 0x${asls.toString(16)}, ASLS write ok`,
      );
      expect(d).toContain(
        `IgdAssignment: stolen memory 0x${bdsmSize.toString(16)} bytes at 0x${bdsm.toString(16)}, Gen12 BDSM@0xc0 write ok`,
      );
      // The second copy sees ASLS set and changes nothing.
      expect(d).toContain(`IgdAssignment: ASLS already 0x${asls.toString(16)}, nothing to do`);

      const rep = vbtTestReport(r.serial);
      expect(rep.get('igd')).toBe('8086:46a6');
      expect(rep.get('igd-asls')).toBe(`0x${asls.toString(16)}`);
      expect(rep.get('igd-asls-memtype')).toBe('10'); // EfiACPIMemoryNVS
      expect(rep.get('igd-asls-sha256')).toBe(sha256(opregion));
      expect(rep.get('igd-bdsm64')).toBe(`0x${bdsm.toString(16)}`);
      expect(rep.get('igd-bdsm32')).toBe('0x0');
      expect(rep.get('igd-bdsm-memtype')).toBe('0'); // EfiReservedMemoryType over all 64 MiB

      // The policy driver: no own VBT, no VBT file → ASLS → OpRegion 2.1 → RVDA, copied below 4 GiB.
      expect(rep.get('getvbt-status')).toBe('0x0');
      expect(rep.get('vbt-size')).toBe(String(vbt.length));
      expect(rep.get('vbt-sha256')).toBe(sha256(vbt));
      expect(rep.get('vbt-below-4g')).toBe('1');
      expect(rep.get('vbt-memtype')).toBe('0');
      expect(d).toMatch(
        new RegExp(
          `PlatformGopPolicy: VBT from OpRegion 0x${asls.toString(16)}\\+0x2000, ${vbt.length} bytes, copied to 0x[0-9a-f]+`,
        ),
      );
    },
  );

  it('Gen9 (CFL, 32-bit BDSM) appearing after IgdAssignment loaded: the notify handles it; BDSM at 0x5C; OpRegion 2.0 mailbox-4 VBT with its checksum fixed', async () => {
    const bad = syntheticVbt(true);
    const fixed = syntheticVbt(false);
    const opregion = syntheticOpRegion(bad, 'mailbox4');
    const bdsmSize = 32 * MiB;
    const r = await bootOvmf({
      code: stockOvmf!.code,
      debugcon: true,
      espFiles: files,
      commands: [
        'load IgdAssignment.efi',
        'load TestFakePci.efi',
        'load PlatformGopPolicy.efi',
        'VbtTestApp.efi',
      ],
      extraArgs: [
        ...fwCfgFile('opt/ogp/fake-pci', fakePci([CFL])),
        ...fwCfgFile('etc/igd-opregion', opregion),
        ...fwCfgFile('etc/igd-bdsm-size', le64(bdsmSize)),
      ],
      timeoutMs: 60_000,
    });
    expect(r.timedOut, r.serial.slice(-2000)).toBe(false);
    const d = r.debugcon;
    // At load time there was nothing at 00:02.0 (q35), then the fake device arrived.
    expect(d.indexOf('IgdAssignment: no Intel iGPU at 00:02.0 yet, nothing changed')).toBeLessThan(
      d.indexOf('IgdAssignment: Intel iGPU 8086:3e92 (Gen9) at 0000:00:02.0'),
    );
    const w = writes(d, '00:02.0');
    expect(w.map(([bits, off]) => [bits, off])).toEqual([
      [32, 0xfc],
      [32, 0x5c],
    ]);
    const bdsm = Number(w[1][2]);
    expect(bdsm % MiB).toBe(0);
    expect(d).toContain(
      `IgdAssignment: stolen memory 0x${bdsmSize.toString(16)} bytes at 0x${bdsm.toString(16)}, Gen9 BDSM@0x5c write ok`,
    );
    const rep = vbtTestReport(r.serial);
    expect(rep.get('igd-asls-memtype')).toBe('10');
    expect(rep.get('igd-asls-sha256')).toBe(sha256(opregion));
    expect(rep.get('igd-bdsm32')).toBe(`0x${bdsm.toString(16)}`);
    expect(rep.get('igd-bdsm64')).toBe('0x0');
    expect(rep.get('igd-bdsm-memtype')).toBe('0');
    expect(rep.get('getvbt-status')).toBe('0x0');
    expect(rep.get('vbt-size')).toBe(String(fixed.length));
    expect(rep.get('vbt-sha256')).toBe(sha256(fixed));
    expect(rep.get('vbt-memtype')).toBe('0');
    expect(d).toMatch(/PlatformGopPolicy: VBT from OpRegion 0x[0-9a-f]+\+0x400, \d+ bytes/);
  });

  it.skipIf(!haveVbt)(
    'lookup order 1 > 2: the embedded VBT wins over a VBT file in another firmware volume; without fw_cfg files IgdAssignment writes nothing',
    async () => {
      const embedded = readFixture(VBT_FIXTURE);
      const inFv = syntheticVbt(false);
      const policy = appendPeSection(driverBytes(platformGopPolicy), '.vbt', embedded).image;
      const r = await bootOvmf({
        code: stockOvmf!.code,
        debugcon: true,
        espFiles: { ...files, 'PlatformGopPolicy.efi': policy },
        commands: [
          'load TestFakePci.efi',
          'load TestFvPublish.efi',
          'load IgdAssignment.efi',
          'load PlatformGopPolicy.efi',
          'VbtTestApp.efi',
        ],
        extraArgs: [
          ...fwCfgFile('opt/ogp/fake-pci', fakePci([ADL])),
          ...fwCfgFile('opt/ogp/fv', vbtVolume(inFv)),
        ],
        timeoutMs: 60_000,
      });
      expect(r.timedOut, r.serial.slice(-2000)).toBe(false);
      const d = r.debugcon;
      expect(d).toMatch(/FVPUBLISH: \d+-byte volume at 0x[0-9a-f]+: published/);
      expect(d).toContain('IgdAssignment: fw_cfg etc/igd-opregion absent, ASLS left alone');
      expect(d).toContain('IgdAssignment: fw_cfg etc/igd-bdsm-size absent, BDSM left alone');
      expect(writes(d, '00:02.0')).toEqual([]);
      const rep = vbtTestReport(r.serial);
      expect(rep.get('vbt-sha256')).toBe(sha256(embedded));
      expect(d).toMatch(/VBT from own \.vbt section/);
      expect(d).not.toMatch(/VBT from firmware volume/);
    },
  );

  it.skipIf(!haveVbt)(
    'lookup order 2 > 3: a VBT file in any firmware volume (FV2 on another handle) wins over the OpRegion',
    async () => {
      const inOpRegion = readFixture(VBT_FIXTURE);
      const inFv = syntheticVbt(false);
      const r = await bootOvmf({
        code: stockOvmf!.code,
        debugcon: true,
        espFiles: files,
        commands: [
          'load TestFakePci.efi',
          'load IgdAssignment.efi',
          'load TestFvPublish.efi',
          'load PlatformGopPolicy.efi',
          'VbtTestApp.efi',
        ],
        extraArgs: [
          ...fwCfgFile('opt/ogp/fake-pci', fakePci([ADL])),
          ...fwCfgFile('opt/ogp/fv', vbtVolume(inFv)),
          ...fwCfgFile('etc/igd-opregion', syntheticOpRegion(inOpRegion, 'rvda')),
          ...fwCfgFile('etc/igd-bdsm-size', le64(8 * MiB)),
        ],
        timeoutMs: 60_000,
      });
      expect(r.timedOut, r.serial.slice(-2000)).toBe(false);
      const d = r.debugcon;
      expect(writes(d, '00:02.0').map(([, off]) => off)).toEqual([0xfc, 0xc0, 0xc4]);
      const rep = vbtTestReport(r.serial);
      expect(rep.get('getvbt-status')).toBe('0x0');
      expect(rep.get('vbt-size')).toBe(String(inFv.length));
      expect(rep.get('vbt-sha256')).toBe(sha256(inFv));
      expect(d).toContain(`PlatformGopPolicy: VBT from firmware volume file, ${inFv.length} bytes`);
      expect(d).not.toMatch(/VBT from OpRegion/);
    },
  );
});
