import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../errors';
import {
  detectBootLoader,
  normalizePciAddress,
  parseLspci,
  parsePveversion,
  parseVmConf,
} from './inputs';

const PVEVERSION = `proxmox-ve: 9.1.0 (running kernel: 6.17.2-1-pve)
pve-manager: 9.1.1 (running version: 9.1.1/42db4a6cf33dac83)
proxmox-kernel-helper: 9.0.4
proxmox-kernel-6.17.2-1-pve-signed: 6.17.2-1
ceph-fuse: 19.2.3-pve2
pve-firmware: 3.17-2
pve-qemu-kvm: 10.1.2-4
qemu-server: 9.1.0
`;

describe('parsePveversion', () => {
  it('reads PVE, kernel and QEMU from pveversion -v', () => {
    expect(parsePveversion(PVEVERSION)).toEqual({
      pve: '9.1',
      kernel: { major: 6, minor: 17 },
      qemu: { major: 10, minor: 1 },
    });
  });
  it('reads the one-line pveversion', () => {
    expect(
      parsePveversion('pve-manager/8.4.1/2a5fa54a8503f96d (running kernel: 6.8.12-10-pve)'),
    ).toEqual({
      pve: '8.4',
      kernel: { major: 6, minor: 8 },
    });
  });
  it('rejects unrelated text', () => {
    expect(() => parsePveversion('hello')).toThrow(FirmwareError);
  });
});

describe('parseLspci', () => {
  it('takes the last [vendor:device] pair, not the class code', () => {
    const r = parseLspci(
      '00:02.0 VGA compatible controller [0300]: Intel Corporation Alder Lake-P GT2 [Iris Xe Graphics] [8086:46a6] (rev 0c)',
    );
    expect(r).toMatchObject({ address: '00:02.0', vendorId: 0x8086, deviceId: 0x46a6 });
    expect(r.igpu?.code).toBe('ADL');
  });
  it('handles a domain prefix and unknown devices', () => {
    const r = parseLspci(
      '0000:00:02.0 Display controller [0380]: Intel Corporation Device [8086:1234]',
    );
    expect(r.address).toBe('0000:00:02.0');
    expect(r.igpu).toBeUndefined();
  });
  it('rejects text without ids', () => {
    expect(() => parseLspci('00:02.0 VGA compatible controller: Intel Corporation')).toThrow(
      FirmwareError,
    );
  });
});

describe('detectBootLoader', () => {
  it('reads proxmox-boot-tool status', () => {
    const sd = `Re-executing '/usr/sbin/proxmox-boot-tool' in new private mount namespace..
System currently booted with uefi
0E5F-1B4B is configured with: uefi (versions: 6.8.12-4-pve, 6.8.12-5-pve)`;
    expect(detectBootLoader(sd)).toBe('systemd-boot');
    const grub = `System currently booted with uefi
E: /etc/kernel/proxmox-boot-uuids does not exist.`;
    expect(detectBootLoader(grub)).toBe('grub');
    expect(detectBootLoader('6D5E-0F8A is configured with: grub (versions: 6.8.12-4-pve)')).toBe(
      'grub',
    );
  });
  it('reads efibootmgr -v by BootCurrent', () => {
    const text = `BootCurrent: 0004
BootOrder: 0004,0003
Boot0003* proxmox	HD(2,GPT,…)/File(\\EFI\\proxmox\\grubx64.efi)
Boot0004* Linux Boot Manager	HD(2,GPT,…)/File(\\EFI\\systemd\\systemd-bootx64.efi)`;
    expect(detectBootLoader(text)).toBe('systemd-boot');
    expect(detectBootLoader(text.replace('BootCurrent: 0004', 'BootCurrent: 0003'))).toBe('grub');
  });
  it('rejects unrelated text', () => {
    expect(() => detectBootLoader('nothing here')).toThrow(FirmwareError);
  });
});

describe('parseVmConf', () => {
  it('parses keys, hostpci options and -set device properties with line numbers', () => {
    const c = parseVmConf(`# comment
bios: ovmf
hostpci0: 0000:00:02,legacy-igd=1,romfile=igd.rom
args: -set device.hostpci0.x-igd-gms=0x2 -set device.hostpci0.addr=02.0

[snap]
machine: q35`);
    expect(c.get('bios')).toEqual({ line: 2, key: 'bios', value: 'ovmf' });
    expect(c.get('machine')).toBeUndefined();
    expect(c.hostpci[0].host).toBe('0000:00:02.0');
    expect(c.hostpci[0].options.get('romfile')).toBe('igd.rom');
    expect(c.setProps.get('hostpci0.x-igd-gms')).toBe('0x2');
    expect(c.setProps.get('hostpci0.addr')).toBe('02.0');
  });
  it('normalises PCI addresses', () => {
    expect(normalizePciAddress('00:02')).toBe('0000:00:02.0');
    expect(normalizePciAddress('0000:00:1F.3')).toBe('0000:00:1f.3');
  });
});
