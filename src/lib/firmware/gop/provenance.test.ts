import { describe, expect, it } from 'vitest';
import { haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { withoutNameString } from '../../../../tests/helpers/gop';
import { gopInfo } from './gop-info';
import { gopProvenance } from './provenance';

const ARL_GOP = 'newgen/lixiaoliu-ultra-desktop-gop-b1062/pc-ultra-1-2-IntelGopDriver.efi';

/** The GOP with its major string "22" made `major` (two digits), as a newer line would carry. */
function withMajor(pe: Uint8Array, major: string): Uint8Array {
  const out = pe.slice();
  const name = Buffer.from(out).indexOf(Buffer.from('Intel(R) GOP Driver', 'utf16le'));
  const at = name + 0x150; // the newer layout's major string (22 in build 1062)
  expect([...out.subarray(at, at + 6)]).toEqual([0x32, 0, 0x32, 0, 0, 0]);
  out.set([major.charCodeAt(0), 0, major.charCodeAt(1), 0], at);
  return out;
}

describe.skipIf(!haveFixtures)('where a GOP version and generation come from', () => {
  it('a named GOP of a mapped line: beside the name, from the major', () => {
    const p = gopProvenance(gopInfo(readFixture(ARL_GOP)));
    expect([p.version.en, p.generation?.en]).toEqual([
      'read beside the "Intel(R) GOP Driver" name in the image',
      'from the version major 22',
    ]);
    expect(p.version['zh-CN']).toBe('读自映像中 GOP 驱动名称字符串旁');
  });

  it('a major no line is known for (a Lunar/Panther Lake GOP, say): the device-ID table names it', () => {
    for (const pe of [
      withMajor(readFixture(ARL_GOP), '25'),
      withoutNameString(withMajor(readFixture(ARL_GOP), '25')),
    ]) {
      const info = gopInfo(pe);
      expect([info.versionText, info.generation?.basis, info.generation?.label]).toEqual([
        '25.?.1062',
        'device-ids',
        'Meteor Lake',
      ]);
      const p = gopProvenance(info);
      expect(p.generation?.en).toBe(
        'from its device-ID table (version major 25 is not mapped to a generation)',
      );
      expect(p.generation?.['zh-CN']).toBe('依据其设备 ID 表（主版本号 25 没有对应的代次）');
    }
  });

  it('beside the controller name, a major of another line than the table’s: not taken, and said', () => {
    // Major "02" (Sandy Bridge) in a nameless Arrow Lake GOP, whose table names Meteor/Arrow Lake.
    const info = gopInfo(withoutNameString(withMajor(readFixture(ARL_GOP), '02')));
    expect([info.versionText, info.versionSource, info.generation?.basis]).toEqual([
      '',
      undefined,
      'device-ids',
    ]);
    expect(info.versionRejected).toEqual({
      text: '2.?.1062',
      source: 'beside-controller',
      generation: 'Sandy Bridge',
    });
    const p = gopProvenance(info);
    expect(p.generation?.en).toBe(
      'from its device-ID table (the version 2.?.1062 it was given names Sandy Bridge, which the table does not)',
    );
    expect(p.generation?.['zh-CN']).toBe(
      '依据其设备 ID 表（所给版本号 2.?.1062 对应 Sandy Bridge，与设备 ID 表不符）',
    );
    // With its name string the same strings are the GOP's own version, as before.
    expect(gopInfo(withMajor(readFixture(ARL_GOP), '02')).versionText).toBe('2.?.1062');
  });

  it('no version and no generation: says the image holds none, names nothing', () => {
    const p = gopProvenance({ versionSource: undefined, major: undefined, generation: undefined });
    expect([p.version.en, p.generation]).toEqual(['not stored in the image', undefined]);
  });
});
