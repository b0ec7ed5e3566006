import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findVbts, parseVbt } from './vbt';
import { generationFromVbtPlatform, vbtGeneration } from './generations';
import { FirmwareError } from '../errors';
import { sha256Hex } from '../bytes/sha256';
import {
  fixtureJson,
  fixturePath,
  haveFixtures,
  readFixture,
} from '../../../../tests/helpers/fixtures';

interface ExpectedVbt {
  sha256_exact: string;
  vbt_size: number;
  sha256_stored: string;
  stored_size: number;
  platform: string;
}
interface Expected {
  file: string;
  kind: string;
  vbts: ExpectedVbt[];
}

// OVMF images hold their VBT inside an LZMA-compressed volume, out of reach of a plain scan.
const expected = haveFixtures
  ? fixtureJson<Expected[]>('expected-real.json').filter(
      (e) => e.vbts.length && !e.file.startsWith('ovmf/'),
    )
  : [];

describe.skipIf(!haveFixtures)('VBTs listed in expected-real.json', () => {
  it.each(expected.map((e) => [e.file, e] as const))('%s', async (file, e) => {
    const data = readFixture(file);
    // order of the list is not the order in the file; match by exact hash
    const vbts = findVbts(data);
    const hashes = await Promise.all(vbts.map((v) => sha256Hex(v.bytes)));
    e.vbts.sort((a, b) => hashes.indexOf(a.sha256_exact) - hashes.indexOf(b.sha256_exact));
    expect(vbts.map((v) => v.platform)).toEqual(e.vbts.map((x) => x.platform));
    for (let i = 0; i < vbts.length; i++) {
      expect(vbts[i].size).toBe(e.vbts[i].vbt_size);
      expect(vbts[i].bytes.length).toBe(e.vbts[i].vbt_size);
      expect(await sha256Hex(vbts[i].bytes)).toBe(e.vbts[i].sha256_exact);
      expect(vbts[i].signature.startsWith('$VBT ' + e.vbts[i].platform)).toBe(true);
      const stored = data.subarray(vbts[i].offset, vbts[i].offset + e.vbts[i].stored_size);
      expect(await sha256Hex(stored)).toBe(e.vbts[i].sha256_stored);
    }
    if (e.kind === 'vbt') {
      // a bare VBT file: the VBT starts the file and the rest is its padding
      expect(vbts[0].offset).toBe(0);
      expect(vbts[0].storedSize).toBe(e.vbts[0].stored_size);
    }
  });
});

function listVbtFiles(dir: string): string[] {
  const out: string[] = [];
  for (const ent of readdirSync(fixturePath(dir), { withFileTypes: true })) {
    const rel = `${dir}/${ent.name}`;
    if (ent.isDirectory()) out.push(...listVbtFiles(rel));
    else out.push(rel);
  }
  return out;
}

describe.skipIf(!haveFixtures)('the other VBT files', () => {
  const files = haveFixtures ? listVbtFiles('vbt') : [];
  it('are all parsed as one VBT at offset 0 with a platform and child devices', () => {
    expect(files.length).toBeGreaterThan(20);
    let withChildren = 0;
    for (const f of files) {
      const data = readFixture(f);
      const v = parseVbt(data);
      expect(v.platform, f).toMatch(/^[A-Z0-9][A-Z0-9 _/-]*$/);
      expect(v.size).toBeLessThanOrEqual(data.length);
      // i915 layout facts: the BDB follows the VBT header and ends inside the VBT
      expect(v.bdbOffset).toBeGreaterThanOrEqual(v.headerSize);
      expect(v.bdbOffset + v.bdbSize).toBeLessThanOrEqual(v.size);
      expect(v.childDevices, f).toBeGreaterThanOrEqual(0);
      if (v.childDevices) withChildren++;
      expect(findVbts(data).length).toBe(1);
      expect(generationFromVbtPlatform(v.platform), v.platform).toBeDefined();
    }
    console.log(`${withChildren}/${files.length} VBTs list child devices`);
    expect(withChildren).toBeGreaterThan(files.length * 0.9);
  });
});

describe.skipIf(!haveFixtures)('VBTs of Meteor Lake, Arrow Lake and Panther Lake', () => {
  // vbt_size, BDB version and checksum as newgen/*/SOURCE.txt states them (read with an
  // independent script); all are larger than the 6 KiB OpRegion mailbox 4 (0x1800).
  const cases: [string, number, number, boolean, string][] = [
    ['newgen/fsp-mtl-vbt/VBT_MTL.bin', 7323, 261, false, 'MTL'],
    ['newgen/fsp-arl-s-vbt-s03/VbtArlsS03.dat', 7287, 258, true, 'MTL'],
    ['vbt/intel-fsp/ArrowLake-Vbt_ARLSHX.bin', 7323, 261, false, 'MTL'],
    ['vbt/intel-fsp/PantherLake-Vbt.dat', 7391, 266, true, 'PTL'],
  ];
  it.each(cases)('%s: size, BDB version, checksum and generation', (f, size, bdb, ok, code) => {
    const v = parseVbt(readFixture(f));
    expect([v.size, v.bdbVersion, v.checksumOk]).toEqual([size, bdb, ok]);
    expect(v.size).toBeGreaterThan(0x1800);
    expect(v.generation).toMatchObject({ code, basis: 'platform' });
    expect(v.childDevices).toBeGreaterThan(0);
  });
});

describe('a VBT names its generation', () => {
  it('from the platform string first', () => {
    expect(vbtGeneration('METEORLAKE', 258)).toMatchObject({ code: 'MTL', basis: 'platform' });
    expect(vbtGeneration('PANTHERLAKE', 266)).toMatchObject({ code: 'PTL', basis: 'platform' });
    // The platform string wins over a BDB version typical of another line.
    expect(vbtGeneration('TIGERLAKE', 250)).toMatchObject({ code: 'TGL', basis: 'platform' });
  });

  it('from the BDB version when the platform string names nothing', () => {
    expect(vbtGeneration('OEM BOARD', 266)).toMatchObject({ code: 'PTL', basis: 'bdb-version' });
    expect(vbtGeneration('', 261)).toMatchObject({ code: 'MTL', basis: 'bdb-version' });
    expect(vbtGeneration('', 251)).toMatchObject({ code: 'ADL', basis: 'bdb-version' });
    expect(vbtGeneration('', 212)?.code).toBe('SKL');
    expect(vbtGeneration('', 189)?.code).toBe('HSW');
    expect(vbtGeneration('', 150)).toBeUndefined();
  });
});

describe('invalid VBTs', () => {
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(FirmwareError);
      return (e as FirmwareError).code;
    }
    return 'none';
  };

  it('rejects a short header, a missing signature and sizes past the data', () => {
    expect(code(() => parseVbt(new Uint8Array(10)))).toBe('bad-format');
    expect(code(() => parseVbt(new Uint8Array(0x100)))).toBe('bad-format');
  });

  it.skipIf(!haveFixtures)(
    'rejects a real VBT whose sizes were damaged, and reports a bad checksum',
    () => {
      const real = readFixture('gop-vbt/tgl/vbt.bin');
      const good = parseVbt(real);
      const cut = real.slice(0, good.size - 1);
      expect(code(() => parseVbt(cut))).toBe('bad-format'); // vbt_size past the end
      const badBdb = real.slice();
      badBdb[good.bdbOffset] ^= 0xff;
      expect(code(() => parseVbt(badBdb))).toBe('bad-format');
      expect(findVbts(badBdb)).toEqual([]);
      // make the bytes sum to 0 mod 256 by adjusting the checksum byte (offset 26), then break it
      const fixed = real.slice();
      let sum = 0;
      for (let k = 0; k < good.size; k++) sum += fixed[k];
      fixed[26] = (fixed[26] - sum) & 0xff;
      expect(parseVbt(fixed).checksumOk).toBe(true);
      fixed[good.size - 1] ^= 1;
      expect(parseVbt(fixed).checksumOk).toBe(false);
    },
  );
});
