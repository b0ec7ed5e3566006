/**
 * The host and VM configuration for an AMD Radeon iGPU (render.ts does Intel): q35, the GPU and
 * its HDMI audio function on their own PCIe hostpci lines, the VBIOS ROM on the GPU and the AMD
 * GOP ROM on the audio function (or one combined ROM on the GPU), vfio-pci for both functions
 * ahead of amdgpu and snd_hda_intel. Nothing Intel-only (legacy-igd, x-igd-*, intel_iommu) is
 * ever written; the reset problem is stated with what users do about it.
 */
import { amdRomFileNames } from '../amd/names';
import { FirmwareError } from '../errors';
import { amdPciIds, type AmdIgpu } from './amd';
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
import { hostFramebufferParam, OVMF_DIR, ROM_DIR, type Version } from './facts';
import type { BootLoader } from './inputs';
import { installScriptLines, MODPROBE_FILE } from './install-script';
import { joinText, t, type MessageKey } from './messages';
import type { VmConsent } from './vm-merge';
import type { AmdVmWant } from './vm-merge-amd';
import { vmMergeLines } from './vm-plan';
import { pciId } from '../bytes/hex';

export interface AmdRenderInput {
  amd: AmdIgpu;
  qemu: Version;
  kernel: Version;
  boot: BootLoader;
  mode: 'rom' | 'ovmf';
  vmid: number;
  romFile?: string;
  gopRomFile?: string;
  combinedRom?: boolean;
  /**
   * The user's BIOS holds no VBIOS for this iGPU (step 1 found none): the GPU function gets no
   * romfile, only the GOP ROM is installed, and a note says where the VBIOS comes from instead.
   */
  noVbios?: boolean;
  vmConf?: string;
  consent?: VmConsent;
}

/**
 * Default ROM names: the VBIOS for the GPU function, the GOP ROM for the audio function, the
 * combined ROM in its place. The one place these names are made.
 */
export function amdRomNames(deviceId: number): { vbios: string; gop: string; combined: string } {
  const id = pciId(deviceId);
  const names = amdRomFileNames(id);
  return { vbios: names.vbios, gop: names.gopOnly, combined: names.combined };
}

/** Guest memory of the plain QEMU example; Proxmox users keep their own. */
const QEMU_MEMORY_MIB = 4096;

export function renderAmdConfig(o: AmdRenderInput): {
  blocks: ConfigBlock[];
  findings: Finding[];
  want: AmdVmWant;
} {
  // A patched OVMF carries the Intel GOP; for AMD the GOP comes in an option ROM.
  if (o.mode !== 'rom')
    throw new FirmwareError(
      'bad-input',
      'an AMD iGPU gets its GOP from an option ROM; use output mode rom (the patched OVMF is for Intel GOPs)',
    );
  // A combined ROM starts with the VBIOS image: without a VBIOS there is nothing to combine.
  if (o.combinedRom && o.noVbios)
    throw new FirmwareError(
      'bad-input',
      'a combined ROM holds the VBIOS image first; without a VBIOS use the GOP-only ROM on the audio function',
    );
  const { amd, kernel } = o;
  const names = amdRomNames(amd.deviceId);
  const gpuRom = o.noVbios
    ? undefined
    : (o.romFile ?? (o.combinedRom ? names.combined : names.vbios));
  const audioRom = o.combinedRom ? undefined : (o.gopRomFile ?? names.gop);
  const ids = amdPciIds(amd);
  const blocks: ConfigBlock[] = [];

  const modules = vfioModules(kernel, 'amd.modules.iommuType1', 'amd.modules.vfioPci');
  blocks.push(block('modules', 'block.modules', 'file', modules, '/etc/modules'));

  const fb = hostFramebufferParam(kernel);
  const params: [string, MessageKey][] = [
    ['iommu=pt', 'amd.param.iommuPt'],
    [fb, fb === 'video=efifb:off' ? 'amd.param.efifb' : 'amd.param.sysfb'],
  ];
  blocks.push(...cmdlineBlocks(o.boot, params));

  const modprobe = [
    L(`options vfio-pci ids=${ids}`, 'amd.modprobe.ids', { ids }),
    L('softdep amdgpu pre: vfio-pci', 'amd.modprobe.softdepGpu'),
    L('softdep snd_hda_intel pre: vfio-pci', 'amd.modprobe.softdepAudio'),
  ];
  blocks.push(block('modprobe', 'block.modprobeAmd', 'file', modprobe, MODPROBE_FILE));
  blocks.push(initramfsBlock());

  const files: ConfigLine[] = [];
  if (gpuRom)
    files.push(
      L(
        `install -m 0644 ${gpuRom} ${ROM_DIR}/${gpuRom}`,
        o.combinedRom ? 'amd.files.combined' : 'amd.files.vbios',
        { rom: gpuRom },
      ),
      L(`sha256sum ${ROM_DIR}/${gpuRom}`, 'files.hash'),
    );
  if (audioRom)
    files.push(
      L(`install -m 0644 ${audioRom} ${ROM_DIR}/${audioRom}`, 'amd.files.gop', { rom: audioRom }),
      L(`sha256sum ${ROM_DIR}/${audioRom}`, 'files.hash'),
    );
  blocks.push(block('files', 'block.filesAmd', 'commands', files));

  const gpuHostpci = `${amd.gpuAddress},pcie=1${gpuRom ? `,romfile=${gpuRom}` : ''}`;
  const gpuReason = gpuRom ? t('amd.vm.gpu', { rom: gpuRom }) : t('amd.vm.gpuNoVbios');
  const audioHostpci = `${amd.audioAddress},pcie=1${audioRom ? `,romfile=${audioRom}` : ''}`;
  const audioReason = audioRom ? t('amd.vm.audio', { rom: audioRom }) : t('amd.vm.audioCombined');
  const vm: ConfigLine[] = [
    L('bios: ovmf', 'amd.vm.bios'),
    L('machine: q35', 'amd.vm.machine'),
    L('vga: none', 'amd.vm.vga'),
    { text: `hostpci0: ${gpuHostpci}`, reason: gpuReason },
    { text: `hostpci1: ${audioHostpci}`, reason: audioReason },
    L('cpu: host', 'amd.vm.cpu'),
  ];
  blocks.push(block('vm-conf', 'block.vmConf', 'file', vm, `/etc/pve/qemu-server/${o.vmid}.conf`));

  const want: AmdVmWant = {
    vendor: 'amd',
    gpuHost: amd.gpuAddress,
    audioHost: amd.audioAddress,
    ...(gpuRom ? { gpuRom } : {}),
    ...(audioRom ? { audioRom } : {}),
  };
  const efidisk = `qm set ${o.vmid} --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0`;
  blocks.push(
    block(
      'qm-set',
      'block.qmSet',
      'commands',
      o.vmConf === undefined
        ? [
            L(`qm set ${o.vmid} --bios ovmf --machine q35 --vga none`, 'amd.qm.basic'),
            {
              text: `qm set ${o.vmid} --hostpci0 ${gpuHostpci}`,
              reason: joinText([gpuReason, t('amd.merge.unknownSlot')]),
            },
            {
              text: `qm set ${o.vmid} --hostpci1 ${audioHostpci}`,
              reason: joinText([audioReason, t('amd.merge.unknownSlot')]),
            },
            // Commented out: pasted into an existing VM it would replace a chosen CPU model.
            L(`# qm set ${o.vmid} --cpu host`, 'amd.merge.unknownCpu'),
            L(efidisk, 'amd.vm.efidisk'),
          ]
        : vmMergeLines(o.vmid, o.vmConf, want, o.consent ?? {}, []).lines,
    ),
  );

  const ovmfCode = `${OVMF_DIR}/OVMF_CODE_4M.fd`;
  const gpuDev = [
    'vfio-pci',
    `host=${amd.gpuAddress}`,
    'id=hostpci0',
    'bus=rp0',
    'addr=0x0',
    'multifunction=on',
    ...(gpuRom ? [`romfile=${ROM_DIR}/${gpuRom}`] : []),
  ].join(',');
  const audioDev = [
    'vfio-pci',
    `host=${amd.audioAddress}`,
    'id=hostpci1',
    'bus=rp0',
    'addr=0x0.1',
    ...(audioRom ? [`romfile=${ROM_DIR}/${audioRom}`] : []),
  ].join(',');
  blocks.push(
    block('qemu', 'block.qemu', 'commands', [
      ...qemuHead(['q35', 'amd.qemu.machine'], QEMU_MEMORY_MIB, [ovmfCode, 'qemu.code'], o.vmid),
      L('  -device pcie-root-port,id=rp0,chassis=1,slot=1 \\', 'amd.qemu.rootPort'),
      L(`  -device ${gpuDev} \\`, gpuRom ? 'amd.qemu.gpu' : 'amd.qemu.gpuNoVbios'),
      { text: `  -device ${audioDev}`, reason: joinText([t('amd.qemu.audio'), audioReason]) },
    ]),
  );

  blocks.push(
    block(
      'install',
      'block.install',
      'file',
      installScriptLines({
        vmid: o.vmid,
        boot: o.boot,
        mode: 'rom',
        igpu: amd,
        qemu: o.qemu,
        kernel,
        pciId: ids,
        modules: modules.map((m) => m.text),
        params: params.map((p) => p[0]),
        modprobeRest: modprobe.slice(1).map((m) => m.text),
        rom: gpuRom ?? '',
        ovmfFile: '',
        ovmfCode,
        props: [],
        minMemoryMiB: 0,
        consent: o.consent ?? {},
        reasons: { rom: gpuRom ?? '', minMemoryMiB: 0, propReasons: [] },
        amd: want,
      }),
      'install.sh',
    ),
  );

  if (o.noVbios)
    blocks.push(
      block('amd-no-vbios', 'block.amdNoVbios', 'notes', [
        L('This BIOS holds no VBIOS for this iGPU', 'amd.noVbios.what'),
        L('Without it the GOP cannot start the GPU', 'amd.noVbios.why'),
        L('cat /sys/firmware/acpi/tables/VFCT > vfct.bin', 'amd.noVbios.vfct'),
        L('Web app: step 1, drop vfct.bin with the BIOS', 'amd.noVbios.app'),
        L(
          'CLI: rom --bios BIOS --vbios vfct.bin; config --bios BIOS --vbios vfct.bin',
          'amd.noVbios.cli',
          { id: pciId(amd.deviceId) },
        ),
      ]),
    );
  blocks.push(
    block('amd-reset', 'block.amdReset', 'notes', [
      L('After the VM stops, the iGPU may not start again', 'amd.reset.what'),
      L('vendor-reset: APUs not officially supported', 'amd.reset.vendorReset'),
      L('Avoid VM restarts; reboot the host to recover', 'amd.reset.avoid'),
      L('Guest side: disable the GPU before shutdown', 'amd.reset.guest'),
    ]),
    block('host-bios', 'block.hostBios', 'notes', [
      L('SVM and IOMMU (AMD-Vi): Enabled', 'amd.bios.iommu'),
      L('Integrated graphics: Enabled (Forced when a discrete GPU is present)', 'amd.bios.igpu'),
      L('CSM / Legacy boot: Disabled (UEFI only)', 'amd.bios.csm'),
    ]),
  );

  const conf = vm.map((l) => l.text).join('\n');
  const findings = checkVmConfig(`${conf}\nefidisk0: local-lvm:vm-${o.vmid}-disk-0,efitype=4m`, {
    amd,
    combinedRom: o.combinedRom,
    noVbios: o.noVbios,
  });
  return { blocks, findings, want };
}
