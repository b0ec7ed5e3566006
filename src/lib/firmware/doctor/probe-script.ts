/**
 * The probe: a read-only POSIX sh script the user runs on the Proxmox host. Its report (one text
 * file, sections as in probe-format.ts) is what the doctor reads. Shipped as a string so the web
 * app, the zip and `ovmf-gop probe-script` all show the same bytes; tests run it with shellcheck
 * and against a fake root.
 */
export const PROBE_SCRIPT_NAME = 'ovmf-gop-probe.sh';

export const PROBE_SCRIPT = `#!/bin/sh
# ovmf-gop probe: a read-only report of this Proxmox host's iGPU passthrough setup.
#   sh ovmf-gop-probe.sh [VMID...] > ovmf-gop-report.txt     (run as root)
# It only reads files and runs query commands; it changes nothing and writes only to stdout.
# MAC addresses, serial numbers and UUIDs are masked. Without VMIDs it reports every VM that
# has a hostpci line. Sections it cannot read say so and why.
# OVMF_GOP_PROBE_ROOT is for the project's tests only: a prefix for every file it reads.
R="\${OVMF_GOP_PROBE_ROOT:-}"
LC_ALL=C
export LC_ALL

mask() {
  sed -E \\
    -e 's/(Serial Number:?)[[:space:]].*/\\1 <masked>/' \\
    -e 's/(serial=)[^,[:space:]]*/\\1<masked>/g' \\
    -e 's/(uuid=)[0-9A-Fa-f-]{36}/\\1<masked>/g' \\
    -e 's/^(vmgenid:).*/\\1 <masked>/' \\
    -e 's/([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}/XX:XX:XX:XX:XX:XX/g' \\
    -e 's/MAC\\([0-9A-Fa-f]{12}/MAC(XXXXXXXXXXXX/g'
}

section() { printf '\\n===== %s =====\\n' "$1"; }
cannot() { printf '## cannot read: %s (%s)\\n' "$1" "$2"; }
have() { command -v "$1" >/dev/null 2>&1; }

# run CMD ARGS...: its output (masked), or why it gave none.
run() {
  if ! have "$1"; then cannot "$*" "command not found"; return 0; fi
  out=$("$@" 2>&1)
  rc=$?
  [ -n "$out" ] && printf '%s\\n' "$out" | mask
  [ "$rc" -eq 0 ] || cannot "$*" "exit status $rc"
  return 0
}

# show FILE: its content (masked), or why not.
show() {
  if [ -r "$R$1" ] && [ -f "$R$1" ]; then
    mask < "$R$1"
  elif [ -e "$R$1" ]; then
    cannot "$1" "permission denied"
  else
    cannot "$1" "no such file"
  fi
}

# digest FILE...: sha256sum lines with the real path, or why not.
digest() {
  for h in "$@"; do
    if [ -r "$R$h" ] && [ -f "$R$h" ]; then
      printf '%s  %s\\n' "$(sha256sum < "$R$h" | cut -d' ' -f1)" "$h"
    else
      cannot "$h" "no such file"
    fi
  done
}

printf '%s\\n' '# ovmf-gop probe report v1'
printf '# date: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"

section pveversion; run pveversion -v
section kvm-version; run kvm --version
section uname; run uname -r
section proc-cmdline; show /proc/cmdline
section boot-tool; run proxmox-boot-tool status
section efibootmgr; run efibootmgr -v
section lspci-nnk; run lspci -nnk

# The iGPU: the first Intel VGA (0300) or display (0380) controller.
igpu=""
if have lspci; then
  igpu=$(lspci -Dnn 2>/dev/null | grep -E '\\[03(00|80)\\]: .*\\[8086:' | head -n 1 | cut -d' ' -f1)
fi
section lspci-igpu
if [ -n "$igpu" ]; then run lspci -nnvvv -s "$igpu"; else cannot "lspci -vvv" "no Intel display controller found"; fi

section iommu
if [ -d "$R/sys/kernel/iommu_groups" ]; then
  n=0
  for g in "$R"/sys/kernel/iommu_groups/*; do
    [ -d "$g/devices" ] || continue
    n=$((n + 1))
    printf 'group %s:' "\${g##*/}"
    for d in "$g"/devices/*; do [ -e "$d" ] && printf ' %s' "\${d##*/}"; done
    printf '\\n'
  done
  printf 'groups: %s\\n' "$n"
else
  cannot /sys/kernel/iommu_groups "no such directory"
fi
for u in "$R"/sys/class/iommu/*; do
  [ -e "$u" ] || continue
  if [ -r "$u/intel-iommu/cap" ]; then
    printf 'unit %s cap: %s\\n' "\${u##*/}" "$(cat "$u/intel-iommu/cap")"
  else
    printf 'unit %s\\n' "\${u##*/}"
  fi
done

section igpu-regs
if [ -n "$igpu" ]; then
  printf 'device: %s\\n' "$igpu"
  for reg in 50.w 5c.l c0.l c4.l fc.l; do
    v=""
    if have setpci; then v=$(setpci -s "$igpu" "$reg" 2>/dev/null); fi
    if [ -z "$v" ] && [ -r "$R/sys/bus/pci/devices/$igpu/config" ]; then
      # setpci unavailable: read the bytes from sysfs (little endian, highest byte first).
      off=$(printf '%d' "0x\${reg%.*}")
      len=2; [ "\${reg#*.}" = l ] && len=4
      v=$(od -An -tx1 -v -j "$off" -N "$len" "$R/sys/bus/pci/devices/$igpu/config" |
        awk '{ for (i = NF; i > 0; i--) printf "%s", $i }')
    fi
    if [ -n "$v" ]; then printf '%s=%s\\n' "$reg" "$v"; else cannot "$reg" "setpci and sysfs config unreadable"; fi
  done
  if [ -e "$R/sys/bus/pci/devices/$igpu/driver" ]; then
    drv=$(readlink "$R/sys/bus/pci/devices/$igpu/driver")
    printf 'driver: %s\\n' "\${drv##*/}"
  else
    printf 'driver: none\\n'
  fi
else
  cannot "iGPU registers" "no Intel display controller found"
fi

section dmesg
if have dmesg && out=$(dmesg 2>/dev/null) && [ -n "$out" ]; then
  :
elif have journalctl; then
  out=$(journalctl -k -b --no-pager 2>/dev/null)
else
  out=""
fi
if [ -n "$out" ]; then
  printf '%s\\n' "$out" | grep -iE 'DMAR|AMD-Vi|IOMMU|vfio|i915|xe |amdgpu|efifb|simplefb|simpledrm|vesafb|sysfb|BAR [0-9]+: can.t reserve|Command line' | tail -n 400 | mask
else
  cannot "dmesg" "no permission or no output (run as root)"
fi

section modules; show /etc/modules
section modprobe-d
found=0
for f in "$R"/etc/modprobe.d/*; do
  [ -f "$f" ] || continue
  found=1
  printf '### %s\\n' "\${f#"$R"}"
  mask < "$f"
done
[ "$found" = 1 ] || cannot /etc/modprobe.d "no files"
section kernel-cmdline; show /etc/kernel/cmdline
section default-grub; show /etc/default/grub

vmids="$*"
if [ -z "$vmids" ]; then
  for c in "$R"/etc/pve/qemu-server/*.conf; do
    [ -f "$c" ] || continue
    if grep -q '^hostpci' "$c"; then
      c=\${c##*/}
      vmids="$vmids \${c%.conf}"
    fi
  done
fi
roms=""
for id in $vmids; do
  section "qm-config.$id"; run qm config "$id"
  section "qm-showcmd.$id"; run qm showcmd "$id" --pretty
  section "task-log.$id"
  last=""
  if [ -d "$R/var/log/pve/tasks" ]; then
    last=$(find "$R/var/log/pve/tasks" -type f -name "UPID:*:qmstart:$id:*" 2>/dev/null |
      awk -F: '{ print $5 " " $0 }' | sort | tail -n 1 | cut -d' ' -f2-)
  fi
  if [ -n "$last" ]; then
    printf '### %s\\n' "\${last#"$R"}"
    tail -n 80 "$last" | mask
  else
    cannot "qmstart task log of VM $id" "none found"
  fi
  conf="$R/etc/pve/qemu-server/$id.conf"
  if [ -r "$conf" ]; then
    roms="$roms $(sed -n '/^\\[/q; s/^hostpci[0-9]*:.*romfile=\\([^,]*\\).*/\\1/p' "$conf")"
  fi
done

section journal
if have journalctl; then
  journalctl -b --no-pager -o short-iso -n 3000 2>/dev/null |
    grep -E 'kvm|qemu|QEMU|vfio|qmstart|start failed|pvedaemon|DMAR' | tail -n 200 | mask
else
  cannot journalctl "command not found"
fi

section romfiles
if [ -z "$vmids" ]; then cannot romfiles "no VM with hostpci"; fi
for rom in $roms; do
  case "$rom" in /*) p="$rom" ;; *) p="/usr/share/kvm/$rom" ;; esac
  digest "$p"
  if [ -r "$R$p" ]; then
    # First image's PCIR: vendor and device the ROM claims (little-endian 16-bit words).
    pcir=$(od -An -tu2 -j 24 -N 2 "$R$p" | tr -d ' ')
    if [ -n "$pcir" ]; then
      printf 'pcir %s: %s\\n' "$p" "$(od -An -tx2 -j "$((pcir + 4))" -N 4 "$R$p" | tr -s ' ')"
    fi
  fi
done

section ovmf
run dpkg-query -W 'pve-edk2-firmware*'
run dpkg-divert --list '/usr/share/pve-edk2-firmware/*'
# The live images, the stock ones dpkg-divert keeps as .distrib, and the backups install.sh made:
# a live image equal to a stock one means an upgrade or an undo replaced the patched OVMF.
for f in "$R"/usr/share/pve-edk2-firmware/OVMF_CODE*.fd "$R"/usr/share/pve-edk2-firmware/OVMF_CODE*.distrib \\
  "$R"/root/ovmf-backup/*.fd "$R"/root/igd-passthrough-backup-*/OVMF_CODE*.fd; do
  [ -f "$f" ] && digest "\${f#"$R"}"
done

section vbt
seen=0
for v in "$R"/sys/kernel/debug/dri/*/i915_vbt; do
  [ -r "$v" ] || continue
  seen=1
  printf '### %s\\n' "\${v#"$R"}"
  printf 'sha256: %s\\n' "$(sha256sum < "$v" | cut -d' ' -f1)"
  base64 < "$v"
done
[ "$seen" = 1 ] || cannot /sys/kernel/debug/dri/*/i915_vbt "i915 not bound or debugfs not mounted"
`;
