import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  driverBytes,
  igdAssignment,
  platformGopPolicy,
  testFakePci,
  testFvPublish,
  vbtTestApp,
  type DriverImage,
} from './generated';
import { readPe } from '../pe/headers';
import { IGPU_DEVICES } from '../igpu/devices';

const images: [string, DriverImage, number][] = [
  ['platformGopPolicy', platformGopPolicy, 11],
  ['igdAssignment', igdAssignment, 11],
  ['vbtTestApp', vbtTestApp, 10],
  ['testFakePci', testFakePci, 11],
  ['testFvPublish', testFvPublish, 11],
];

const ascii = (b: Uint8Array) => new TextDecoder('latin1').decode(b);

describe('generated driver images', () => {
  it.each(images)(
    '%s decodes to the recorded size and SHA-256, a PE32+ x64 EFI image',
    (_, img, subsystem) => {
      const bytes = driverBytes(img);
      expect(bytes.length).toBe(img.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(img.sha256);
      const pe = readPe(bytes);
      expect(pe.format).toBe('PE32+');
      expect(pe.machine).toBe(0x8664);
      expect(pe.subsystem).toBe(subsystem);
      const text = pe.sections.find((s) => s.name === '.text')!;
      expect(pe.entryPoint).toBeGreaterThanOrEqual(text.virtualAddress);
      expect(pe.entryPoint).toBeLessThan(text.virtualAddress + text.virtualSize);
      // Relocatable (IMAGE_FILE_RELOCS_STRIPPED clear: loadable anywhere) and room for one more
      // section header (the .vbt). Images without absolute addresses need no .reloc at all.
      const characteristics = bytes[pe.peHeaderOffset + 22] | (bytes[pe.peHeaderOffset + 23] << 8);
      expect(characteristics & 0x0001).toBe(0);
      expect(pe.sectionTableOffset + (pe.numberOfSections + 1) * 40).toBeLessThanOrEqual(
        pe.sizeOfHeaders,
      );
    },
  );

  it('the policy driver carries the policy protocol GUID and the VBT file GUID', () => {
    const b = driverBytes(platformGopPolicy);
    const hex = Buffer.from(b).toString('hex');
    // EC2E931B-3281-48A5-8107-DF8A8BED3C5D and 1647B4F3-3E8A-4FEF-81C8-328ED647AB1A, little-endian fields
    expect(hex).toContain('1b932eec8132a5488107df8a8bed3c5d');
    expect(hex).toContain('f3b447168a3eef4f81c8328ed647ab1a');
  });

  it('IgdAssignment names the QEMU fw_cfg files it reads', () => {
    const s = ascii(driverBytes(igdAssignment));
    expect(s).toContain('etc/igd-opregion');
    expect(s).toContain('etc/igd-bdsm-size');
  });

  it("IgdAssignment's device table is exactly the project's iGPU table (id, gen, 64-bit BDSM)", () => {
    const sorted = [...IGPU_DEVICES].sort((a, b) => a.deviceId - b.deviceId);
    const want = new Uint8Array(sorted.length * 4);
    sorted.forEach((d, i) => {
      want[i * 4] = d.deviceId & 0xff;
      want[i * 4 + 1] = d.deviceId >> 8;
      want[i * 4 + 2] = Math.floor(d.gen);
      want[i * 4 + 3] = d.bdsmRegister === 0xc0 ? 1 : 0;
    });
    const hex = Buffer.from(driverBytes(igdAssignment)).toString('hex');
    const at = hex.indexOf(Buffer.from(want).toString('hex'));
    expect(at, 'rebuild with npm run drivers:build after changing devices.ts').toBeGreaterThan(0);
    expect(at % 2).toBe(0);
  });
});
