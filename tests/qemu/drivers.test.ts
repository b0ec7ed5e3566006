// Our UEFI drivers in Debian's stock OVMF (TCG): the policy driver hands out the VBT we
// embedded with appendPeSection, IgdAssignment does nothing without an Intel iGPU, and the
// OpRegion→VBT lookup runs on a synthetic OpRegion delivered through fw_cfg.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootOvmf, noQemuReason, stockOvmf } from '../helpers/qemu';
import { fixturePath, haveFixtures, noFixturesReason, readFixture } from '../helpers/fixtures';
import { existsSync } from 'node:fs';
import { appendPeSection } from '../../src/lib/firmware/pe/append-section';
import {
  driverBytes,
  igdAssignment,
  platformGopPolicy,
  vbtTestApp,
} from '../../src/lib/firmware/drivers/generated';

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

/** The app's `VBTTEST key=value` lines (console), last value wins. */
function report(serial: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of serial.split('\n')) {
    const r = /VBTTEST ([\w-]+)=(.*)$/.exec(line.trimStart());
    if (r) m.set(r[1], r[2]);
  }
  return m;
}

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
    const rep = report(r.serial);
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
      const rep = report(r.serial);
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

  it('OpRegion 2.0 with the VBT in mailbox 4: found and its checksum fixed', async () => {
    const vbt = syntheticVbt(true);
    const fixed = syntheticVbt(false);
    const r = await bootOvmf({
      code: stockOvmf!.code,
      debugcon: true,
      espFiles: { 'VbtTestApp.efi': driverBytes(vbtTestApp) },
      commands: ['VbtTestApp.efi'],
      extraArgs: fwCfgFile('etc/igd-opregion', syntheticOpRegion(vbt, 'mailbox4')),
      timeoutMs: 60_000,
    });
    expect(r.timedOut, r.serial.slice(-2000)).toBe(false);
    const rep = report(r.serial);
    expect(rep.get('policy'), r.serial.slice(-2000)).toMatch(/^absent/);
    expect(rep.get('fwcfg-opregion')).toBe('8192 bytes, version 2.0');
    expect(rep.get('opregion-vbt-offset')).toBe('0x400');
    expect(rep.get('opregion-vbt-size')).toBe(String(fixed.length));
    expect(rep.get('opregion-vbt-signature')).toBe('"$VBT QEMU-TEST      "');
    expect(rep.get('opregion-vbt-sha256')).toBe(sha256(fixed));
    expect(sha256(fixed)).not.toBe(sha256(vbt));
  });
});
