/**
 * The bash twins of vm-merge.ts, as lines for install.sh. Each function is pure (arguments and a
 * file in, a line out) so merge-sh.test.ts can run it next to its TypeScript original on the same
 * cases. Change both together; that test fails when they disagree.
 */

/** Field separator of plan_vm lines: a control character no config value holds, never IFS white space. */
export const PLAN_SEP = '\x1f';

/** Reading a VM config, shared by the Intel and the AMD merge. */
const CONF_SH: readonly string[] = [
  // conf_get KEY FILE: the first "key: value" of a VM config, as parseVmConf reads it (trimmed,
  // comments skipped, stops at the first [snapshot]); conf_has KEY FILE: whether the key is there.
  'conf_scan() { awk -v k="$1" -v mode="$2" \'{ sub(/^[ \\t]+/, ""); sub(/[ \\t\\r]+$/, "") } /^\\[/ { exit } /^#/ || $0 == "" { next } { i = index($0, ":"); if (i < 2) next; key = substr($0, 1, i - 1); sub(/[ \\t]+$/, "", key); key = tolower(key); if (key !~ /^[a-z][a-z0-9_-]*$/ || key != k) next; v = substr($0, i + 1); sub(/^[ \\t]+/, "", v); if (mode == "get") print v; found = 1; exit } END { exit !found }\' "$3"; }',
  'conf_get() { conf_scan "$1" get "$2" || true; }',
  'conf_has() { conf_scan "$1" has "$2"; }',
  // type_of VALUE: first comma part without a type=/cputype= prefix.
  'type_of() { local v="${1%%,*}"; case "$v" in type=*) v="${v#type=}" ;; cputype=*) v="${v#cputype=}" ;; esac; printf \'%s\\n\' "$v"; }',
  'is_on() { case "${1,,}" in 1 | on | true | yes) return 0 ;; esac; return 1; }',
  'host_of() { local p; local -a parts; IFS=, read -r -a parts <<<"$1"; for p in "${parts[@]}"; do if [[ "$p" == host=* ]]; then printf \'%s\\n\' "${p#host=}"; return; fi; done; if [[ "${parts[0]:-}" != *=* ]]; then printf \'%s\\n\' "${parts[0]:-}"; fi; }',
];

/** Resource mappings (`mapping=<name>`) and what the host said they are, shared by both merges. */
const MAPPING_SH: readonly string[] = [
  // mapping_of VALUE: the mapping=<name> of a hostpci value, or nothing.
  'mapping_of() { local p; local -a parts; IFS=, read -r -a parts <<<"$1"; for p in "${parts[@]}"; do if [[ "$p" == mapping=* ]]; then printf \'%s\\n\' "${p#mapping=}"; return; fi; done; }',
  // map_fact NAME MAPS: the fact of NAME in MAPS ("name=1,other=0"; AMD: gpu, audio, both, other), nothing when unknown.
  'map_fact() { local e; local -a es; IFS=, read -r -a es <<<"$2"; for e in "${es[@]}"; do if [ -n "$1" ] && [ "${e%=*}" = "$1" ]; then printf \'%s\\n\' "${e##*=}"; return; fi; done; }',
];

/** The Intel iGPU's hostpci and args. */
const IGD_SH: readonly string[] = [
  'is_igd_host() { [[ "${1,,}" =~ ^(0000:)?00:02(\\.0)?$ ]]; }',
  'is_igd_exact() { [[ "${1,,}" =~ ^(0000:)?00:02\\.0$ ]]; }',
  // opt_on VALUE KEY: the device option KEY is on (pcie=1).
  'opt_on() { local p; local -a parts; IFS=, read -r -a parts <<<"$1"; for p in "${parts[@]}"; do if [[ "$p" == "$2="* ]] && is_on "${p#*=}"; then return 0; fi; done; return 1; }',
  // igd_slot FILE [MAPS]: the iGPU's hostpci index (by address, or a mapping known to be it); -2
  // when an unresolved mapping may be it; else the lowest free one; else -1 (vm-merge.ts igdSlot).
  'igd_slot() {',
  '  local i name fact unsure=0',
  '  for ((i = 0; i < 16; i++)); do if conf_has "hostpci$i" "$1" && is_igd_host "$(host_of "$(conf_get "hostpci$i" "$1")")"; then echo "$i"; return; fi; done',
  '  for ((i = 0; i < 16; i++)); do',
  '    name="$(mapping_of "$(conf_get "hostpci$i" "$1")")"; [ -n "$name" ] || continue',
  '    fact="$(map_fact "$name" "${2:-}")"',
  '    if [ "$fact" = 1 ]; then echo "$i"; return; fi',
  '    if [ -z "$fact" ]; then unsure=1; fi',
  '  done',
  '  if [ "$unsure" = 1 ]; then echo -2; return; fi',
  '  for ((i = 0; i < 16; i++)); do if ! conf_has "hostpci$i" "$1"; then echo "$i"; return; fi; done',
  '  echo -1',
  '}',
  // merge_hostpci NOW ROM (vm-merge.ts mergeHostpci).
  'merge_hostpci() {',
  '  local now="$1" rom="$2" p key val i=0 legacy=0 romfile=0',
  '  local -a parts out=()',
  '  if [ -z "$now" ]; then printf \'%s\\n\' "0000:00:02.0,legacy-igd=1,romfile=$rom"; return; fi',
  '  IFS=, read -r -a parts <<<"$now"',
  '  for p in "${parts[@]}"; do',
  '    if [[ "$p" == *=* ]]; then key="${p%%=*}" val="${p#*=}"; else key="" val="$p"; fi',
  '    if [ "$i" = 0 ] && [ -z "$key" ]; then',
  '      if is_igd_exact "$p"; then out+=("$p"); else out+=(0000:00:02.0); fi',
  '    elif [ "$key" = host ]; then',
  '      if is_igd_exact "$val"; then out+=("$p"); else out+=(host=0000:00:02.0); fi',
  '    elif [ "$key" = legacy-igd ]; then',
  '      if [ "$legacy" = 0 ]; then out+=(legacy-igd=1); fi; legacy=1',
  '    elif [ "$key" = romfile ]; then',
  '      if [ "$romfile" = 0 ]; then out+=("romfile=$rom"); fi; romfile=1',
  '    elif { [ "$key" = x-vga ] || [ "$key" = pcie ]; } && is_on "$val"; then :',
  '    elif [ "$key" = rombar ] && [ "$val" = 0 ]; then :',
  '    else out+=("$p"); fi',
  '    i=$((i + 1))',
  '  done',
  '  if [ "$legacy" = 0 ]; then out+=(legacy-igd=1); fi',
  '  if [ "$romfile" = 0 ]; then out+=("romfile=$rom"); fi',
  '  local IFS=,; printf \'%s\\n\' "${out[*]}"',
  '}',
  // merge_args NOW DEV NAME=VALUE... (vm-merge.ts mergeArgs).
  'merge_args() {',
  '  local now="$1" dev="$2" p i found changed=0',
  '  shift 2',
  '  local -a tok',
  '  IFS=$\' \\t\\n\' read -r -a tok <<<"$now"',
  '  for p in "$@"; do',
  '    found=0',
  '    for ((i = 0; i + 1 < ${#tok[@]}; i++)); do',
  '      if [ "${tok[i]}" = -set ] && [[ "${tok[i + 1]}" == "device.$dev.${p%%=*}="* ]]; then',
  '        found=1',
  '        if [ "${tok[i + 1]}" != "device.$dev.$p" ]; then tok[i + 1]="device.$dev.$p"; changed=1; fi',
  '      fi',
  '    done',
  '    if [ "$found" = 0 ]; then tok+=(-set "device.$dev.$p"); changed=1; fi',
  '  done',
  '  if [ "$changed" = 0 ]; then printf \'%s\\n\' "$now"; else local IFS=\' \'; printf \'%s\\n\' "${tok[*]}"; fi',
  '}',
];

/** The vfio-pci ids list and the plan line format, shared by the Intel and the AMD merge. */
const IDS_DECIDE_SH: readonly string[] = [
  // merge_ids OURS LIST... (vm-merge.ts mergeIds).
  'merge_ids() {',
  '  local ours="$1" l id seen dup',
  '  shift',
  '  local -a ids out=()',
  '  for l in "$@" "$ours"; do',
  '    IFS=, read -r -a ids <<<"$l"',
  '    for id in "${ids[@]}"; do',
  '      [ -n "$id" ] || continue',
  '      dup=0; for seen in "${out[@]}"; do if [ "${seen,,}" = "${id,,}" ]; then dup=1; fi; done',
  '      if [ "$dup" = 0 ]; then out+=("$id"); fi',
  '    done',
  '  done',
  '  local IFS=,; printf \'%s\\n\' "${out[*]}"',
  '}',
  // decide KEY NOW OK VALUE [ASK]: one plan line "key, action, now, value" (vm-merge.ts planVm).
  'decide() {',
  '  local action value="$4"',
  '  if [ "$3" = 1 ]; then action=keep value="$2"',
  '  elif [ "${5:-0}" = 1 ]; then action=ask',
  '  elif [ -z "$2" ]; then action=add',
  '  else action=change; fi',
  '  printf \'%s\\037%s\\037%s\\037%s\\n\' "$1" "$action" "$2" "$value"',
  '}',
];

const PLAN_SH: readonly string[] = [
  // unsure_at CONF SLOT MAPS I: hostpciI is a mapping that may be the iGPU (slot -2, not resolved).
  'unsure_at() { local name; [ "$2" = -2 ] || return 1; name="$(mapping_of "$(conf_get "hostpci$4" "$1")")"; [ -n "$name" ] && [ -z "$(map_fact "$name" "$3")" ]; }',
  // plan_vm CONF ROM MIN_MIB OSTYPE_OK CPU_OK MAPS NAME=VALUE...: one decision per setting.
  'plan_vm() {',
  '  local conf="$1" rom="$2" min="$3" ostype_ok="$4" cpu_ok="$5" maps="$6" v ok ask slot dev merged i held=0',
  '  shift 6',
  '  slot="$(igd_slot "$conf" "$maps")"',
  '  v="$(conf_get bios "$conf")"; ok=0; if [ "$v" = ovmf ]; then ok=1; fi; decide bios "$v" "$ok" ovmf',
  '  v="$(conf_get machine "$conf")"; ok=0; if [[ "$(type_of "$v")" =~ ^(pc(-i440fx-.*)?)?$ ]]; then ok=1; fi',
  '  if [ "$ok" = 0 ]; then for ((i = 0; i < 16; i++)); do if [ "$i" != "$slot" ] && opt_on "$(conf_get "hostpci$i" "$conf")" pcie; then held=1; fi; done; fi',
  '  decide machine "$v" "$ok" pc "$held"',
  '  v="$(conf_get vga "$conf")"; ok=0; if [ "$(type_of "$v")" = none ]; then ok=1; fi; decide vga "$v" "$ok" none',
  '  if [ "$slot" -ge 0 ]; then',
  '    dev="hostpci$slot"; v="$(conf_get "$dev" "$conf")"; merged="$(merge_hostpci "$v" "$rom")"',
  '    ok=0; if [ "$merged" = "$v" ]; then ok=1; fi; decide "$dev" "$v" "$ok" "$merged" "$held"',
  '    if [ $# -gt 0 ]; then',
  '      v="$(conf_get args "$conf")"; merged="$(merge_args "$v" "$dev" "$@")"',
  '      ok=0; if [ "$merged" = "$v" ]; then ok=1; fi; decide args "$v" "$ok" "$merged" "$held"',
  '    fi',
  '  fi',
  '  for ((i = 0; i < 16; i++)); do if unsure_at "$conf" "$slot" "$maps" "$i"; then v="$(conf_get "hostpci$i" "$conf")"; printf \'%s\\037%s\\037%s\\037%s\\n\' "hostpci$i" check "$v" "$v"; fi; done',
  '  for ((i = 0; i < 16; i++)); do if [ "$i" != "$slot" ] && ! unsure_at "$conf" "$slot" "$maps" "$i" && conf_has "hostpci$i" "$conf"; then v="$(conf_get "hostpci$i" "$conf")"; decide "hostpci$i" "$v" 1 "$v"; fi; done',
  '  v="$(conf_get cpu "$conf")"; ok=0; if [ "$(type_of "$v")" = host ]; then ok=1; fi',
  '  ask=0; if [ -n "$v" ] && [ "$cpu_ok" != 1 ]; then ask=1; fi; decide cpu "$v" "$ok" host "$ask"',
  '  v="$(conf_get memory "$conf")"; ok=0',
  '  if [[ "$v" =~ ^(current=)?([0-9]+) ]] && [ "${BASH_REMATCH[2]}" -ge "$min" ]; then ok=1; fi',
  '  decide memory "$v" "$ok" "$min"',
  '  v="$(conf_get ostype "$conf")"; ok=1; if [[ "$v" == w* ]]; then ok=0; fi',
  '  ask=1; if [ "$ostype_ok" = 1 ]; then ask=0; fi; decide ostype "$v" "$ok" l26 "$ask"',
  '}',
];

/** The Intel install.sh's merge functions. */
export const MERGE_SH: readonly string[] = [
  ...CONF_SH,
  ...MAPPING_SH,
  ...IGD_SH,
  ...IDS_DECIDE_SH,
  ...PLAN_SH,
];

/**
 * The bash twins of vm-merge-amd.ts, for the AMD install.sh: with the shared config reading and
 * plan format, and nothing of the Intel merge.
 */
export const MERGE_SH_AMD: readonly string[] = [
  ...CONF_SH,
  ...MAPPING_SH,
  ...IDS_DECIDE_SH,
  // is_fn_host HOST WANT SLOT_TOO: HOST is the function WANT (a bare slot only when SLOT_TOO is 1).
  'is_fn_host() {',
  '  local h="${1,,}"',
  '  [ -n "$h" ] || return 1',
  '  if [[ "$h" =~ ^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}$ ]]; then',
  '    [ "$3" = 1 ] || return 1',
  '    h="$h.0"',
  '  fi',
  '  if [[ "$h" =~ ^[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]$ ]]; then h="0000:$h"; fi',
  '  [ "$h" = "$2" ]',
  '}',
  // amd_unsure FACT: a mapping with this fact may be an iGPU function (unresolved, or both in one).
  'amd_unsure() { [ -z "$1" ] || [ "$1" = both ]; }',
  // amd_slot FILE HOST SLOT_TOO SKIP MAPS FACT: the function's hostpci index (by address, or a
  // mapping whose fact is FACT); -2 when a mapping may be it; else the lowest free one but SKIP;
  // else -1 (vm-merge-amd.ts amdSlot).
  'amd_slot() {',
  '  local i name fact unsure=0',
  '  for ((i = 0; i < 16; i++)); do if [ "$i" != "$4" ] && conf_has "hostpci$i" "$1" && is_fn_host "$(host_of "$(conf_get "hostpci$i" "$1")")" "$2" "$3"; then echo "$i"; return; fi; done',
  '  for ((i = 0; i < 16; i++)); do',
  '    name="$(mapping_of "$(conf_get "hostpci$i" "$1")")"; [ -n "$name" ] || continue',
  '    fact="$(map_fact "$name" "$5")"',
  '    if [ "$i" != "$4" ] && [ "$fact" = "$6" ]; then echo "$i"; return; fi',
  '    if amd_unsure "$fact"; then unsure=1; fi',
  '  done',
  '  if [ "$unsure" = 1 ]; then echo -2; return; fi',
  '  for ((i = 0; i < 16; i++)); do if [ "$i" != "$4" ] && ! conf_has "hostpci$i" "$1"; then echo "$i"; return; fi; done',
  '  echo -1',
  '}',
  // amd_unsure_at CONF GPU AUDIO MAPS I: hostpciI is a mapping that may be a function nobody found.
  'amd_unsure_at() { local name; [ "$2" = -2 ] || [ "$3" = -2 ] || return 1; name="$(mapping_of "$(conf_get "hostpci$5" "$1")")"; [ -n "$name" ] && amd_unsure "$(map_fact "$name" "$4")"; }',
  // merge_amd_hostpci NOW HOST [ROM] (vm-merge-amd.ts mergeAmdHostpci).
  'merge_amd_hostpci() {',
  '  local now="$1" host="$2" rom="${3:-}" p key val i=0 pcie=0 romfile=0',
  '  local -a parts out=()',
  '  if [ -z "$now" ]; then printf \'%s\\n\' "$host,pcie=1${rom:+,romfile=$rom}"; return; fi',
  '  IFS=, read -r -a parts <<<"$now"',
  '  for p in "${parts[@]}"; do',
  '    if [[ "$p" == *=* ]]; then key="${p%%=*}" val="${p#*=}"; else key="" val="$p"; fi',
  '    if [ "$i" = 0 ] && [ -z "$key" ]; then',
  '      if is_fn_host "$p" "$host" 0; then out+=("$p"); else out+=("$host"); fi',
  '    elif [ "$key" = host ]; then',
  '      if is_fn_host "$val" "$host" 0; then out+=("$p"); else out+=("host=$host"); fi',
  '    elif [ "$key" = pcie ]; then',
  '      if [ "$pcie" = 0 ]; then out+=(pcie=1); fi; pcie=1',
  '    elif [ "$key" = romfile ] && [ -n "$rom" ]; then',
  '      if [ "$romfile" = 0 ]; then out+=("romfile=$rom"); fi; romfile=1',
  '    elif [ "$key" = legacy-igd ]; then :',
  '    elif [ "$key" = rombar ] && [ "$val" = 0 ]; then :',
  '    else out+=("$p"); fi',
  '    i=$((i + 1))',
  '  done',
  '  if [ "$pcie" = 0 ]; then out+=(pcie=1); fi',
  '  if [ -n "$rom" ] && [ "$romfile" = 0 ]; then out+=("romfile=$rom"); fi',
  '  local IFS=,; printf \'%s\\n\' "${out[*]}"',
  '}',
  // amd_decide_fn CONF SLOT HOST [ROM]: the plan line of one function's hostpci.
  'amd_decide_fn() { local v merged ok; if [ "$2" -lt 0 ]; then return; fi; v="$(conf_get "hostpci$2" "$1")"; merged="$(merge_amd_hostpci "$v" "$3" "${4:-}")"; ok=0; if [ "$merged" = "$v" ]; then ok=1; fi; decide "hostpci$2" "$v" "$ok" "$merged"; }',
  // plan_vm_amd CONF GPU_HOST GPU_ROM AUDIO_HOST AUDIO_ROM CPU_OK [MAPS] (vm-merge-amd.ts planAmdVm).
  'plan_vm_amd() {',
  '  local conf="$1" gpu_host="$2" gpu_rom="$3" audio_host="$4" audio_rom="$5" cpu_ok="$6" maps="${7:-}" v ok ask gpu audio i',
  '  v="$(conf_get bios "$conf")"; ok=0; if [ "$v" = ovmf ]; then ok=1; fi; decide bios "$v" "$ok" ovmf',
  '  v="$(conf_get machine "$conf")"; ok=0; if [[ "$(type_of "$v")" =~ ^(pc-)?q35(-.*)?$ ]]; then ok=1; fi; decide machine "$v" "$ok" q35',
  '  v="$(conf_get vga "$conf")"; ok=0; if [ "$(type_of "$v")" = none ]; then ok=1; fi; decide vga "$v" "$ok" none',
  '  gpu="$(amd_slot "$conf" "$gpu_host" 1 -1 "$maps" gpu)"',
  '  audio="$(amd_slot "$conf" "$audio_host" 0 "$gpu" "$maps" audio)"',
  '  amd_decide_fn "$conf" "$gpu" "$gpu_host" "$gpu_rom"',
  '  amd_decide_fn "$conf" "$audio" "$audio_host" "$audio_rom"',
  '  for ((i = 0; i < 16; i++)); do if amd_unsure_at "$conf" "$gpu" "$audio" "$maps" "$i"; then v="$(conf_get "hostpci$i" "$conf")"; printf \'%s\\037%s\\037%s\\037%s\\n\' "hostpci$i" check "$v" "$v"; fi; done',
  '  for ((i = 0; i < 16; i++)); do if [ "$i" != "$gpu" ] && [ "$i" != "$audio" ] && ! amd_unsure_at "$conf" "$gpu" "$audio" "$maps" "$i" && conf_has "hostpci$i" "$conf"; then v="$(conf_get "hostpci$i" "$conf")"; decide "hostpci$i" "$v" 1 "$v"; fi; done',
  '  v="$(conf_get cpu "$conf")"; ok=0; if [ "$(type_of "$v")" = host ]; then ok=1; fi',
  '  ask=0; if [ -n "$v" ] && [ "$cpu_ok" != 1 ]; then ask=1; fi; decide cpu "$v" "$ok" host "$ask"',
  '}',
];
