import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath, haveFixtures } from '../../../../tests/helpers/fixtures';
import { FirmwareError } from '../errors';
import { parseVbt } from '../gop/vbt';
import { hostVbt } from './host-vbt';
import { REPORT_HEADER } from './probe-format';
import { splitInput } from './recognise';

function report(vbt: Uint8Array, sha = createHash('sha256').update(vbt).digest('hex')): string {
  const b64 = Buffer.from(vbt).toString('base64').replace(/.{76}/g, '$&\n');
  return `${REPORT_HEADER}\n\n===== vbt =====\n### /sys/kernel/debug/dri/0/i915_vbt\nsha256: ${sha}\n${b64}\n`;
}

describe.skipIf(!haveFixtures)('host VBT from the probe report', () => {
  const vbt = () => new Uint8Array(readFileSync(fixturePath('gop-vbt/adl/vbt.bin')));

  it('decodes, checks the SHA-256 and parses the VBT', async () => {
    const bytes = vbt();
    const got = await hostVbt(splitInput('r', report(bytes)));
    expect(got!.path).toBe('/sys/kernel/debug/dri/0/i915_vbt');
    expect(got!.bytes).toEqual(bytes);
    expect(got!.info.platform).toBe(parseVbt(bytes).platform);
  });

  it('a report whose base64 does not match its SHA-256 is refused', async () => {
    await expect(hostVbt(splitInput('r', report(vbt(), '0'.repeat(64))))).rejects.toMatchObject({
      code: 'bad-checksum',
    });
  });
});

describe('host VBT absent', () => {
  it('no vbt section, or one the probe could not read: nothing', async () => {
    expect(await hostVbt(splitInput('x', 'TASK OK'))).toBeUndefined();
    const unreadable = `${REPORT_HEADER}\n===== vbt =====\n## cannot read: /sys/kernel/debug/dri/*/i915_vbt (i915 not bound or debugfs not mounted)\n`;
    expect(await hostVbt(splitInput('r', unreadable))).toBeUndefined();
  });

  it('bytes that are not a VBT are a firmware error', async () => {
    const junk = new TextEncoder().encode('$VBT COFFEELAKE        \0\0');
    await expect(hostVbt(splitInput('r', report(junk)))).rejects.toBeInstanceOf(FirmwareError);
  });
});
