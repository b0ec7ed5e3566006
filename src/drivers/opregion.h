/*
 * opregion.h: where the VBT sits inside an Intel IGD OpRegion (i915 intel_opregion.c layout):
 * header "IntelGraphicsMem" with version OVER (major at 0x17, minor at 0x16), mailbox 3 (ASLE)
 * at 0x300 with RVDA (u64 @0x3BA) and RVDS (u32 @0x3C2), mailbox 4 = VBT at 0x400 (≤ 6 KiB).
 * From 2.1 on a VBT too large for mailbox 4 lives at OpRegion + RVDA, RVDS bytes.
 */
#ifndef OGP_OPREGION_H
#define OGP_OPREGION_H

#include "util.h"

#define OPREGION_SIZE 0x2000
#define OPREGION_MBOX4 0x400
#define OPREGION_MBOX4_SIZE 0x1800
#define OPREGION_RVDA 0x3BA
#define OPREGION_RVDS 0x3C2

/*
 * `opregion` points at `avail` readable bytes (OpRegion plus whatever follows it). Returns the
 * VBT's offset from the OpRegion start and sets *size to the bytes to copy, or returns 0.
 */
static UINTN opregion_vbt(const UINT8 *opregion, UINTN avail, UINT32 *size) {
  if (avail < OPREGION_SIZE || !mem_eq(opregion, "IntelGraphicsMem", 16)) return 0;
  UINT8 major = opregion[0x17], minor = opregion[0x16];
  UINT64 rvda = rd64(opregion + OPREGION_RVDA);
  UINT32 rvds = rd32(opregion + OPREGION_RVDS);
  if ((major > 2 || (major == 2 && minor >= 1)) && rvda && rvds) {
    /* 2.1+: RVDA is relative to the OpRegion start. */
    if (rvda < OPREGION_SIZE || rvda + rvds > avail) return 0;
    UINT32 vbt_size = vbt_check(opregion + rvda, rvds);
    if (!vbt_size) return 0;
    *size = rvds;
    return (UINTN)rvda;
  }
  UINT32 vbt_size = vbt_check(opregion + OPREGION_MBOX4, OPREGION_MBOX4_SIZE);
  if (!vbt_size) return 0;
  *size = vbt_size;
  return OPREGION_MBOX4;
}

/* Σ8 over the VBT's own size must be 0; the byte at 0x1A balances it. */
static void vbt_fix_checksum(UINT8 *vbt) {
  UINT32 n = rd16(vbt + 0x18);
  UINT8 sum = 0;
  vbt[0x1A] = 0;
  for (UINT32 i = 0; i < n; i++) sum = (UINT8)(sum + vbt[i]);
  vbt[0x1A] = (UINT8)(0x100 - sum);
}

#endif
