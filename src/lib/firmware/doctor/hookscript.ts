/**
 * The Proxmox hookscript `ovmf-gop hookscript` prints: in the pre-start phase it runs the
 * checks a shell can make without our TypeScript (romfile present, ROM for legacy-igd, IOMMU on,
 * host drivers off the devices, VGA decode, x-igd-lpc on QEMU 10.1 for Gen11+, OVMF replaced) and
 * writes one line per problem into the VM's start task log, tagged with the doctor's finding id.
 * Read-only and never blocking; shellcheck-clean POSIX sh.
 */
import { IGPU_DEVICES } from '../igpu/devices';

export const HOOK_SCRIPT_NAME = 'ovmf-gop-hook.sh';

/** The lines the hookscript prints: `ovmf-gop: <severity> [<finding id>] <what>`. */
export const HOOK_LINE = /^(?:.*: )?ovmf-gop: (error|warning) \[([a-z0-9-]+)\] (.*)$/;

const TEMPLATE = `#!/bin/sh
# ovmf-gop hookscript: read-only checks before a VM with a passed-through iGPU starts.
# Install:  cp ovmf-gop-hook.sh /var/lib/vz/snippets/ && chmod +x /var/lib/vz/snippets/ovmf-gop-hook.sh
#           qm set <vmid> --hookscript local:snippets/ovmf-gop-hook.sh
# Proxmox runs it as "<script> <vmid> <phase>"; in pre-start its lines land in the start task log.
# It never blocks the start and changes nothing; "ovmf-gop doctor" explains each [id].
# OVMF_GOP_PROBE_ROOT is for the project's tests only: a prefix for every file it reads.
R="\${OVMF_GOP_PROBE_ROOT:-}"
LC_ALL=C
export LC_ALL
vmid="$1"
phase="$2"
[ "$phase" = pre-start ] || exit 0

# Device IDs of Intel iGPUs of Gen11 and newer (this app's iGPU table), which QEMU 10.1 no longer
# puts in legacy mode by itself.
GEN11_IDS="@GEN11_IDS@"

say() { printf 'ovmf-gop: %s [%s] %s\\n' "$1" "$2" "$3"; }

conf="$R/etc/pve/qemu-server/$vmid.conf"
if [ ! -r "$conf" ]; then
  printf 'ovmf-gop: cannot read /etc/pve/qemu-server/%s.conf\\n' "$vmid"
  exit 0
fi
# The VM's own settings: everything before the first [snapshot] section.
cfg=$(sed -n '/^\\[/q; p' "$conf")
args=$(printf '%s\\n' "$cfg" | sed -n 's/^args:[[:space:]]*//p')

groups=0
for g in "$R"/sys/kernel/iommu_groups/*; do [ -d "$g" ] && groups=$((groups + 1)); done
[ "$groups" -gt 0 ] || say error iommu-off "no IOMMU groups: VT-d is off in the firmware or the kernel"

if grep -qsE '^[[:space:]]*options[[:space:]]+vfio[-_]pci.*disable_vga=(1|y)' "$R"/etc/modprobe.d/*; then
  say error disable-vga "vfio-pci disable_vga=1 in /etc/modprobe.d takes the VGA ranges from the iGPU"
fi

while read -r id value; do
  [ -n "$id" ] || continue
  host=$(printf '%s' "$value" | sed 's/^host=//; s/,.*//')
  case "$host" in ????:*) ;; *) host="0000:$host" ;; esac
  rom=$(printf '%s' "$value" | sed -n 's/.*romfile=\\([^,]*\\).*/\\1/p')
  if [ -n "$rom" ]; then
    case "$rom" in /*) path="$rom" ;; *) path="/usr/share/kvm/$rom" ;; esac
    [ -s "$R$path" ] || say error romfile-missing "$id: $path is missing or empty"
  fi
  case ",$value," in
    *,legacy-igd=1,*)
      [ -n "$rom" ] || say error rom-missing "$id: legacy-igd=1 without romfile="
      case ",$value," in *,rombar=0,*) say error rom-missing "$id: rombar=0 with legacy-igd=1" ;; esac
      cfgspace="$R/sys/bus/pci/devices/$host/config"
      if [ -r "$cfgspace" ]; then
        ggc=$(od -An -tu1 -j 80 -N 1 "$cfgspace" | tr -d ' ')
        [ $((ggc & 2)) -eq 0 ] || say error igd-not-primary "$id: VGA decode is disabled (GGC IVD set): the host firmware made another GPU primary"
      fi
      if [ -r "$R/sys/bus/pci/devices/$host/device" ] && command -v kvm >/dev/null 2>&1; then
        dev=$(cat "$R/sys/bus/pci/devices/$host/device")
        qemu=$(kvm --version 2>/dev/null | sed -n 's/^QEMU emulator version \\([0-9]*\\)\\.\\([0-9]*\\).*/\\1 \\2/p')
        major=\${qemu% *}
        minor=\${qemu#* }
        case " $GEN11_IDS " in
          *" $dev "*)
            if [ -n "$qemu" ] && { [ "$major" -gt 10 ] || { [ "$major" -eq 10 ] && [ "$minor" -ge 1 ]; }; }; then
              case "$args" in
                *"device.$id.x-igd-lpc=on"*) ;;
                *) say error lpc-needed "$id: QEMU $major.$minor needs -set device.$id.x-igd-lpc=on for this Gen11+ iGPU ($dev)" ;;
              esac
            fi
            ;;
        esac
      fi
      ;;
  esac
  for d in "$R/sys/bus/pci/devices/$host" "$R/sys/bus/pci/devices/$host".*; do
    [ -e "$d/driver" ] || continue
    drv=$(readlink "$d/driver")
    drv=\${drv##*/}
    case "$drv" in
      vfio-pci | pci-stub) ;;
      *) say warning host-driver-bound "$id: \${d##*/} is bound to $drv; bind vfio-pci at boot" ;;
    esac
  done
done <<HOSTPCI
$(printf '%s\\n' "$cfg" | sed -n 's/^\\(hostpci[0-9]*\\):[[:space:]]*\\(.*\\)$/\\1 \\2/p')
HOSTPCI

# A patched OVMF equal to the stock copy again means an upgrade or an undo replaced it.
for f in "$R"/usr/share/pve-edk2-firmware/OVMF_CODE*.fd; do
  [ -f "$f" ] || continue
  name=\${f##*/}
  for stock in "$f.distrib" "$R/root/ovmf-backup/$name"; do
    [ -f "$stock" ] || continue
    if [ "$(sha256sum < "$f")" = "$(sha256sum < "$stock")" ]; then
      say error ovmf-replaced "/usr/share/pve-edk2-firmware/$name is the stock image again (same SHA-256 as \${stock#"$R"})"
    fi
  done
done
exit 0
`;

/** The script, with the Gen11+ device IDs (as sysfs writes them, 0x-prefixed) filled in. */
export function hookScript(): string {
  const ids = IGPU_DEVICES.filter((d) => d.gen >= 11).map(
    (d) => `0x${d.deviceId.toString(16).padStart(4, '0')}`,
  );
  return TEMPLATE.replace('@GEN11_IDS@', [...new Set(ids)].join(' '));
}
