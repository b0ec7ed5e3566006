/**
 * A config for an iGPU whose PCI device ID nobody gave us (no lspci line, no probe report, no
 * --device): only its generation is known, from the user's choice or the GOP. The generation
 * decides QEMU's properties, but the `options vfio-pci ids=` line needs the exact device, and a
 * GOP's table lists many. So instead of the generation's first ID, the config asks for the real
 * one: the modprobe line becomes a comment naming the command that shows it, and install.sh reads
 * it from the host it runs on.
 */
import { hexDigits } from '../bytes/hex';
import type { IgpuInfo } from '../igpu/devices';
import type { Finding } from './check';
import type { ConfigBlock, ConfigResult } from './render';

/** Where the iGPU sits on every platform this app supports. */
const IGPU_ADDRESS = '00:02.0';

/** The comment that stands where `options vfio-pci ids=` would be. */
export const ASK_DEVICE_ID_LINE = `# set your iGPU's PCI ID here (lspci -nn -s ${IGPU_ADDRESS} shows it as [8086:xxxx]), then: options vfio-pci ids=8086:xxxx`;

/** install.sh's PCI_ID, read on the host; it stops when 00:02.0 holds no Intel device. */
const PCI_ID_FROM_HOST = `PCI_ID="$(lspci -n -s ${IGPU_ADDRESS} | awk '$3 ~ /^8086:/ { print $3 }')"; : "\${PCI_ID:?no Intel iGPU at ${IGPU_ADDRESS}: see lspci -nn -s ${IGPU_ADDRESS}}"`;

export const DEVICE_ID_UNKNOWN: Finding = {
  id: 'device-id-unknown',
  severity: 'warning',
  message: {
    en: `The iGPU's PCI device ID is not known (only its generation), so the modprobe.d line is left for you: paste the output of "lspci -nn -s ${IGPU_ADDRESS}" (or a probe report) to fill it in. install.sh reads the ID on the host itself.`,
    'zh-CN': `核显的 PCI 设备 ID 未知（只知道代数），所以 modprobe.d 那一行留给你填写：粘贴“lspci -nn -s ${IGPU_ADDRESS}”的输出（或探测报告）即可自动填入。install.sh 会在主机上自行读取该 ID。`,
  },
};

function rewrite(b: ConfigBlock, invented: string): ConfigBlock {
  const lines = b.lines.map((l) => {
    if (!l.text.includes(invented)) return l;
    if (/^\s*options\s+vfio[-_]pci\s/.test(l.text))
      return { text: ASK_DEVICE_ID_LINE, reason: DEVICE_ID_UNKNOWN.message };
    if (l.text.startsWith('PCI_ID=')) return { ...l, text: PCI_ID_FROM_HOST };
    return { ...l, text: l.text.split(invented).join('8086:xxxx') };
  });
  return { ...b, lines };
}

/**
 * The config rendered for a generation's stand-in device, with that device's ID taken out of
 * every line: nothing in it names a device the user may not have.
 */
export function withoutDeviceId(result: ConfigResult, standIn: IgpuInfo): ConfigResult {
  const invented = `8086:${hexDigits(standIn.deviceId, 4)}`;
  return {
    ...result,
    blocks: result.blocks.map((b) => rewrite(b, invented)),
    findings: [DEVICE_ID_UNKNOWN, ...result.findings],
  };
}
