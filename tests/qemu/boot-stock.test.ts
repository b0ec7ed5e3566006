import { describe, expect, it } from 'vitest';
import { bootOvmf, noQemuReason, stockOvmf } from '../helpers/qemu';

if (noQemuReason) console.warn(`[skip] QEMU tests: ${noQemuReason}`);

describe.skipIf(!!noQemuReason)('QEMU harness', () => {
  it('boots Debian stock OVMF_CODE_4M.fd to the UEFI shell and lists the FAT driver', async () => {
    const r = await bootOvmf({
      code: stockOvmf!.code,
      commands: ['echo HARNESS-MARKER', 'drivers'],
      espFiles: { 'hello.txt': 'hi' },
      timeoutMs: 120_000,
    });
    expect(r.timedOut, r.serial.slice(-2000)).toBe(false);
    expect(r.serial).toContain('HARNESS-MARKER');
    expect(r.serial).toMatch(/FAT File System Driver/);
  });

  it('also boots on the i440fx machine with the debug console captured', async () => {
    const r = await bootOvmf({
      code: stockOvmf!.code,
      machine: 'pc',
      debugcon: true,
      commands: ['echo PC-MARKER'],
      timeoutMs: 120_000,
    });
    expect(r.timedOut, r.serial.slice(-2000)).toBe(false);
    expect(r.serial).toContain('PC-MARKER');
  });
});
