/**
 * install.sh: the host and VM steps as one careful script. It reads first (qm config, /etc/modules,
 * /etc/modprobe.d, the kernel command line file), makes every change to a staged copy, shows the
 * plan as a diff, and only with --apply backs up each file it changes (the VM config included)
 * into one dated folder with an undo.sh, then writes. A second run finds nothing to change.
 * The VM decisions are merge-sh.ts's bash twins of vm-merge.ts.
 */
import type { IntelIgpu } from '../igpu/devices';
import type { AmdIgpu } from './amd';
import { PCI_ID_FROM_HOST_SH, UNKNOWN_PCI_ID } from './device-id';
import { fmt, type Version } from './facts';
import type { BootLoader } from './inputs';
import { t, type MessageKey, type Text } from './messages';
import { MERGE_SH, MERGE_SH_AMD } from './merge-sh';
import type { VmConsent } from './vm-merge';
import type { AmdVmWant } from './vm-merge-amd';
import { amdScriptReasons, scriptReasons, type ReasonContext } from './vm-plan';

export const MODPROBE_FILE = '/etc/modprobe.d/igd-passthrough.conf';

export interface InstallScriptInput {
  vmid: number;
  boot: BootLoader;
  mode: 'rom' | 'ovmf';
  igpu: IntelIgpu | AmdIgpu;
  qemu: Version;
  kernel: Version;
  /** The iGPU's vendor:device; undefined when only its generation is known (read on the host then). */
  pciId: string | undefined;
  modules: readonly string[];
  params: readonly string[];
  /** modprobe.d lines after the `options vfio-pci ids=` line (softdep, blacklists). */
  modprobeRest: readonly string[];
  rom: string;
  ovmfFile: string;
  ovmfCode: string;
  props: readonly { name: string; value: string }[];
  minMemoryMiB: number;
  consent: VmConsent;
  reasons: ReasonContext;
  /**
   * An AMD iGPU: two functions (pciId is their comma list), the VM merged with plan_vm_amd; no
   * QEMU version check (nothing written depends on it), no x-igd props, memory or ostype.
   */
  amd?: AmdVmWant;
}

export interface ScriptLine {
  text: string;
  reason: Text;
}

/** A value as one bash word in single quotes. */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const arr = (xs: readonly string[]) => `(${xs.map(shq).join(' ')})`;

export function installScriptLines(c: InstallScriptInput): ScriptLine[] {
  const lines: ScriptLine[] = [];
  const step = (
    key: MessageKey,
    texts: readonly string[],
    params?: Record<string, string | number>,
  ) => {
    for (const text of texts) lines.push({ text, reason: t(key, params) });
  };
  const grub = c.boot === 'grub';
  const ovmf = c.mode === 'ovmf';
  const amd = c.amd;
  const pciIdShown = c.pciId ?? UNKNOWN_PCI_ID;
  const [gpuId, audioId] = pciIdShown.split(',');
  step('sh.header', [
    '#!/usr/bin/env bash',
    `# ${amd ? 'AMD iGPU' : 'IGD'} passthrough host setup: QEMU ${fmt(c.qemu)}, kernel ${fmt(c.kernel)}, ${c.igpu.label} [${pciIdShown}], ${c.boot}, mode ${c.mode}, VM ${c.vmid}`,
    `# usage: bash install.sh [--apply]${amd ? '' : ' [--ostype-l26]'} [--cpu-host]`,
    '#   without --apply it only reads and prints the plan as a diff; nothing is changed',
    'set -euo pipefail',
    'export LC_ALL=C',
  ]);
  step('sh.root', ['R="${IGD_TEST_ROOT:-}"']);
  step(
    'sh.settings',
    amd
      ? [
          `VMID=${c.vmid}`,
          `GPU_ID=${shq(gpuId)} AUDIO_ID=${shq(audioId)}`,
          'PCI_ID="$GPU_ID,$AUDIO_ID"',
          `GPU_HOST=${shq(amd.gpuHost)} AUDIO_HOST=${shq(amd.audioHost)}`,
          `ROM=${shq(c.rom)}`,
          `GOP_ROM=${shq(amd.audioRom ?? '')}`,
          `BOOT=${c.boot}`,
          `CMDLINE_FILE=${grub ? '/etc/default/grub' : '/etc/kernel/cmdline'}`,
          `MODPROBE_FILE=${MODPROBE_FILE}`,
          `MODULES=${arr(c.modules)}`,
          `PARAMS=${arr(c.params)}`,
          `MODPROBE_REST=${arr(c.modprobeRest)}`,
        ]
      : [
          `VMID=${c.vmid}`,
          ...(c.pciId === undefined ? [] : [`PCI_ID=${shq(c.pciId)}`]),
          `ROM=${shq(c.rom)}`,
          `QEMU=${shq(fmt(c.qemu))}`,
          `BOOT=${c.boot}`,
          `CMDLINE_FILE=${grub ? '/etc/default/grub' : '/etc/kernel/cmdline'}`,
          `MODPROBE_FILE=${MODPROBE_FILE}`,
          `MIN_MEMORY=${c.minMemoryMiB}`,
          `MODULES=${arr(c.modules)}`,
          `PARAMS=${arr(c.params)}`,
          `PROPS=${arr(c.props.map((p) => `${p.name}=${p.value}`))}`,
          `MODPROBE_REST=${arr(c.modprobeRest)}`,
          ...(ovmf ? [`OVMF_FILE=${shq(c.ovmfFile)}`, `OVMF_CODE=${shq(c.ovmfCode)}`] : []),
        ],
  );
  step(
    'sh.options',
    amd
      ? [
          `APPLY=0 CPU_OK=${c.consent.cpu ? 1 : 0}`,
          'for a in "$@"; do',
          '  case "$a" in',
          '    --apply) APPLY=1 ;;',
          '    --cpu-host) CPU_OK=1 ;;',
          '    *) echo "error: unknown option $a (use --apply, --cpu-host)" >&2; exit 2 ;;',
          '  esac',
          'done',
        ]
      : [
          `APPLY=0 OSTYPE_OK=${c.consent.ostype ? 1 : 0} CPU_OK=${c.consent.cpu ? 1 : 0}`,
          'for a in "$@"; do',
          '  case "$a" in',
          '    --apply) APPLY=1 ;;',
          '    --ostype-l26) OSTYPE_OK=1 ;;',
          '    --cpu-host) CPU_OK=1 ;;',
          '    *) echo "error: unknown option $a (use --apply, --ostype-l26, --cpu-host)" >&2; exit 2 ;;',
          '  esac',
          'done',
        ],
  );
  step('sh.helpers', ['die() { echo "error: $*" >&2; exit 1; }']);
  step('sh.merge', amd ? MERGE_SH_AMD : MERGE_SH);
  step('sh.merge', [
    'why() {',
    '  case "$1" in',
    ...(amd ? amdScriptReasons(amd) : scriptReasons(c.reasons)).map(
      ([k, en]) => `    ${k}) echo ${shq(en)} ;;`,
    ),
    '  esac',
    '}',
    // decisionClass of vm-plan.ts: the iGPU's hostpci and other devices' are told apart.
    amd
      ? 'class_of() { if [[ "$1" == hostpci* ]]; then case "$(map_fact "$(mapping_of "$2")" "$MAPS")" in gpu) echo hostpci ;; audio) echo audio ;; *) if is_fn_host "$(host_of "$2")" "$GPU_HOST" 1; then echo hostpci; elif is_fn_host "$(host_of "$2")" "$AUDIO_HOST" 0; then echo audio; else echo other; fi ;; esac; else echo "$1"; fi; }'
      : 'class_of() { if [[ "$1" == hostpci* ]]; then if is_igd_host "$(host_of "$2")" || { [ -n "$(mapping_of "$2")" ] && [[ ",$2," == *,legacy-igd=1,* ]]; }; then echo hostpci; else echo other; fi; else echo "$1"; fi; }',
  ]);
  step('sh.checks', [
    '[ "$(id -u)" = 0 ] || die "run as root"',
    'command -v pveversion >/dev/null || die "this is not a Proxmox VE host"',
    ...(amd
      ? [
          'lspci -n -s "$GPU_HOST" | grep -qi "$GPU_ID" || die "$GPU_HOST is not $GPU_ID; regenerate the config for your iGPU"',
          'lspci -n -s "$AUDIO_HOST" | grep -qi "$AUDIO_ID" || die "$AUDIO_HOST is not $AUDIO_ID; regenerate the config for your iGPU"',
        ]
      : c.pciId === undefined
        ? PCI_ID_FROM_HOST_SH
        : [
            'lspci -n -s 00:02.0 | grep -qi "$PCI_ID" || die "00:02.0 is not $PCI_ID; regenerate the config for your iGPU"',
          ]),
  ]);
  if (!amd)
    step('sh.qemuCheck', [
      'HOST_QEMU="$(pveversion -v | sed -n \'s/^pve-qemu-kvm: *\\([0-9]*\\.[0-9]*\\).*/\\1/p\')"',
      '[ -z "$HOST_QEMU" ] || [ "$HOST_QEMU" = "$QEMU" ] || die "generated for pve-qemu-kvm $QEMU, this host runs $HOST_QEMU; regenerate the config for it"',
    ]);
  step('sh.checks', [
    ...(amd
      ? [
          // No VBIOS in the user's BIOS: ROM is empty and only the GOP ROM is installed.
          '[ -z "$ROM" ] || [ -f "$ROM" ] || die "$ROM not found in the current directory"',
          '[ -z "$GOP_ROM" ] || [ -f "$GOP_ROM" ] || die "$GOP_ROM not found in the current directory"',
        ]
      : ['[ -f "$ROM" ] || die "$ROM not found in the current directory"']),
    ...(ovmf
      ? [
          '[ -f "$OVMF_FILE" ] || die "$OVMF_FILE not found in the current directory"',
          '[ -f "$R$OVMF_CODE" ] || die "$OVMF_CODE missing: is pve-edk2-firmware installed?"',
        ]
      : []),
    '[ -f "$R$CMDLINE_FILE" ] || die "$CMDLINE_FILE missing: is the boot loader really $BOOT?"',
  ]);
  // The command line file that counts is the one of the loader in use (inputs.ts detectBootLoader
  // reads the same status text): ESPs "configured with: uefi" boot with systemd-boot.
  step('sh.bootCheck', [
    'case "$(proxmox-boot-tool status 2>&1 || true)" in *"configured with: uefi"*) IN_USE=systemd-boot ;; *) IN_USE=grub ;; esac',
    '[ "$IN_USE" = "$BOOT" ] || die "this host boots with $IN_USE (proxmox-boot-tool status), not $BOOT: $CMDLINE_FILE is not the command line in use; regenerate the config for $IN_USE"',
  ]);
  if (!amd)
    step('sh.disableVga', [
      `if grep -rqsE 'disable_vga=(1|Y|y)' "$R/etc/modprobe.d"; then echo "warning: /etc/modprobe.d sets disable_vga=1, which breaks legacy IGD passthrough; remove it" >&2; fi`,
    ]);
  step('sh.stage', [
    'STAGE="$(mktemp -d)"',
    'trap \'rm -rf "$STAGE"\' EXIT',
    `S="" STAGED=() BIN_SRC=() BIN_DST=() VM_OPTS=()${ovmf ? ' DIVERT=0' : ''}`,
    // stage PATH: S becomes the staged copy of PATH (made from the file, or empty when there is none).
    'stage() {',
    '  S="$STAGE/new$1"',
    '  if [ ! -e "$S" ]; then',
    '    mkdir -p "$(dirname "$S")"',
    '    if [ -f "$R$1" ]; then cat "$R$1" >"$S"; else : >"$S"; fi',
    '    STAGED+=("$1")',
    '  fi',
    '}',
    'end_with_newline() { if [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ]; then echo >>"$1"; fi; }',
  ]);
  step('sh.modules', [
    'stage /etc/modules',
    'end_with_newline "$S"',
    'for m in "${MODULES[@]}"; do grep -qxF -- "$m" "$S" || echo "$m" >>"$S"; done',
  ]);
  if (grub)
    step('sh.paramHelper', [
      // update-grub sources /etc/default/grub, then /etc/default/grub.d/*.cfg: the file with the
      // last assignment is the one that counts, so it is the one edited (and backed up).
      'for f in "$R/etc/default/grub" "$R"/etc/default/grub.d/*.cfg; do',
      '  if [ -f "$f" ] && grep -q \'^GRUB_CMDLINE_LINUX_DEFAULT=\' "$f"; then CMDLINE_FILE="${f#"$R"}"; fi',
      'done',
      'stage "$CMDLINE_FILE"',
      'cmdline_now() { sed -n \'s/^GRUB_CMDLINE_LINUX_DEFAULT="\\(.*\\)"[[:space:]]*$/\\1/p\' "$S" | tail -n 1; }',
      'add_param() {',
      '  case " $(cmdline_now) " in *" $1 "*) return 0 ;; esac',
      '  awk -v p="$1" \'index($0, "GRUB_CMDLINE_LINUX_DEFAULT=\\"") == 1 && /"[ \\t]*$/ { v = substr($0, 29); sub(/"[ \\t]*$/, "", v); $0 = "GRUB_CMDLINE_LINUX_DEFAULT=\\"" (v == "" ? p : v " " p) "\\"" } { print }\' "$S" >"$S.tmp"',
      '  mv "$S.tmp" "$S"',
      '  case " $(cmdline_now) " in *" $1 "*) ;; *) die "could not add $1 to GRUB_CMDLINE_LINUX_DEFAULT in $CMDLINE_FILE; add it by hand" ;; esac',
      '}',
    ]);
  else
    step('sh.paramHelper', [
      'stage "$CMDLINE_FILE"',
      'add_param() {',
      '  local line; line="$(head -n 1 "$S")"',
      '  case " $line " in *" $1 "*) return 0 ;; esac',
      '  { printf \'%s\\n\' "${line:+$line }$1"; tail -n +2 "$S"; } >"$S.tmp"',
      '  mv "$S.tmp" "$S"',
      '}',
    ]);
  step('sh.cmdline', ['for p in "${PARAMS[@]}"; do add_param "$p"; done'], {
    param: c.params.join(' '),
  });
  step('sh.idsMerge', [
    '# modprobe passes every "options vfio-pci" line to the module, and for a string parameter such as',
    '# ids= the last assignment wins: a second ids= line would silently take vfio-pci away from a device',
    '# (a dGPU, say) the first one bound. So there is one list: ours joins the ids you have, in place.',
    'ids_in() { awk \'/^[ \\t]*options[ \\t]+vfio[-_]pci([ \\t]|$)/ { for (i = 3; i <= NF; i++) if ($i ~ /^ids=/) print substr($i, 5) }\' "$1"; }',
    // The user's lists first (file order, as modprobe reads them), then what an earlier run of ours wrote.
    'LISTS=() OUR_LISTS=() OTHERS=()',
    'for f in "$R"/etc/modprobe.d/*.conf; do',
    '  [ -f "$f" ] || continue',
    '  if [ "${f#"$R"}" = "$MODPROBE_FILE" ]; then',
    '    while IFS= read -r l; do OUR_LISTS+=("$l"); done < <(ids_in "$f")',
    '  elif [ -n "$(ids_in "$f")" ]; then',
    '    OTHERS+=("${f#"$R"}")',
    '    while IFS= read -r l; do LISTS+=("$l"); done < <(ids_in "$f")',
    '  fi',
    'done',
    'IDS="$(merge_ids "$PCI_ID" "${LISTS[@]}" "${OUR_LISTS[@]}")"',
    'for p in "${OTHERS[@]}"; do',
    '  if ids_in "$R$p" | grep -qvxF -- "$IDS"; then',
    '    stage "$p"',
    '    awk -v ids="$IDS" \'/^[ \\t]*options[ \\t]+vfio[-_]pci([ \\t]|$)/ { for (i = 3; i <= NF; i++) if ($i ~ /^ids=/ && $i != "ids=" ids) $i = "ids=" ids } { print }\' "$R$p" >"$S"',
    '  fi',
    'done',
  ]);
  step('sh.modprobe', [
    'stage "$MODPROBE_FILE"',
    '{',
    '  if [ ${#OTHERS[@]} -eq 0 ]; then echo "options vfio-pci ids=$IDS"; else echo "# options vfio-pci ids=: one list, in ${OTHERS[*]}"; fi',
    '  printf \'%s\\n\' "${MODPROBE_REST[@]}"',
    '} >"$S"',
  ]);
  step(
    'sh.rom',
    amd
      ? [
          'for f in ${ROM:+"$ROM"} ${GOP_ROM:+"$GOP_ROM"}; do',
          '  if ! cmp -s "$f" "$R/usr/share/kvm/$f"; then BIN_SRC+=("$f"); BIN_DST+=("/usr/share/kvm/$f"); fi',
          'done',
        ]
      : [
          'if ! cmp -s "$ROM" "$R/usr/share/kvm/$ROM"; then BIN_SRC+=("$ROM"); BIN_DST+=("/usr/share/kvm/$ROM"); fi',
        ],
  );
  if (ovmf)
    step('sh.ovmf', [
      'if ! cmp -s "$OVMF_FILE" "$R$OVMF_CODE"; then',
      '  BIN_SRC+=("$OVMF_FILE"); BIN_DST+=("$OVMF_CODE")',
      '  if ! dpkg-divert ${R:+--root "$R"} --list "$OVMF_CODE" | grep -q distrib; then DIVERT=1; fi',
      'fi',
    ]);
  step(
    'sh.vmPlan',
    [
      // mapping_facts CONF CLASSIFY: "name=fact,…" for each hostpci mapping= pvesh can show,
      // CLASSIFY given the mapping's paths on this node (Intel: 1 when one is the iGPU; AMD: gpu,
      // audio, both or other). Assumed format (pve-guest-common's PVE::Mapping::PCI; not checked
      // against a live host): the JSON lists the mapping's "map" entries as property strings,
      // "id=8086:46a6,node=pve,path=0000:00:02.0,…", a path listing functions with ";"; grep takes
      // each such string between its quotes. A mapping pvesh cannot show stays unknown, so the
      // plan checks it, never guesses.
      'mapping_facts() {',
      '  local i name json e p node out=()',
      '  local -a parts paths mine',
      '  node="$(uname -n)"; node="${node%%.*}"',
      '  for ((i = 0; i < 16; i++)); do',
      '    name="$(mapping_of "$(conf_get "hostpci$i" "$1")")"; [ -n "$name" ] || continue',
      '    json="$(pvesh get "/cluster/mapping/pci/$name" --output-format json 2>/dev/null)" || continue',
      '    mine=()',
      '    while IFS= read -r e; do',
      '      IFS=, read -r -a parts <<<"$e"',
      '      [[ " ${parts[*]} " == *" node=$node "* ]] || continue',
      '      for p in "${parts[@]}"; do',
      '        [[ "$p" == path=* ]] || continue',
      '        IFS=";" read -r -a paths <<<"${p#path=}"',
      '        mine+=("${paths[@]}")',
      '      done',
      '    done < <(grep -o \'[^"]*path=[^"]*\' <<<"$json" || true)',
      '    out+=("$name=$("$2" "${mine[@]}")")',
      '  done',
      '  local IFS=,; printf \'%s\\n\' "${out[*]}"',
      '}',
      ...(amd
        ? [
            // A slot without a function (c5:00) is every function of the device: both.
            'amd_path_fact() {',
            '  local f g=0 a=0',
            '  for f in "$@"; do',
            '    if is_fn_host "$f" "$GPU_HOST" 0; then g=1',
            '    elif is_fn_host "$f" "$AUDIO_HOST" 0; then a=1',
            '    elif is_fn_host "$f" "$GPU_HOST" 1; then g=1 a=1; fi',
            '  done',
            '  if [ "$g$a" = 11 ]; then echo both; elif [ "$g" = 1 ]; then echo gpu; elif [ "$a" = 1 ]; then echo audio; else echo other; fi',
            '}',
          ]
        : [
            'igd_path_fact() { local f; for f in "$@"; do if is_igd_host "$f"; then echo 1; return; fi; done; echo 0; }',
          ]),
      'PENDING=0',
      'MAPS=""',
      'if qm config "$VMID" >"$STAGE/vm.conf" 2>/dev/null; then',
      '  echo "VM $VMID (qm config):"',
      `  MAPS="$(mapping_facts "$STAGE/vm.conf" ${amd ? 'amd_path_fact' : 'igd_path_fact'})"`,
      '  cp "$STAGE/vm.conf" "$STAGE/vm.new"',
      "  while IFS=$'\\037' read -r key action now value; do",
      '    r="$(why "$(class_of "$key" "$value"):$action")"',
      '    case "$action" in',
      '      keep) echo "  = $key: ${now:-(not set)} -- $r" ;;',
      '      add) echo "  + $key: $value -- $r" ;;',
      '      change) echo "  ~ $key: $now -> $value -- $r" ;;',
      '      ask) echo "  ! $key: $now -- $r"; if [ "$key" = machine ]; then PENDING=1; fi ;;',
      '      check) echo "  ? $key: $now -- $r"; PENDING=1 ;;',
      '    esac',
      '    if [ "$action" = add ] || [ "$action" = change ]; then',
      '      VM_OPTS+=("--$key" "$value")',
      '      awk -v k="$key" -v v="$value" \'!done && (index($0, k ":") == 1 || /^\\[/) { print k ": " v; done = 1; if (index($0, k ":") == 1) next } { print } END { if (!done) print k ": " v }\' "$STAGE/vm.new" >"$STAGE/vm.tmp"',
      '      mv "$STAGE/vm.tmp" "$STAGE/vm.new"',
      '    fi',
      amd
        ? '  done < <(plan_vm_amd "$STAGE/vm.conf" "$GPU_HOST" "$ROM" "$AUDIO_HOST" "$GOP_ROM" "$CPU_OK" "$MAPS")'
        : '  done < <(plan_vm "$STAGE/vm.conf" "$ROM" "$MIN_MEMORY" "$OSTYPE_OK" "$CPU_OK" "$MAPS" "${PROPS[@]}")',
      // A held machine or a mapping to check: passthrough is not set up, whatever else is done.
      '  if [ "$PENDING" = 1 ]; then echo "note: VM $VMID is not ready for iGPU passthrough yet: see the ! and ? lines above"; fi',
      '  if [ ${#VM_OPTS[@]} -gt 0 ]; then diff -u --label "VM $VMID now" --label "VM $VMID after" "$STAGE/vm.conf" "$STAGE/vm.new" || true; fi',
      '  grep -q \'^efidisk0:.*efitype=4m\' "$STAGE/vm.conf" || echo "note: VM $VMID needs a 4m EFI disk: qm set $VMID --efidisk0 <storage>:1,efitype=4m,pre-enrolled-keys=0"',
      'else',
      '  echo "VM $VMID does not exist yet: create it, then run this again to configure it"',
      'fi',
    ],
    { vmid: c.vmid },
  );
  step('sh.plan', [
    'HOST_CHANGED=()',
    'for p in "${STAGED[@]}"; do',
    '  if [ -f "$R$p" ] && cmp -s "$R$p" "$STAGE/new$p"; then echo "= $p: already right"; continue; fi',
    '  HOST_CHANGED+=("$p")',
    '  if [ -f "$R$p" ]; then old="$R$p"; else old=/dev/null; fi',
    '  diff -u --label "$p now" --label "$p after" "$old" "$STAGE/new$p" || true',
    'done',
    'for i in "${!BIN_DST[@]}"; do',
    '  if [ -f "$R${BIN_DST[i]}" ]; then echo "~ ${BIN_DST[i]}: replaced by ./${BIN_SRC[i]}"; else echo "+ ${BIN_DST[i]}: new, from ./${BIN_SRC[i]}"; fi',
    'done',
    'if [ ${#HOST_CHANGED[@]} -eq 0 ] && [ ${#BIN_DST[@]} -eq 0 ] && [ ${#VM_OPTS[@]} -eq 0 ]; then',
    '  echo "nothing to change: this host and VM $VMID are already set up; nothing was written"',
    '  exit 0',
    'fi',
    'if [ "$APPLY" = 0 ]; then echo "dry run: nothing changed; run again with --apply"; exit 0; fi',
    // Without its file the VM config could not be backed up, so undo.sh could not restore it.
    'if [ ${#VM_OPTS[@]} -gt 0 ] && [ ! -f "$R/etc/pve/qemu-server/$VMID.conf" ]; then die "/etc/pve/qemu-server/$VMID.conf not found (is VM $VMID on another node?); nothing was changed"; fi',
  ]);
  const refresh = [
    'update-initramfs -u -k all',
    grub ? 'update-grub' : 'proxmox-boot-tool refresh',
  ];
  step('sh.backup', [
    // Nanoseconds in the name: backup folders of runs in the same second still sort by time.
    'BACKUP="$(mktemp -d "$R/root/igd-passthrough-backup-$(date +%Y%m%d-%H%M%S-%N)-XXXX")"',
    'UNDO=()',
  ]);
  // undo.sh is rewritten after every backup, so a run that stops half way still leaves one that
  // undoes exactly what was done.
  step('sh.undo', [
    'write_undo() {',
    '  {',
    "    cat <<'UNDO_HEAD'",
    '#!/usr/bin/env bash',
    '# Puts back every file install.sh changed, byte for byte (changes made to them since are lost too).',
    'set -euo pipefail',
    'R="${IGD_TEST_ROOT:-}"',
    'B="$(cd "$(dirname "$0")" && pwd)"',
    'restore() { cat "$B/files$1" >"$R$1"; echo "restored $1"; }',
    'remove() { rm -f "$R$1"; echo "removed $1"; }',
    ...(ovmf
      ? [
          'undivert() { rm -f "$R$1"; dpkg-divert ${R:+--root "$R"} --local --rename --remove "$1"; echo "restored $1 (diversion removed)"; }',
        ]
      : []),
    'UNDO_HEAD',
    '    printf \'%s\\n\' "${UNDO[@]}"',
    `    if [ \${#HOST_CHANGED[@]} -gt 0 ]; then printf '%s\\n' ${refresh.map(shq).join(' ')}; fi`,
    '  } >"$BACKUP/undo.sh"',
    '  chmod 0755 "$BACKUP/undo.sh"',
    '}',
  ]);
  step('sh.backup', [
    // save PATH: a copy of the file in the backup folder, and the undo.sh line that puts it back.
    'save() {',
    '  if [ -f "$R$1" ]; then',
    '    mkdir -p "$BACKUP/files$(dirname "$1")"',
    '    cp -p "$R$1" "$BACKUP/files$1"',
    '    UNDO+=("restore $(printf %q "$1")")',
    '  else',
    '    UNDO+=("remove $(printf %q "$1")")',
    '  fi',
    '  write_undo',
    '}',
  ]);
  step('sh.write', [
    'for p in "${HOST_CHANGED[@]}"; do',
    '  save "$p"',
    '  if [ -f "$R$p" ]; then cat "$STAGE/new$p" >"$R$p"; else install -D -m 0644 "$STAGE/new$p" "$R$p"; fi',
    '  echo "wrote $p"',
    'done',
  ]);
  step(ovmf ? 'sh.ovmf' : 'sh.rom', [
    'for i in "${!BIN_DST[@]}"; do',
    '  p="${BIN_DST[i]}"',
    ...(ovmf
      ? [
          '  if [ "$p" = "$OVMF_CODE" ] && [ "$DIVERT" = 1 ]; then',
          '    mkdir -p "$BACKUP/files$(dirname "$p")"; cp -p "$R$p" "$BACKUP/files$p"',
          '    UNDO+=("undivert $(printf %q "$p")"); write_undo',
          '    dpkg-divert ${R:+--root "$R"} --local --rename --divert "$p.distrib" --add "$p"',
          '  else save "$p"; fi',
        ]
      : ['  save "$p"']),
    '  install -D -m 0644 "${BIN_SRC[i]}" "$R$p"',
    '  echo "installed $p"',
    'done',
  ]);
  step(
    'sh.vm',
    [
      'if [ ${#VM_OPTS[@]} -gt 0 ]; then',
      '  save "/etc/pve/qemu-server/$VMID.conf"',
      '  qm set "$VMID" "${VM_OPTS[@]}"',
      '  echo "configured VM $VMID"',
      'fi',
    ],
    { vmid: c.vmid },
  );
  step('sh.apply', [`if [ \${#HOST_CHANGED[@]} -gt 0 ]; then ${refresh.join('; ')}; fi`]);
  step('sh.undo', ['echo "--- ${BACKUP#"$R"}/undo.sh"', 'cat "$BACKUP/undo.sh"']);
  step('sh.done', [
    'echo "done; backups and undo.sh in ${BACKUP#"$R"}${HOST_CHANGED[*]:+; reboot the host}"',
  ]);
  return lines;
}
