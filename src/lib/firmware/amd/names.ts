/**
 * The names the AMD ROM builder gives its files, which the generated VM config's `romfile=`
 * lines name too: one place, so `rom` and `config` agree. `id` is the 4-digit device ID.
 */
export function amdRomFileNames(id: string): { combined: string; gopOnly: string; vbios: string } {
  return {
    combined: `amd-vbios-gop-${id}.rom`,
    gopOnly: `amd-gop-${id}-audio.rom`,
    vbios: `vbios-${id}.bin`,
  };
}
