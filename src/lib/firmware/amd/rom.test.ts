/**
 * The AMD ROMs as a user would check them: re-read with the generic reader, image order, PCIR
 * IDs, last-image bits, checksums, the VBIOS bytes kept, the GOP's SHA-256, and the writer
 * matching community ROMs built with edk2's EfiRom byte for byte where the inputs are the same.
 */
import { describe, expect, it } from 'vitest';
import { fixtureJson, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { sum8 } from '../bytes/checksum';
import { sha256Hex } from '../bytes/sha256';
import { FirmwareError } from '../errors';
import { buildOptionRom } from '../oprom/efi-driver';
import { readOptionRom, readPcir } from '../oprom/read';
import { buildAmdRoms, COMBINED_ROM_SOFT_LIMIT } from './rom';

const GOP_7840HS = 'amd/gop/isc30-gop-7840hs-v3.8.3/AMDGopDriver_7840hs.efi';
const VBIOS_7840HS = 'amd/vbios/isc30-vbios-15bf-022.012.000.027.000001/vbios_7840hs.bin';
const RENOIR_CARD_ROM = 'amd/oprom/thieuson-renoir-1636-vbios+gop/Renoir_Generic_VBIOS_updGOP.bin';
const RENOIR_GOP =
  'amd/oprom/thieuson-renoir-1636-vbios+gop/AmdGop_from_Renoir_updGOP_decompressed.efi';

function chain(rom: Uint8Array) {
  const out = [];
  for (let at = 0; ;) {
    const p = readPcir(rom, at)!;
    out.push({ at, ...p, sum: sum8(rom, at, at + rom[at + 2] * 512) });
    at += p.imageLength * 512;
    if (p.indicator & 0x80) {
      expect(at).toBe(rom.length);
      return out;
    }
  }
}

describe.skipIf(!haveFixtures)('AMD ROMs', () => {
  it('combined ROM: the VBIOS unchanged but for the last-image bit and checksum, then the GOP', async () => {
    const gop = readFixture(GOP_7840HS);
    const vbios = readFixture(VBIOS_7840HS);
    const r = await buildAmdRoms({ gop, vbios });
    expect(r.roms.map((x) => [x.kind, x.fileName, x.function])).toEqual([
      ['combined', 'amd-vbios-gop-15bf.rom', 'BB:00.0'],
      ['gop-only', 'amd-gop-15bf-audio.rom', 'BB:00.1'],
      ['vbios', 'vbios-15bf.bin', 'BB:00.0'],
    ]);
    const combined = r.roms[0].rom;
    const images = chain(combined);
    expect(images.map((i) => [i.vendorId, i.deviceId, i.codeType, i.indicator & 0x80])).toEqual([
      [0x1002, 0x15bf, 0, 0],
      [0x1002, 0x15bf, 3, 0x80],
    ]);
    expect(images[0].sum).toBe(0); // the legacy image's checksum
    const differ = [];
    for (let i = 0; i < vbios.length; i++) if (combined[i] !== vbios[i]) differ.push(i);
    // PCIR at 0x1C0: its indicator byte 0x1D5; the ATI checksum byte 0x21.
    expect(differ).toEqual([0x21, 0x1d5]);
    // The GOP in the EFI image is the input, byte for byte.
    const model = readOptionRom(combined);
    const efi = model.images[1];
    expect(efi.type === 'efi' && 'pe' in efi.payload && (await sha256Hex(efi.payload.pe!))).toBe(
      await sha256Hex(gop),
    );
    expect(combined.length).toBeLessThanOrEqual(COMBINED_ROM_SOFT_LIMIT);
    expect(r.warnings).toEqual([]);
  });

  it('GOP-only ROM for the audio function: 1002:<audio ID>, HD-audio class, and the VBIOS alone as given', async () => {
    const gop = readFixture(GOP_7840HS);
    const vbios = readFixture(VBIOS_7840HS);
    const r = await buildAmdRoms({ gop, vbios });
    const only = chain(r.roms[1].rom);
    expect(only.map((i) => [i.vendorId, i.deviceId, i.classCode, i.codeType])).toEqual([
      [0x1002, 0x1640, 0x040300, 3],
    ]);
    expect(r.roms[2].sha256).toBe(await sha256Hex(vbios)); // already marked last: unchanged
    const noVbios = await buildAmdRoms({ gop, deviceId: 0x1636 });
    expect(noVbios.roms.map((x) => x.kind)).toEqual(['gop-only']);
    expect(chain(noVbios.roms[0].rom)[0].deviceId).toBe(0x1637); // Renoir's audio function
  });

  it('rebuilds the VBIOS image of the community Renoir card ROM exactly from its own chain', async () => {
    const card = readFixture(RENOIR_CARD_ROM);
    const r = await buildAmdRoms({ gop: readFixture(RENOIR_GOP), vbios: card });
    const expected = fixtureJson<{ file: string; images?: { sha256: string }[] }[]>(
      'amd/expected.json',
    ).find((e) => e.file === RENOIR_CARD_ROM)!;
    // Same VBIOS bytes and same place in the chain (first, not last) as the community ROM.
    const combined = r.roms[0].rom;
    expect(await sha256Hex(combined.subarray(0, 54784))).toBe(expected.images![0].sha256);
    // Uncompressed, the GOP makes it larger than the community ROM (98816 bytes, GOP compressed).
    expect(combined.length).toBe(54784 + 74240);
    expect(r.warnings.map((w) => w.en).join('\n')).toMatch(/more images follow the VBIOS/);
    // Cut from the chain, the VBIOS alone is marked last and its checksum moved to match.
    const alone = chain(r.roms[2].rom);
    expect([alone[0].indicator & 0x80, alone[0].sum]).toEqual([0x80, 0]);
  });

  it('the writer gives the bytes of community GOP-only ROMs (EfiRom) from the same GOP and IDs', async () => {
    const cases = [
      ['amd/gop/isc30-gop-6600h-v3.7.10/AMDGopDriver_6600H', 0x1002, 0x1640],
      ['amd/gop/isc30-gop-8745hs-v3.8.9/AMDGopDriver_8745hs', 0x1002, 0x1900],
      ['amd/gop/isc30-gop-7900-v3.2.10/AMDGopDriver_7900', 0x03ea, 0x0668],
    ] as const;
    for (const [stem, vendorId, deviceId] of cases) {
      const rom = buildOptionRom([{ pe: readFixture(`${stem}.efi`) }], {
        vendorId,
        deviceId,
        classCode: 0,
      });
      expect(await sha256Hex(rom), stem).toBe(await sha256Hex(readFixture(`${stem}.rom`)));
    }
  });

  it('refuses what is not an AMD x64 GOP or an APU VBIOS', async () => {
    const gop = readFixture(GOP_7840HS);
    const pei = readFixture('amd/gop/amdfw-peigop-phoenix-ia32/AmdIa32GenericGop.efi');
    const intel = readFixture('gop-vbt/adl/IntelGopDriver.efi');
    await expect(buildAmdRoms({ gop: pei })).rejects.toThrow(/32-bit AMD PEI GOP/);
    await expect(buildAmdRoms({ gop: intel })).rejects.toThrow(/not an AMD GOP/);
    // An EFI-only ROM given as the VBIOS.
    const gopRom = readFixture('amd/gop/isc30-gop-6600h-v3.7.10/AMDGopDriver_6600H.rom');
    const err = await buildAmdRoms({ gop, vbios: gopRom }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareError);
    expect((err as FirmwareError).code).toBe('bad-input');
  });

  it('warns when --device-id names another family than the VBIOS', async () => {
    const r = await buildAmdRoms({
      gop: readFixture(GOP_7840HS),
      vbios: readFixture(VBIOS_7840HS),
      deviceId: 0x1681,
    });
    expect(r.warnings.map((w) => w.en)).toEqual([
      '--device-id 1002:1681 differs from the VBIOS PCIR device 1002:15bf; the ROMs use 1002:1681',
      'the VBIOS is for Phoenix but --device-id names Rembrandt',
    ]);
    // The VBIOS keeps its own PCIR (and names its file); the EFI image takes the given ID.
    expect(chain(r.roms[0].rom).map((i) => i.deviceId)).toEqual([0x15bf, 0x1681]);
    expect(r.roms.map((x) => x.fileName)).toEqual([
      'amd-vbios-gop-1681.rom',
      'amd-gop-1681-audio.rom',
      'vbios-15bf.bin',
    ]);
  });
});

describe.skipIf(!haveFixtures)('AMD ROMs with an EFI-compressed GOP', () => {
  const gop = () => readFixture(GOP_7840HS);
  const renoirVbios = () => readFixture('amd/vbios/thieuson-vbios-1636-renoir/vbios_1636.dat');

  it('auto: compresses the GOP image when the combined ROM would pass 128 KiB, and the reader decodes it', async () => {
    const pe = gop();
    const r = await buildAmdRoms({ gop: pe, vbios: renoirVbios() });
    const combined = r.roms[0];
    expect(54784 + 84992).toBeGreaterThan(COMBINED_ROM_SOFT_LIMIT); // uncompressed it would not fit
    expect(combined.rom.length).toBeLessThanOrEqual(COMBINED_ROM_SOFT_LIMIT);
    expect(combined.images.map((i) => [i.codeType, i.compressed, i.last])).toEqual([
      [0, undefined, false],
      [3, true, true],
    ]);
    // The reader's decoded PE is the GOP given.
    expect(combined.images[1].sha256).toBe(await sha256Hex(pe));
    const model = readOptionRom(combined.rom);
    expect(model.images[1].type === 'efi' && model.images[1].payload.compression).toBe(1);
    expect(r.warnings).toEqual([]);
    // The GOP-only ROM stays uncompressed unless asked.
    expect(r.roms[1].images[0].compressed).toBe(false);
  });

  it('never: keeps it uncompressed and says the ROM is over 128 KiB; always: compresses every GOP image', async () => {
    const never = await buildAmdRoms({ gop: gop(), vbios: renoirVbios(), compress: 'never' });
    expect(never.roms[0].rom.length).toBe(54784 + 84992);
    expect(never.warnings.map((w) => w.en).join()).toMatch(/139776 bytes, more than 128 KiB/);
    const always = await buildAmdRoms({ gop: gop(), compress: 'always', deviceId: 0x15bf });
    expect(always.roms[0].images[0].compressed).toBe(true);
    expect(always.roms[0].rom.length).toBeLessThan(84992 * 0.6);
  });
});
