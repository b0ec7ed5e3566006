// The iGPU option ROM in unpatched OVMF: attached as the ROM BAR of an emulated e1000, OVMF's PCI
// bus driver must start every driver in it. Checked from the outside: the shell's `drivers` list
// (with the ROM offsets OVMF itself reports for the GOP image), the VBT test app's GetVbtData
// report, and our drivers' lines on the debug console.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bootOvmfQueued,
  FIXTURE_OVMF_BUILDS,
  noQemuReason,
  stockOvmf,
  vbtTestReport,
  type BootResult,
} from '../helpers/qemu';
import {
  fixtureJson,
  fixturePath,
  haveFixtures,
  noFixturesReason,
  readFixture,
} from '../helpers/fixtures';
import { driverBytes, vbtTestApp } from '../../src/lib/firmware/drivers/generated';
import { buildIgdRom, type IgdRomOptions } from '../../src/lib/firmware/igd/rom';
import { readOptionRomTree } from '../../src/lib/firmware/oprom/verify';
import { romCommand } from '../../src/cli/commands/rom';

if (noQemuReason) console.warn(`[skip] option ROM QEMU tests: ${noQemuReason}`);

const GOP = 'gop-vbt/adl/IntelGopDriver.efi';
const VBT = 'gop-vbt/adl/vbt.bin';
const BIOS = 'vendor-like/aptio5-spi.bin';
const have = (rel: string) => haveFixtures && existsSync(fixturePath(rel));
const haveGop = have(GOP) && have(VBT);
if (!haveGop)
  console.warn(
    `[skip] option ROM QEMU cases with a GOP: ${haveFixtures ? `${GOP} missing` : noFixturesReason}`,
  );

const EFI_NOT_FOUND = '0x800000000000000e';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const tmp = mkdtempSync(join(tmpdir(), 'oprom-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function boot(
  romPath: string,
  opts: { code?: string; vars?: string; machine?: 'q35' | 'pc'; smm?: boolean } = {},
): Promise<BootResult> {
  return bootOvmfQueued({
    code: opts.code ?? stockOvmf!.code,
    vars: opts.vars,
    machine: opts.machine,
    debugcon: true,
    espFiles: { 'VbtTestApp.efi': driverBytes(vbtTestApp) },
    commands: ['drivers', 'VbtTestApp.efi'],
    smm: opts.smm,
    extraArgs: ['-device', `e1000,romfile=${romPath}`],
    timeoutMs: 150_000,
  });
}

function saveRom(name: string, rom: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, rom);
  return path;
}

async function buildRom(name: string, opts: IgdRomOptions) {
  const r = await buildIgdRom(opts);
  return { ...r, path: saveRom(name, r.rom) };
}

/** The `drivers` row of the Intel GOP: version and the ROM range OVMF loaded it from. */
function gopRow(serial: string): { name: string; start: number; end: number } | undefined {
  const m = /(Intel\(R\) GOP Driver[^\n]*?)\s+Offset\((0x[0-9A-F]+),(0x[0-9A-F]+)\)/i.exec(serial);
  return m ? { name: m[1].trim(), start: parseInt(m[2], 16), end: parseInt(m[3], 16) } : undefined;
}

function expectBooted(r: BootResult): void {
  expect(r.timedOut, r.serial.slice(-3000)).toBe(false);
  // The `drivers` listing ran (so an absent row means absent, not a lost command).
  expect(r.serial).toMatch(/PCI Bus Driver/);
  expect(r.serial).toContain('VBTTEST done');
}

describe.skipIf(!!noQemuReason)(
  'the iGPU option ROM in stock OVMF (e1000 ROM BAR)',
  { concurrent: true },
  () => {
    it.skipIf(!haveGop || !have(BIOS))(
      'CLI from a vendor BIOS (--bios, --vbt embed): OVMF starts all three drivers; the app gets the BIOS VBT',
      async () => {
        const out = join(tmp, 'from-bios.rom');
        const code = await romCommand.run([
          '--bios',
          fixturePath(BIOS),
          '--vbt',
          'embed',
          '--device-id',
          '0x46a6',
          '-o',
          out,
        ]);
        expect(code).toBe(0);
        const rom = new Uint8Array(readFileSync(out));
        const images = (await readOptionRomTree(rom)).children;
        expect(images.map((n) => [n.fields['device ID'], n.fields.last])).toEqual([
          ['0x46A6', false],
          ['0x46A6', false],
          ['0x46A6', true],
        ]);
        const expected = fixtureJson<
          {
            file: string;
            gops: { sha256: string }[];
            vbts: { sha256_exact: string; vbt_size: number }[];
          }[]
        >('vendor-like/expected.json').find((e) => e.file === 'aptio5-spi.bin')!;
        expect(sha256(images[2].children[0].raw)).toBe(expected.gops[0].sha256);

        const r = await boot(out);
        expectBooted(r);
        const row = gopRow(r.serial);
        expect(row, r.serial.slice(-4000)).toBeDefined();
        // OVMF names the image by where it found it in the ROM: the third image, to its last byte.
        const gopImage = images[2];
        expect([row!.start, row!.end]).toEqual([
          gopImage.offset,
          gopImage.offset + gopImage.raw.length - 1,
        ]);
        const rep = vbtTestReport(r.serial);
        expect(rep.get('policy')).toBe('found revision=1');
        expect(rep.get('getvbt-status')).toBe('0x0');
        expect(rep.get('vbt-size')).toBe(String(expected.vbts[0].vbt_size));
        expect(rep.get('vbt-sha256')).toBe(expected.vbts[0].sha256_exact);
        expect(r.debugcon).toContain('PlatformGopPolicy: install Revision 1: ok');
        expect(r.debugcon).toMatch(
          new RegExp(
            `VBT from own \\.vbt section at 0x[0-9a-f]+, ${expected.vbts[0].vbt_size} bytes`,
          ),
        );
        // IgdAssignment ran from the ROM once, looked at every PCI device, found no Intel iGPU.
        expect(r.debugcon).toMatch(
          /IgdAssignment: 0000:00:0\w\.0 8086:100e class 02: not an Intel iGPU at 00:02\.0, skipped/,
        );
        expect(
          r.debugcon.match(/IgdAssignment: no Intel iGPU at 00:02\.0 yet, nothing changed/g),
        ).toHaveLength(1);
        expect(r.debugcon).not.toMatch(/ASLS write|BDSM@/);
      },
    );

    const otherOvmfs = FIXTURE_OVMF_BUILDS;
    for (const o of otherOvmfs) {
      it.skipIf(!haveGop || !have(o.code) || !have(o.vars))(
        `full ROM with an embedded VBT in ${o.label}: GOP listed, VBT delivered`,
        async () => {
          const vbt = readFixture(VBT);
          const r = await buildRom(`full-${o.code.replace(/\W/g, '_')}.rom`, {
            gop: readFixture(GOP),
            vbt,
          });
          const b = await boot(r.path, {
            code: fixturePath(o.code),
            vars: fixturePath(o.vars),
            smm: o.smm,
          });
          expectBooted(b);
          const row = gopRow(b.serial);
          expect(row, b.serial.slice(-4000)).toBeDefined();
          expect(row!.start).toBe(r.images[2].offset);
          const rep = vbtTestReport(b.serial);
          expect(rep.get('getvbt-status')).toBe('0x0');
          expect(rep.get('vbt-sha256')).toBe(sha256(vbt.subarray(0, vbt[0x18] | (vbt[0x19] << 8))));
          expect(b.debugcon).toMatch(
            /IgdAssignment: no Intel iGPU at 00:02\.0 yet, nothing changed/,
          );
        },
      );
    }

    const GK41 = 'ovmf/gk41-pve-ovmf';
    it.skipIf(!haveGop || !have(`${GK41}/OVMF_CODE.fd`))(
      'full ROM in an OVMF already patched with its own GOP, VBT and policy (gk41, i440fx): our policy installs nothing, the app gets that OVMF’s VBT',
      async () => {
        const expected = fixtureJson<
          { file: string; vbts: { sha256_stored: string; stored_size: number }[] }[]
        >('expected-real.json').find((e) => e.file === `${GK41}/OVMF_CODE.fd`)!;
        const r = await buildRom('full-gk41.rom', { gop: readFixture(GOP), vbt: readFixture(VBT) });
        const b = await boot(r.path, {
          code: fixturePath(`${GK41}/OVMF_CODE.fd`),
          vars: fixturePath(`${GK41}/OVMF_VARS.fd`),
          machine: 'pc',
        });
        expectBooted(b);
        expect(gopRow(b.serial)?.start, b.serial.slice(-4000)).toBe(r.images[2].offset);
        // The OVMF's own policy driver ran first (DXE dispatch precedes option ROMs).
        expect(b.debugcon).toContain(
          'PlatformGopPolicy: protocol already installed, nothing to do',
        );
        expect(b.debugcon).not.toContain('PlatformGopPolicy: install Revision 1');
        const rep = vbtTestReport(b.serial);
        expect(rep.get('policy')).toBe('found revision=1');
        expect(rep.get('getvbt-status')).toBe('0x0');
        // That policy returns the whole RAW section of its VBT file.
        expect(rep.get('vbt-size')).toBe(String(expected.vbts[0].stored_size));
        expect(rep.get('vbt-sha256')).toBe(expected.vbts[0].sha256_stored);
        expect(b.debugcon).toMatch(/IgdAssignment: no Intel iGPU at 00:02\.0 yet, nothing changed/);
      },
    );

    it.skipIf(!haveGop)(
      'full, VBT from the OpRegion (i440fx): no OpRegion here, so GetVbtData finds none',
      async () => {
        const r = await buildRom('full-opregion.rom', { gop: readFixture(GOP), vbt: 'opregion' });
        const b = await boot(r.path, { machine: 'pc' });
        expectBooted(b);
        expect(gopRow(b.serial)?.start, b.serial.slice(-4000)).toBe(r.images[2].offset);
        const rep = vbtTestReport(b.serial);
        expect(rep.get('policy')).toBe('found revision=1');
        expect(rep.get('getvbt-status')).toBe(EFI_NOT_FOUND);
        expect(b.debugcon).toMatch(/PlatformGopPolicy: no Intel display device at 00:02\.0/);
        expect(b.debugcon).not.toMatch(/\.vbt section/);
        // On i440fx 00:02.0 is the emulated VGA.
        expect(b.debugcon).toContain(
          'IgdAssignment: 0000:00:02.0 1234:1111 class 03: not an Intel iGPU at 00:02.0, skipped',
        );
      },
    );

    it('assignment: IgdAssignment runs; no GOP, no policy protocol', async () => {
      const r = await buildRom('assignment.rom', { variant: 'assignment' });
      const b = await boot(r.path);
      expectBooted(b);
      expect(b.serial).not.toMatch(/Intel\(R\) GOP Driver/);
      expect(
        b.debugcon.match(/IgdAssignment: no Intel iGPU at 00:02\.0 yet, nothing changed/g),
      ).toHaveLength(1);
      expect(b.debugcon).toMatch(/IgdAssignment: .* 8086:100e class 02: not an Intel iGPU/);
      expect(b.debugcon).not.toContain('PlatformGopPolicy:');
      expect(vbtTestReport(b.serial).get('policy')).toMatch(/^absent/);
    });

    it.skipIf(!haveGop)('gop (i440fx): the GOP alone; neither of our drivers runs', async () => {
      const gop = readFixture(GOP);
      const r = await buildRom('gop.rom', { variant: 'gop', gop });
      const b = await boot(r.path, { machine: 'pc' });
      expectBooted(b);
      const row = gopRow(b.serial);
      expect(row, b.serial.slice(-4000)).toBeDefined();
      expect(row!.name).toMatch(/^Intel\(R\) GOP Driver \[21\.\d+\.1066\]$/);
      expect([row!.start, row!.end]).toEqual([0, r.rom.length - 1]);
      expect(b.debugcon).not.toContain('IgdAssignment:');
      expect(b.debugcon).not.toContain('PlatformGopPolicy:');
      expect(vbtTestReport(b.serial).get('policy')).toMatch(/^absent/);
    });
  },
);
