/** Renders the host and VM configuration blocks for one PVE version, boot loader, iGPU and output mode. */
import { hexDigits } from '../bytes/hex';
import { FirmwareError, hex } from '../errors';
import type { IgpuInfo } from '../igpu/devices';
import { checkVmConfig, type Finding } from './check';
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
  needsVfioVirqfd,
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
import { joinText, t, type MessageKey, type Text } from './messages';

export type OutputMode = 'rom' | 'ovmf';

export interface ConfigOptions {
  /** Proxmox VE major.minor, e.g. "9.1". Optional when qemu and kernel are both given. */
  pve?: string;
  /** Overrides from a pasted `pveversion -v`. */
  qemu?: Version;
  kernel?: Version;
  boot: BootLoader;
  igpu: IgpuInfo;
  mode: OutputMode;
  vmid: number;
  /** ROM file name in /usr/share/kvm (default igd.rom). */
  romFile?: string;
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
  memoryMiB?: number;
  ostype?: 'l26' | 'win10' | 'win11';
}

export interface ConfigLine {
  text: string;
  reason: Text;
}

export interface ConfigBlock {
  id: string;
  title: Text;
  /** File the lines go into; absent for commands. */
  path?: string;
  kind: 'file' | 'commands' | 'fragment' | 'notes';
  lines: ConfigLine[];
}

export interface ConfigResult {
  pve?: string;
  qemu: string;
  kernel: string;
  igpu: IgpuInfo;
  blocks: ConfigBlock[];
  /** Problems of this combination (e.g. QEMU too old for the iGPU), from the same rule engine as check-vm. */
  findings: Finding[];
}

interface IgdProp {
  name: string;
  value: string;
  reason: Text;
}

const L = (
  text: string,
  key: MessageKey,
  params?: Record<string, string | number>,
): ConfigLine => ({
  text,
  reason: t(key, params),
});

function block(
  id: string,
  titleKey: MessageKey,
  kind: ConfigBlock['kind'],
  lines: ConfigLine[],
  path?: string,
): ConfigBlock {
  return path === undefined
    ? { id, title: t(titleKey), kind, lines }
    : { id, title: t(titleKey), kind, path, lines };
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
  for (const f of [o.romFile, o.ovmfFile])
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
  igpu: IgpuInfo,
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
  const igpu = o.igpu;
  const rom = o.romFile ?? 'igd.rom';
  const ovmfImage = o.ovmfImage ?? 'OVMF_CODE_4M.fd';
  const ovmfFile = o.ovmfFile ?? ovmfImage;
  /** The OVMF code image the VM loads: stock in rom mode, the replaced one in ovmf mode. */
  const ovmfCode = `${OVMF_DIR}/${o.mode === 'ovmf' ? ovmfImage : 'OVMF_CODE_4M.fd'}`;
  const memory = o.memoryMiB ?? MIN_MEMORY_MIB;
  const ostype = o.ostype ?? 'l26';
  const pciId = `8086:${hexDigits(igpu.deviceId, 4)}`;
  const props = igdProps(qemu, igpu, o);
  const gmsMiB = (o.gms ?? defaultGms(igpu)) * 32;
  const argsValue = props.map((p) => `-set device.hostpci0.${p.name}=${p.value}`).join(' ');
  const blocks: ConfigBlock[] = [];

  // /etc/modules
  const modules = [
    L('vfio', 'modules.vfio'),
    L('vfio_iommu_type1', 'modules.iommuType1'),
    L('vfio_pci', 'modules.vfioPci'),
  ];
  if (needsVfioVirqfd(kernel)) modules.push(L('vfio_virqfd', 'modules.virqfd'));
  blocks.push(block('modules', 'block.modules', 'file', modules, '/etc/modules'));

  // Kernel command line. initcall_blacklist=sysfb_init keeps the boot framebuffer (simplefb/efifb)
  // off the iGPU's memory; the QEMU docs name video=efifb:off, current guides this parameter
  // (igd-passthrough-notes §4.3). sysfb_init is an initcall on every kernel listed in facts.ts.
  const params: [string, MessageKey][] = [];
  if (needsIntelIommuOn(kernel)) params.push(['intel_iommu=on', 'param.intelIommu']);
  params.push(['iommu=pt', 'param.iommuPt'], ['initcall_blacklist=sysfb_init', 'param.sysfb']);
  const paramText = params.map((p) => p[0]).join(' ');
  const paramReason = joinText(params.map((p) => t(p[1])));
  if (o.boot === 'grub') {
    blocks.push(
      block(
        'cmdline',
        'block.cmdlineGrub',
        'file',
        [
          {
            text: `GRUB_CMDLINE_LINUX_DEFAULT="quiet ${paramText}"`,
            reason: joinText([t('cmdline.grubLine'), paramReason]),
          },
        ],
        '/etc/default/grub',
      ),
      block('cmdline-apply', 'block.cmdlineApply', 'commands', [
        L('update-grub', 'cmdline.updateGrub'),
      ]),
    );
  } else {
    blocks.push(
      block(
        'cmdline',
        'block.cmdlineSd',
        'file',
        [
          {
            text: `root=ZFS=rpool/ROOT/pve-1 boot=zfs ${paramText}`,
            reason: joinText([t('cmdline.sdLine'), paramReason]),
          },
        ],
        '/etc/kernel/cmdline',
      ),
      block('cmdline-apply', 'block.cmdlineApply', 'commands', [
        L('proxmox-boot-tool refresh', 'cmdline.pbtRefresh'),
      ]),
    );
  }

  // /etc/modprobe.d
  const modprobe = [
    L(`options vfio-pci ids=${pciId}`, 'modprobe.ids', { id: pciId }),
    L('softdep i915 pre: vfio-pci', 'modprobe.softdep'),
    L('blacklist i915', 'modprobe.blacklistI915'),
  ];
  if (hostHasXeDriver(kernel, igpu)) modprobe.push(L('blacklist xe', 'modprobe.blacklistXe'));
  blocks.push(
    block('modprobe', 'block.modprobe', 'file', modprobe, '/etc/modprobe.d/igd-passthrough.conf'),
  );
  blocks.push(
    block('initramfs', 'block.initramfs', 'commands', [
      L('update-initramfs -u -k all', 'modprobe.initramfs'),
      L('reboot', 'host.reboot'),
    ]),
  );

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
  vm.push(
    L('cpu: host', 'vm.cpu'),
    L(`memory: ${memory}`, 'vm.memory', { min: MIN_MEMORY_MIB }),
    L(`ostype: ${ostype}`, 'vm.ostype'),
  );
  blocks.push(block('vm-conf', 'block.vmConf', 'file', vm, `/etc/pve/qemu-server/${o.vmid}.conf`));

  const qm: ConfigLine[] = [
    L(`qm set ${o.vmid} --bios ovmf --machine pc --vga none`, 'qm.basic'),
    L(`qm set ${o.vmid} --hostpci0 ${hostpci}`, 'vm.hostpci', { rom }),
  ];
  if (props.length)
    qm.push({
      text: `qm set ${o.vmid} --args "${argsValue}"`,
      reason: joinText(props.map((p) => p.reason)),
    });
  qm.push(
    L(`qm set ${o.vmid} --cpu host --memory ${memory} --ostype ${ostype}`, 'qm.cpuMem', {
      min: MIN_MEMORY_MIB,
    }),
    L(`qm set ${o.vmid} --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0`, 'vm.efidisk'),
  );
  blocks.push(block('qm-set', 'block.qmSet', 'commands', qm));

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
      L('qemu-system-x86_64 -enable-kvm \\', 'qemu.bin'),
      L('  -machine pc \\', 'vm.machine'),
      L(`  -cpu host -m ${memory} \\`, 'qemu.cpuMem'),
      L(
        `  -drive if=pflash,format=raw,readonly=on,file=${ovmfCode} \\`,
        o.mode === 'rom' ? 'qemu.code' : 'qemu.codePatched',
      ),
      L(`  -drive if=pflash,format=raw,file=vm-${o.vmid}-vars.fd \\`, 'qemu.vars'),
      L('  -vga none -nodefaults \\', 'qemu.noVga'),
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
    renderInstallScript(o, {
      qemu,
      kernel,
      params: params.map((p) => p[0]),
      modules: modules.map((m) => m.text),
      modprobe: modprobe.map((m) => m.text),
      rom,
      ovmfFile,
      ovmfCode,
      hostpci,
      argsValue,
      memory,
      ostype,
      pciId,
    }),
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
  const findings = checkVmConfig(`${conf}\nefidisk0: local-lvm:vm-${o.vmid}-disk-0,efitype=4m`, {
    qemu,
    igpu,
    mode: o.mode,
    ovmfImage: o.mode === 'ovmf' ? ovmfImage : undefined,
  });
  return { pve: o.pve, qemu: fmt(qemu), kernel: fmt(kernel), igpu, blocks, findings };
}

interface ScriptCtx {
  qemu: Version;
  kernel: Version;
  params: string[];
  modules: string[];
  modprobe: string[];
  rom: string;
  ovmfFile: string;
  ovmfCode: string;
  hostpci: string;
  argsValue: string;
  memory: number;
  ostype: string;
  pciId: string;
}

const MODPROBE_FILE = '/etc/modprobe.d/igd-passthrough.conf';

/**
 * install.sh: the host steps with checks, backups and a dry run. Every path is prefixed with
 * "$R" (from $ROOT, empty on the host) so the tests can run it, dry and for real, against a
 * scratch copy of the file system with stub commands; dpkg-divert gets --root for the same reason.
 */
function renderInstallScript(o: ConfigOptions, c: ScriptCtx): ConfigBlock {
  const lines: ConfigLine[] = [];
  const step = (
    key: MessageKey,
    texts: string[],
    params?: Record<string, string | number>,
  ): void => {
    for (const text of texts) lines.push(L(text, key, params));
  };
  const qemu = fmt(c.qemu);
  const cmdlineFile = o.boot === 'grub' ? '/etc/default/grub' : '/etc/kernel/cmdline';
  step('sh.header', [
    '#!/usr/bin/env bash',
    `# IGD passthrough host setup: QEMU ${qemu}, kernel ${fmt(c.kernel)}, ${o.igpu.label} [${c.pciId}], ${o.boot}, mode ${o.mode}`,
    '# usage: bash install.sh            (dry run: prints what it would do)',
    '#        bash install.sh --apply    (makes the changes)',
    'set -euo pipefail',
  ]);
  step('sh.root', ['R="${ROOT:-}"']);
  step('sh.helpers', [
    'DRY_RUN=1; if [ "${1:-}" = "--apply" ]; then DRY_RUN=0; fi',
    'BACKUP="$R/root/igd-passthrough-backup-$(date +%Y%m%d-%H%M%S)"',
    'die() { echo "error: $*" >&2; exit 1; }',
    'run() { echo "+ $*"; if [ "$DRY_RUN" = 0 ]; then "$@"; fi; }',
    'append_once() { if ! grep -qxF -- "$2" "$1" 2>/dev/null; then echo "+ append \'$2\' to $1"; if [ "$DRY_RUN" = 0 ]; then echo "$2" >> "$1"; fi; fi; }',
  ]);
  step('sh.checks', [
    '[ "$(id -u)" = 0 ] || die "run as root"',
    'command -v pveversion >/dev/null || die "this is not a Proxmox VE host"',
    `lspci -n -s 00:02.0 | grep -qi "${c.pciId}" || die "00:02.0 is not ${c.pciId}; regenerate the config for your iGPU"`,
  ]);
  step('sh.qemuCheck', [
    `HOST_QEMU="$(pveversion -v | sed -n 's/^pve-qemu-kvm: *\\([0-9]*\\.[0-9]*\\).*/\\1/p')"`,
    `[ -z "$HOST_QEMU" ] || [ "$HOST_QEMU" = "${qemu}" ] || die "generated for pve-qemu-kvm ${qemu}, this host runs $HOST_QEMU; regenerate the config for it"`,
  ]);
  step('sh.checks', [`[ -f "${c.rom}" ] || die "${c.rom} not found in the current directory"`]);
  if (o.mode === 'ovmf')
    step('sh.checks', [
      `[ -f "${c.ovmfFile}" ] || die "${c.ovmfFile} not found in the current directory"`,
      `[ -f "$R${c.ovmfCode}" ] || die "${c.ovmfCode} missing: is pve-edk2-firmware installed?"`,
    ]);
  step('sh.checks', [
    `[ -f "$R${cmdlineFile}" ] || die "${cmdlineFile} missing: is the boot loader really ${o.boot}?"`,
  ]);
  step('sh.disableVga', [
    `if grep -rqsE 'disable_vga=(1|Y|y)' "$R/etc/modprobe.d"; then echo "warning: /etc/modprobe.d sets disable_vga=1, which breaks legacy IGD passthrough; remove it" >&2; fi`,
  ]);
  step('sh.backup', [
    'run mkdir -p "$BACKUP"',
    `run cp -a "$R/etc/modules" "$R${cmdlineFile}" "$BACKUP"/`,
    `if [ -f "$R${MODPROBE_FILE}" ]; then run cp -a "$R${MODPROBE_FILE}" "$BACKUP"/; fi`,
  ]);
  step(
    'sh.modules',
    c.modules.map((m) => `append_once "$R/etc/modules" ${m}`),
  );
  if (o.boot === 'grub')
    step('sh.paramHelper', [
      `has_param() { grep -qE "^GRUB_CMDLINE_LINUX_DEFAULT=\\"([^\\"]* )?$1( [^\\"]*)?\\"" "$R/etc/default/grub"; }`,
      `add_param() { has_param "$1" && return; run sed -i "s/^GRUB_CMDLINE_LINUX_DEFAULT=\\"\\(.*\\)\\"/GRUB_CMDLINE_LINUX_DEFAULT=\\"\\1 $1\\"/" "$R/etc/default/grub"; [ "$DRY_RUN" = 1 ] || has_param "$1" || die "could not add $1 to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub; add it by hand"; }`,
    ]);
  else
    step('sh.paramHelper', [
      `has_param() { grep -qE "(^| )$1( |\\$)" "$R/etc/kernel/cmdline"; }`,
      `add_param() { has_param "$1" && return; run sed -i "1 s/\\$/ $1/" "$R/etc/kernel/cmdline"; }`,
    ]);
  for (const p of c.params) step('sh.cmdline', [`add_param ${p}`], { param: p });
  step('sh.modprobe', [
    `echo "+ write ${MODPROBE_FILE}"`,
    `if [ "$DRY_RUN" = 0 ]; then printf '%s\\n' ${c.modprobe.map((m) => `'${m}'`).join(' ')} > "$R${MODPROBE_FILE}"; fi`,
  ]);
  step('sh.rom', [`run install -D -m 0644 "${c.rom}" "$R${ROM_DIR}/${c.rom}"`]);
  if (o.mode === 'ovmf')
    step('sh.ovmf', [
      `run cp -a "$R${c.ovmfCode}" "$BACKUP"/`,
      `if ! dpkg-divert \${R:+--root "$R"} --list "${c.ovmfCode}" | grep -q distrib; then run dpkg-divert \${R:+--root "$R"} --local --rename --divert "${c.ovmfCode}.distrib" --add "${c.ovmfCode}"; fi`,
      `run install -m 0644 "${c.ovmfFile}" "$R${c.ovmfCode}"`,
    ]);
  step('sh.apply', [
    'run update-initramfs -u -k all',
    o.boot === 'grub' ? 'run update-grub' : 'run proxmox-boot-tool refresh',
  ]);
  const vmLines = [
    `if qm config ${o.vmid} >/dev/null 2>&1; then`,
    `  run qm set ${o.vmid} --bios ovmf --machine pc --vga none --cpu host --memory ${c.memory} --ostype ${c.ostype}`,
    `  run qm set ${o.vmid} --hostpci0 ${c.hostpci}`,
  ];
  if (c.argsValue) vmLines.push(`  run qm set ${o.vmid} --args "${c.argsValue}"`);
  vmLines.push(
    `  qm config ${o.vmid} | grep -q '^efidisk0:.*efitype=4m' || echo "note: VM ${o.vmid} needs a 4m EFI disk: qm set ${o.vmid} --efidisk0 <storage>:1,efitype=4m,pre-enrolled-keys=0"`,
  );
  vmLines.push(
    `else echo "VM ${o.vmid} does not exist yet; create it, then run the qm set lines"; fi`,
  );
  step('sh.vm', vmLines, { vmid: o.vmid });
  step('sh.done', [
    'if [ "$DRY_RUN" = 1 ]; then echo "dry run: nothing changed; run again with --apply"; else echo "done; backups in $BACKUP; reboot the host"; fi',
  ]);
  return block('install', 'block.install', 'file', lines, 'install.sh');
}
