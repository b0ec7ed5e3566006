/** Renders the host and VM configuration blocks for one PVE version, boot loader, iGPU and output mode. */
import { hexDigits } from '../bytes/hex';
import { FirmwareError, hex } from '../errors';
import type { IntelIgpu } from '../igpu/devices';
import { isAmdIgpu, type AmdIgpu } from './amd';
import {
  block,
  cmdlineBlocks,
  initramfsBlock,
  L,
  qemuHead,
  vfioModules,
  type ConfigBlock,
  type ConfigLine,
} from './blocks';
import { checkVmConfig, type Finding } from './check';
import { ASK_DEVICE_ID_LINE, DEVICE_ID_UNKNOWN } from './device-id';
import {
  defaultGms,
  fmt,
  hasLegacyModeSwitch,
  hostHasXeDriver,
  legacyModeCovers,
  MIN_MEMORY_MIB,
  needsExplicitLpc,
  needsGmsOverride,
  needsIntelIommuOn,
  opregionIsDefault,
  OVMF_DIR,
  OVMF_IMAGES,
  pveRelease,
  ROM_DIR,
  ver,
  type OvmfImage,
  type Version,
} from './facts';
import type { BootLoader } from './inputs';
import { installScriptLines, MODPROBE_FILE } from './install-script';
import { joinText, t, type MessageKey, type Text } from './messages';
import { renderAmdConfig } from './render-amd';
import type { VmConsent, VmWant } from './vm-merge';
import type { AmdVmWant } from './vm-merge-amd';
import { vmMergeLines } from './vm-plan';

export type OutputMode = 'rom' | 'ovmf';

export interface ConfigOptions {
  /** Proxmox VE major.minor, e.g. "9.1". Optional when qemu and kernel are both given. */
  pve?: string;
  /** Overrides from a pasted `pveversion -v`. */
  qemu?: Version;
  kernel?: Version;
  boot: BootLoader;
  /**
   * An Intel iGPU (igpu/devices.ts), perhaps known by its generation only (no device ID: the config
   * then asks for it, device-id.ts), or an AMD one (amd.ts, from pasted lspci).
   */
  igpu: IntelIgpu | AmdIgpu;
  mode: OutputMode;
  vmid: number;
  /** ROM file name in /usr/share/kvm (default igd.rom; AMD: the GPU function's ROM, see amdRomNames). */
  romFile?: string;
  /** AMD: the GOP ROM of the HDMI audio function (default see amdRomNames); unused with combinedRom. */
  gopRomFile?: string;
  /** AMD: romFile is the combined VBIOS + GOP ROM; the audio function then gets no ROM. */
  combinedRom?: boolean;
  /** AMD: the BIOS holds no VBIOS for the iGPU; the GPU function gets no ROM (render-amd.ts). */
  noVbios?: boolean;
  /**
   * ovmf mode: the Proxmox image the patched OVMF replaces (default OVMF_CODE_4M.fd, what an
   * i440fx VM loads; see facts.ts OVMF_IMAGES).
   */
  ovmfImage?: OvmfImage;
  /** ovmf mode: local name of the patched image (default: the same name, as the patch step keeps it). */
  ovmfFile?: string;
  /** Add x-igd-legacy-mode=on where legacy mode applies, so a wrong setup fails instead of running without display. */
  strictLegacyMode?: boolean;
  /** x-igd-gms value; default per generation, and only emitted where QEMU needs it unless given. */
  gms?: number;
  /** The guest memory minimum: raised to when below, never lowered (default MIN_MEMORY_MIB). */
  memoryMiB?: number;
  /** An OS type for the sample VM config (none by default: the guest's OS is the user's choice). */
  ostype?: 'l26' | 'win10' | 'win11';
  /** The VM's current config (`qm config` or the pasted .conf): the qm set lines then merge into it. */
  vmConf?: string;
  /** Changes without a hard passthrough reason that the user agreed to (Windows ostype → l26, cpu → host). */
  consent?: VmConsent;
}

export type { ConfigBlock, ConfigLine } from './blocks';

export interface ConfigResult {
  pve?: string;
  qemu: string;
  kernel: string;
  igpu: IntelIgpu | AmdIgpu;
  blocks: ConfigBlock[];
  /** Problems of this combination (e.g. QEMU too old for the iGPU), from the same rule engine as check-vm. */
  findings: Finding[];
  /** What the VM needs, for merging into a VM config the user pastes later (vm-plan.ts). */
  vm: { want: VmWant | AmdVmWant; propReasons: Text[] };
}

interface IgdProp {
  name: string;
  value: string;
  reason: Text;
}

function resolveVersions(o: ConfigOptions): { qemu: Version; kernel: Version } {
  const rel = o.pve === undefined ? undefined : pveRelease(o.pve);
  if (o.pve !== undefined && !rel && !(o.qemu && o.kernel))
    throw new FirmwareError(
      'bad-input',
      `unknown Proxmox VE version ${o.pve}; paste pveversion -v instead`,
    );
  if (!rel && !(o.qemu && o.kernel))
    throw new FirmwareError(
      'bad-input',
      'give a Proxmox VE version or both QEMU and kernel versions',
    );
  return { qemu: o.qemu ?? ver(rel!.qemu), kernel: o.kernel ?? ver(rel!.kernel) };
}

function validate(o: ConfigOptions): void {
  if (!Number.isInteger(o.vmid) || o.vmid < 100 || o.vmid > 999_999_999)
    throw new FirmwareError(
      'bad-input',
      `VM id must be an integer from 100 to 999999999 (got ${o.vmid})`,
    );
  for (const f of [o.romFile, o.ovmfFile, o.gopRomFile])
    if (f !== undefined && !/^[\w][\w.+-]*$/.test(f))
      throw new FirmwareError(
        'bad-input',
        `file name "${f}" must be a plain name (letters, digits, . _ + -)`,
      );
  if (o.gms !== undefined && (!Number.isInteger(o.gms) || o.gms < 0 || o.gms > 0xfe))
    throw new FirmwareError('bad-input', `x-igd-gms must be 0…0xFE (got ${o.gms})`);
  if (o.ovmfImage !== undefined && !OVMF_IMAGES.includes(o.ovmfImage))
    throw new FirmwareError('bad-input', `OVMF image must be one of ${OVMF_IMAGES.join(', ')}`);
  if (o.memoryMiB !== undefined && (!Number.isInteger(o.memoryMiB) || o.memoryMiB < 512))
    throw new FirmwareError('bad-input', `memory must be at least 512 MiB (got ${o.memoryMiB})`);
}

/** The x-igd-* properties this QEMU version and generation need, in a fixed order. */
export function igdProps(
  qemu: Version,
  igpu: IntelIgpu,
  o: Pick<ConfigOptions, 'gms' | 'strictLegacyMode'> = {},
): IgdProp[] {
  const props: IgdProp[] = [];
  const gms = o.gms ?? defaultGms(igpu);
  if (needsGmsOverride(qemu))
    props.push({
      name: 'x-igd-gms',
      value: hex(gms),
      reason: t('arg.gms', { gms: hex(gms), mib: gms * 32 }),
    });
  else if (o.gms !== undefined)
    props.push({
      name: 'x-igd-gms',
      value: hex(gms),
      reason: t('arg.gmsOverride', { mib: gms * 32 }),
    });
  if (!opregionIsDefault(qemu))
    props.push({ name: 'x-igd-opregion', value: 'on', reason: t('arg.opregion') });
  if (needsExplicitLpc(qemu, igpu))
    props.push({ name: 'x-igd-lpc', value: 'on', reason: t('arg.lpc') });
  if (o.strictLegacyMode && hasLegacyModeSwitch(qemu) && legacyModeCovers(qemu, igpu))
    props.push({ name: 'x-igd-legacy-mode', value: 'on', reason: t('arg.legacyMode') });
  return props;
}

export function renderConfig(o: ConfigOptions): ConfigResult {
  validate(o);
  const { qemu, kernel } = resolveVersions(o);
  if (isAmdIgpu(o.igpu)) {
    const amd = renderAmdConfig({ ...o, amd: o.igpu, qemu, kernel });
    return {
      pve: o.pve,
      qemu: fmt(qemu),
      kernel: fmt(kernel),
      igpu: o.igpu,
      blocks: amd.blocks,
      findings: amd.findings,
      vm: { want: amd.want, propReasons: [] },
    };
  }
  const igpu = o.igpu;
  const rom = o.romFile ?? 'igd.rom';
  const ovmfImage = o.ovmfImage ?? 'OVMF_CODE_4M.fd';
  const ovmfFile = o.ovmfFile ?? ovmfImage;
  /** The OVMF code image the VM loads: stock in rom mode, the replaced one in ovmf mode. */
  const ovmfCode = `${OVMF_DIR}/${o.mode === 'ovmf' ? ovmfImage : 'OVMF_CODE_4M.fd'}`;
  const memory = o.memoryMiB ?? MIN_MEMORY_MIB;
  /** Undefined when only the generation is known: nothing then names a device the user may not have. */
  const pciId = igpu.deviceId === undefined ? undefined : `8086:${hexDigits(igpu.deviceId, 4)}`;
  const props = igdProps(qemu, igpu, o);
  const gmsMiB = (o.gms ?? defaultGms(igpu)) * 32;
  const argsValue = props.map((p) => `-set device.hostpci0.${p.name}=${p.value}`).join(' ');
  const blocks: ConfigBlock[] = [];

  // /etc/modules
  const modules = vfioModules(kernel, 'modules.iommuType1', 'modules.vfioPci');
  blocks.push(block('modules', 'block.modules', 'file', modules, '/etc/modules'));

  // Kernel command line. initcall_blacklist=sysfb_init keeps the boot framebuffer (simplefb/efifb)
  // off the iGPU's memory; the QEMU docs name video=efifb:off, current guides this parameter
  // (igd-passthrough-notes §4.3). sysfb_init is an initcall on every kernel listed in facts.ts.
  const params: [string, MessageKey][] = [];
  if (needsIntelIommuOn(kernel)) params.push(['intel_iommu=on', 'param.intelIommu']);
  params.push(['iommu=pt', 'param.iommuPt'], ['initcall_blacklist=sysfb_init', 'param.sysfb']);
  blocks.push(...cmdlineBlocks(o.boot, params));

  // /etc/modprobe.d
  const modprobe = [
    pciId === undefined
      ? { text: ASK_DEVICE_ID_LINE, reason: DEVICE_ID_UNKNOWN.message }
      : L(`options vfio-pci ids=${pciId}`, 'modprobe.ids', { id: pciId }),
    L('softdep i915 pre: vfio-pci', 'modprobe.softdep'),
    L('blacklist i915', 'modprobe.blacklistI915'),
  ];
  if (hostHasXeDriver(kernel, igpu)) modprobe.push(L('blacklist xe', 'modprobe.blacklistXe'));
  blocks.push(block('modprobe', 'block.modprobe', 'file', modprobe, MODPROBE_FILE));
  blocks.push(initramfsBlock());

  // Files
  const romLines = [
    L(`install -m 0644 ${rom} ${ROM_DIR}/${rom}`, o.mode === 'rom' ? 'files.rom' : 'files.igdRom', {
      rom,
    }),
    L(`sha256sum ${ROM_DIR}/${rom}`, 'files.hash'),
  ];
  if (o.mode === 'rom') blocks.push(block('files', 'block.files', 'commands', romLines));
  else {
    blocks.push(
      block('files', 'block.filesOvmf', 'commands', [
        ...romLines,
        L(`mkdir -p /root/ovmf-backup && cp -a ${ovmfCode} /root/ovmf-backup/`, 'ovmf.backup'),
        L(
          `dpkg-divert --local --rename --divert ${ovmfCode}.distrib --add ${ovmfCode}`,
          'ovmf.divert',
        ),
        L(
          `install -m 0644 ${ovmfFile} ${ovmfCode}`,
          ovmfImage === 'OVMF_CODE_4M.fd' ? 'ovmf.install' : 'ovmf.installSecboot',
          { file: ovmfFile },
        ),
        L(`sha256sum ${ovmfCode}`, 'files.hash'),
      ]),
      block('ovmf-undo', 'block.ovmfUndo', 'commands', [
        L(`rm ${ovmfCode}`, 'ovmf.undoRemove'),
        L(`dpkg-divert --local --rename --remove ${ovmfCode}`, 'ovmf.undoDivert'),
        L('dpkg -V pve-edk2-firmware', 'ovmf.undoVerify'),
      ]),
    );
  }

  // VM config
  const hostpci = `0000:00:02.0,legacy-igd=1,romfile=${rom}`;
  const vm: ConfigLine[] = [
    L('bios: ovmf', 'vm.bios'),
    L('machine: pc', 'vm.machine'),
    L('vga: none', 'vm.vga'),
    L(`hostpci0: ${hostpci}`, 'vm.hostpci', { rom }),
  ];
  if (props.length)
    vm.push({ text: `args: ${argsValue}`, reason: joinText(props.map((p) => p.reason)) });
  vm.push(L('cpu: host', 'vm.cpu'), L(`memory: ${memory}`, 'vm.memory', { min: MIN_MEMORY_MIB }));
  if (o.ostype) vm.push(L(`ostype: ${o.ostype}`, 'vm.ostype'));
  blocks.push(block('vm-conf', 'block.vmConf', 'file', vm, `/etc/pve/qemu-server/${o.vmid}.conf`));

  const want: VmWant = {
    rom,
    props: props.map(({ name, value }) => ({ name, value })),
    minMemoryMiB: memory,
  };
  const propReasons = props.map((p) => p.reason);
  blocks.push(
    o.vmConf === undefined
      ? block(
          'qm-set',
          'block.qmSet',
          'commands',
          qmSetForUnknownVm(o, rom, hostpci, argsValue, propReasons),
        )
      : block(
          'qm-set',
          'block.qmSet',
          'commands',
          vmMergeLines(o.vmid, o.vmConf, want, o.consent ?? {}, propReasons).lines,
        ),
  );

  // Plain QEMU
  const dev = [
    'vfio-pci',
    'host=0000:00:02.0',
    'id=hostpci0',
    'bus=pci.0',
    'addr=0x2',
    `romfile=${ROM_DIR}/${rom}`,
    ...props.map((p) => `${p.name}=${p.value}`),
  ].join(',');
  blocks.push(
    block('qemu', 'block.qemu', 'commands', [
      ...qemuHead(
        ['pc', 'vm.machine'],
        memory,
        [ovmfCode, o.mode === 'rom' ? 'qemu.code' : 'qemu.codePatched'],
        o.vmid,
      ),
      {
        text: `  -device ${dev}`,
        reason: joinText([t('qemu.device'), ...props.map((p) => p.reason)]),
      },
    ]),
  );

  // libvirt
  const lv: ConfigLine[] = [
    L(`<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>`, 'libvirt.ns'),
    L(
      `  <os><type arch='x86_64' machine='pc'>hvm</type><loader readonly='yes' type='pflash'>${ovmfCode}</loader></os>`,
      'libvirt.os',
    ),
    L(`  <cpu mode='host-passthrough'/>`, 'vm.cpu'),
    L(`  <hostdev mode='subsystem' type='pci' managed='yes'>`, 'libvirt.hostdev'),
    L(
      `    <source><address domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></source>`,
      'libvirt.source',
    ),
    L(`    <alias name='ua-igd'/>`, 'libvirt.alias'),
    L(`    <rom file='${ROM_DIR}/${rom}'/>`, 'vm.hostpci', { rom }),
    L(
      `    <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>`,
      'libvirt.guestAddr',
    ),
    L(`  </hostdev>`, 'libvirt.close'),
    L(`  <video><model type='none'/></video>`, 'vm.vga'),
  ];
  if (props.length) {
    lv.push(L(`  <qemu:override><qemu:device alias='ua-igd'><qemu:frontend>`, 'libvirt.override'));
    for (const p of props) {
      const [type, value] =
        p.value === 'on' ? ['bool', 'true'] : ['unsigned', String(Number(p.value))];
      lv.push({
        text: `    <qemu:property name='${p.name}' type='${type}' value='${value}'/>`,
        reason: p.reason,
      });
    }
    lv.push(L(`  </qemu:frontend></qemu:device></qemu:override>`, 'libvirt.close'));
  }
  lv.push(L(`</domain>`, 'libvirt.close'));
  blocks.push(block('libvirt', 'block.libvirt', 'fragment', lv));

  blocks.push(
    block(
      'install',
      'block.install',
      'file',
      installScriptLines({
        vmid: o.vmid,
        boot: o.boot,
        mode: o.mode,
        igpu,
        qemu,
        kernel,
        pciId,
        modules: modules.map((m) => m.text),
        params: params.map((p) => p[0]),
        modprobeRest: modprobe.slice(1).map((m) => m.text),
        rom,
        ovmfFile,
        ovmfCode,
        props: want.props,
        minMemoryMiB: memory,
        consent: o.consent ?? {},
        reasons: { rom, minMemoryMiB: memory, propReasons },
      }),
      'install.sh',
    ),
  );

  blocks.push(
    block('flashrom', 'block.flashrom', 'commands', [
      L('apt install flashrom', 'flashrom.install'),
      L('flashrom -p internal --ifd -i bios -r /root/bios-region.bin', 'flashrom.bios'),
      L('flashrom -p internal -r /root/flash-full.bin', 'flashrom.full'),
      L(
        '# "/dev/mem mmap failed" → add iomem=relaxed to the kernel command line once',
        'flashrom.iomem',
      ),
    ]),
    block('host-bios', 'block.hostBios', 'notes', [
      L('VT-d: Enabled', 'bios.vtd'),
      L('CSM / Legacy boot: Disabled (UEFI only)', 'bios.csm'),
      L('Primary display: IGD (iGPU)', 'bios.primary'),
      needsGmsOverride(qemu)
        ? L(`DVMT Pre-Allocated: ${Math.min(64, gmsMiB)}M`, 'bios.dvmtOld', { mib: gmsMiB })
        : L('DVMT Pre-Allocated: 64M or more', 'bios.dvmt'),
    ]),
  );

  const conf = vm.map((l) => l.text).join('\n');
  // The qm set --efidisk0 line gives the VM a 4m efidisk; check the conf as it will be after it.
  const vmFindings = checkVmConfig(`${conf}\nefidisk0: local-lvm:vm-${o.vmid}-disk-0,efitype=4m`, {
    qemu,
    igpu,
    mode: o.mode,
    ovmfImage: o.mode === 'ovmf' ? ovmfImage : undefined,
  });
  const findings = pciId === undefined ? [DEVICE_ID_UNKNOWN, ...vmFindings] : vmFindings;
  return {
    pve: o.pve,
    qemu: fmt(qemu),
    kernel: fmt(kernel),
    igpu,
    blocks,
    findings,
    vm: { want, propReasons },
  };
}

/**
 * qm set lines for a VM whose config is not known: the settings passthrough needs, each reason
 * saying what it would replace, and a pointer to the merged lines (paste the config, or install.sh).
 */
function qmSetForUnknownVm(
  o: ConfigOptions,
  rom: string,
  hostpci: string,
  argsValue: string,
  propReasons: Text[],
): ConfigLine[] {
  const min = o.memoryMiB ?? MIN_MEMORY_MIB;
  const qm: ConfigLine[] = [
    L(`qm set ${o.vmid} --bios ovmf --machine pc --vga none`, 'qm.basic'),
    {
      text: `qm set ${o.vmid} --hostpci0 ${hostpci}`,
      reason: joinText([t('vm.hostpci', { rom }), t('merge.unknownSlot')]),
    },
  ];
  if (argsValue)
    qm.push({
      text: `qm set ${o.vmid} --args "${argsValue}"`,
      reason: joinText([...propReasons, t('merge.unknownArgs')]),
    });
  // Commented out: pasted into an existing VM it could lower memory or replace a chosen CPU model.
  qm.push(L(`# qm set ${o.vmid} --cpu host --memory ${min}`, 'merge.unknownCpuMem', { min }));
  if (o.consent?.ostype)
    qm.push({
      text: `qm set ${o.vmid} --ostype l26`,
      reason: joinText([t('merge.ask.ostype'), t('merge.consented')]),
    });
  qm.push(
    L(`qm set ${o.vmid} --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0`, 'vm.efidisk'),
  );
  return qm;
}
