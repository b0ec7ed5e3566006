/**
 * What a config says for an iGPU whose PCI device ID nobody gave us (no lspci line, no probe
 * report, no --device): only its generation is known (igpu/devices.ts IgpuGeneration). The
 * generation decides QEMU's properties, but the `options vfio-pci ids=` line needs the exact device,
 * and a GOP's table lists many. So the config asks for the real one: the modprobe line is a comment
 * naming the command that shows it, and install.sh reads it from the host it runs on.
 */
import type { Finding } from './check';

/** Where the iGPU sits on every platform this app supports. */
const IGPU_ADDRESS = '00:02.0';

/** Shown where the ID would be, e.g. in install.sh's header. */
export const UNKNOWN_PCI_ID = '8086:xxxx';

/** The comment that stands where `options vfio-pci ids=` would be. */
export const ASK_DEVICE_ID_LINE = `# set your iGPU's PCI ID here (lspci -nn -s ${IGPU_ADDRESS} shows it as [${UNKNOWN_PCI_ID}]), then: options vfio-pci ids=${UNKNOWN_PCI_ID}`;

/**
 * install.sh's PCI_ID read on the host (after die is defined): the Intel device at 00:02.0, or a
 * stop before anything is staged when there is none.
 */
export const PCI_ID_FROM_HOST_SH = [
  `PCI_ID="$(lspci -n -s ${IGPU_ADDRESS} | awk '$3 ~ /^8086:/ { print $3 }')"`,
  `[ -n "$PCI_ID" ] || die "no Intel iGPU at ${IGPU_ADDRESS} (see lspci -nn -s ${IGPU_ADDRESS}); nothing was changed"`,
];

export const DEVICE_ID_UNKNOWN: Finding = {
  id: 'device-id-unknown',
  severity: 'warning',
  message: {
    en: `The iGPU's PCI device ID is not known (only its generation), so the modprobe.d line is left for you: paste the output of "lspci -nn -s ${IGPU_ADDRESS}" (or a probe report) to fill it in. install.sh reads the ID on the host itself.`,
    'zh-CN': `核显的 PCI 设备 ID 未知（只知道代数），所以 modprobe.d 那一行留给你填写：粘贴“lspci -nn -s ${IGPU_ADDRESS}”的输出（或探测报告）即可自动填入。install.sh 会在主机上自行读取该 ID。`,
  },
};
