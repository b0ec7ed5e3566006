// Patched OVMF images booted for real: the shell's `drivers` must list the Intel GOP (loaded from
// DXEFV by the DXE dispatcher), the VBT test app must get exactly the injected VBT from our
// PlatformGopPolicy, and IgdAssignment must say on the debug console that it ran.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { driverBytes, vbtTestApp } from '../../src/lib/firmware/drivers/generated';
import { parseVbt } from '../../src/lib/firmware/gop/vbt';
import { patchOvmf } from '../../src/lib/firmware/ovmf/patch';
import { parseFirmware } from '../../src/lib/firmware/parse';
import { findAll } from '../../src/lib/firmware/tree/node';
import { fixturePath, haveFixtures, noFixturesReason, readFixture } from '../helpers/fixtures';
import {
  bootOvmfQueued,
  FIXTURE_OVMF_BUILDS,
  noQemuReason,
  vbtTestReport,
  type BootResult,
} from '../helpers/qemu';

const GOP = 'gop-vbt/adl/IntelGopDriver.efi';
const VBT = 'gop-vbt/adl/vbt.bin';
const SHELL_FILE = '7C04A583-9E3E-4F1C-AD65-E05268D0B4D1';
const have = (rel: string) => haveFixtures && existsSync(fixturePath(rel));
const skip = noQemuReason || (!have(GOP) ? noFixturesReason || `${GOP} missing` : '');
if (skip) console.warn(`[skip] patched OVMF QEMU tests: ${skip}`);

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const tmp = mkdtempSync(join(tmpdir(), 'ovmf-patch-qemu-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Secure-boot builds start the shell from the ESP, as a build without one of its own would.
// OSX-KVM's FVMAIN_COMPACT is nearly full: only the default LZMA preset fits there.
const CASES = FIXTURE_OVMF_BUILDS.map((b) => ({
  ...b,
  preset: b.code.includes('kholia') ? ('default' as const) : ('fast' as const),
}));
type Case = (typeof CASES)[number];

/** The UEFI Shell application, taken by our reader out of a plain build. */
async function shellFromPlainBuild(): Promise<Uint8Array> {
  const root = await parseFirmware(readFixture(CASES[0].code));
  const file = findAll(root, (n) => n.kind === 'file' && n.guid === SHELL_FILE)[0];
  const pe = findAll(file, (n) => n.kind === 'section' && n.type === 'PE32')[0];
  return pe.raw.subarray(pe.headerSize);
}

async function boot(c: Case, code: string): Promise<BootResult> {
  const espFiles: Record<string, Uint8Array> = { 'VbtTestApp.efi': driverBytes(vbtTestApp) };
  if (c.smm) espFiles['EFI/BOOT/BOOTX64.EFI'] = await shellFromPlainBuild();
  return bootOvmfQueued({
    code,
    vars: fixturePath(c.vars),
    smm: c.smm,
    debugcon: true,
    espFiles,
    commands: ['drivers', 'VbtTestApp.efi'],
    timeoutMs: 150_000,
  });
}

describe.skipIf(!!skip)(
  'patched OVMF images boot with the GOP and our drivers',
  { concurrent: true },
  () => {
    for (const c of CASES) {
      it.skipIf(!have(c.code) || !have(c.vars))(c.label, async () => {
        const gop = readFixture(GOP);
        const vbt = readFixture(VBT);
        const r = await patchOvmf({
          ovmf: readFixture(c.code),
          gop,
          vbt,
          preset: c.preset,
        });
        const code = join(tmp, `${c.code.replace(/\W/g, '_')}.fd`);
        writeFileSync(code, r.image);

        const b = await boot(c, code);
        expect(b.timedOut, b.serial.slice(-3000)).toBe(false);
        expect(b.serial).toMatch(/PCI Bus Driver/); // `drivers` ran
        expect(b.serial).toContain('VBTTEST done');
        // The GOP is listed by its own name and version, loaded from its FFS file in DXEFV.
        expect(b.serial).toMatch(/Intel\(R\) GOP Driver \[21\.\d+\.1066\]\s+IntelGopDriver/);
        if (c.smm) expect(b.serial).toMatch(/starting Boot\d+ "UEFI QEMU HARDDISK/);
        const rep = vbtTestReport(b.serial);
        expect(rep.get('policy')).toBe('found revision=1');
        expect(rep.get('getvbt-status')).toBe('0x0');
        const injected = parseVbt(vbt).bytes;
        expect(rep.get('vbt-size')).toBe(String(injected.length));
        expect(rep.get('vbt-sha256')).toBe(sha256(injected));
        expect(b.debugcon).toContain('PlatformGopPolicy: install Revision 1: ok');
        expect(b.debugcon).toContain(
          `PlatformGopPolicy: VBT from firmware volume file, ${injected.length} bytes`,
        );
        // IgdAssignment ran once from DXEFV and found no Intel iGPU in this VM.
        expect(
          b.debugcon.match(/IgdAssignment: no Intel iGPU at 00:02\.0 yet, nothing changed/g),
        ).toHaveLength(1);
      });
    }
  },
);
