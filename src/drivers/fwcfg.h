/*
 * fwcfg.h: QEMU fw_cfg through the legacy I/O ports (QEMU docs/specs/fw_cfg.rst):
 * selector (u16) at 0x510, data bytes at 0x511. Item 0x0000 reads "QEMU"; item 0x19 is the
 * file directory: u32 BE count, then {u32 BE size, u16 BE select, u16 reserved, char name[56]}.
 */
#ifndef OGP_FWCFG_H
#define OGP_FWCFG_H

#include "util.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019

static void fwcfg_select(UINT16 item) { outw(FW_CFG_PORT_SEL, item); }
static void fwcfg_read(void *dst, UINTN n) {
  UINT8 *p = dst;
  while (n--) *p++ = inb(FW_CFG_PORT_DATA);
}
static UINT32 be32(const UINT8 *p) { return (UINT32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static int fwcfg_present(void) {
  UINT8 sig[4];
  fwcfg_select(FW_CFG_SIGNATURE);
  fwcfg_read(sig, 4);
  return mem_eq(sig, "QEMU", 4);
}

/* Finds a named file; returns 1 and its selector and size when present. */
static int fwcfg_find(const char *name, UINT16 *select, UINT32 *size) {
  if (!fwcfg_present()) return 0;
  UINT8 hdr[4], ent[64];
  fwcfg_select(FW_CFG_FILE_DIR);
  fwcfg_read(hdr, 4);
  UINT32 count = be32(hdr);
  for (UINT32 i = 0; i < count && i < 4096; i++) {
    fwcfg_read(ent, 64);
    UINTN j = 0;
    while (name[j] && ent[8 + j] == (UINT8)name[j] && j < 55) j++;
    if (!name[j] && ent[8 + j] == 0) {
      *size = be32(ent);
      *select = (UINT16)(ent[4] << 8 | ent[5]);
      return 1;
    }
  }
  return 0;
}

/* Reads the first `n` bytes of the item `select` into `dst`. */
static void fwcfg_read_item(UINT16 select, void *dst, UINTN n) {
  fwcfg_select(select);
  fwcfg_read(dst, n);
}

#endif
