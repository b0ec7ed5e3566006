// The AMD ROMs in unpatched OVMF: attached as the ROM BAR of an emulated e1000 (no AMD GPU can be
// emulated), OVMF's PCI bus driver must load the AMD GOP from them — from the combined ROM (after
// the legacy VBIOS image, here EFI-compressed by our encoder) and from the GOP-only ROM. Checked
// from the outside: the shell's `drivers` list names the GOP with its version and the ROM range
// OVMF loaded it from. That the GOP then drives a real Radeon is not something QEMU can show.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootOvmfQueued, noQemuReason, stockOvmf } from '../helpers/qemu';
import { haveFixtures, noFixturesReason, readFixture } from '../helpers/fixtures';
import { buildAmdRoms } from '../../src/lib/firmware/amd/rom';

if (noQemuReason) console.warn(`[skip] AMD ROM QEMU tests: ${noQemuReason}`);
if (!haveFixtures) console.warn(`[skip] AMD ROM QEMU tests: ${noFixturesReason}`);

const GOP = 'amd/gop/isc30-gop-7840hs-v3.8.3/AMDGopDriver_7840hs.efi';
const VBIOS = 'amd/vbios/thieuson-vbios-1636-renoir/vbios_1636.dat';

const tmp = mkdtempSync(join(tmpdir(), 'amd-rom-qemu-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The `drivers` row of the AMD GOP: its name and the ROM range OVMF loaded it from. */
function amdGopRow(serial: string) {
  const m = /(AMD GOP X64 Rel[^\n]*?)\s+Offset\((0x[0-9A-F]+),(0x[0-9A-F]+)\)/i.exec(serial);
  return m ? { name: m[1].trim(), start: parseInt(m[2], 16), end: parseInt(m[3], 16) } : undefined;
}

describe.skipIf(!!noQemuReason || !haveFixtures)(
  'AMD ROMs in stock OVMF (e1000 ROM BAR)',
  { concurrent: true },
  () => {
    for (const kind of ['combined', 'gop-only'] as const) {
      it(`${kind} ROM: OVMF loads the AMD GOP 3.8.3 from its EFI image`, async () => {
        const r = await buildAmdRoms({ gop: readFixture(GOP), vbios: readFixture(VBIOS) });
        const rom = r.roms.find((x) => x.kind === kind)!;
        const efi = rom.images.find((i) => i.codeType === 3)!;
        if (kind === 'combined') expect(efi.compressed).toBe(true);
        const path = join(tmp, `${kind}.rom`);
        writeFileSync(path, rom.rom);
        const b = await bootOvmfQueued({
          code: stockOvmf!.code,
          commands: ['drivers'],
          extraArgs: ['-device', `e1000,romfile=${path}`],
          timeoutMs: 150_000,
        });
        expect(b.timedOut, b.serial.slice(-3000)).toBe(false);
        expect(b.serial).toMatch(/PCI Bus Driver/);
        const row = amdGopRow(b.serial);
        expect(row, b.serial.slice(-4000)).toBeDefined();
        expect(row!.name).toMatch(/Rev\.3\.8\.3/);
        // OVMF names the image by where it found it: the EFI image, to its last byte.
        expect([row!.start, row!.end]).toEqual([efi.offset, efi.offset + efi.length - 1]);
      });
    }
  },
);
