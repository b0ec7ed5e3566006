/*
 * vbt-test-app: test-only UEFI application. Locates the PLATFORM_GOP_POLICY protocol, checks its
 * Revision, calls both functions and prints what came back (VBT signature, size, SHA-256) on the
 * console and on the debug port, one `VBTTEST key=value` line each, for the QEMU tests to parse.
 * When fw_cfg carries etc/igd-opregion it also runs the OpRegion→VBT lookup that the policy
 * driver uses (opregion.h) on that blob. And it reports what IgdAssignment left in the device at
 * 0000:00:02.0 (ASLS, BDSM) together with the memory-map type of what those registers point at.
 */
#include "efi.h"
#include "util.h"
#include "fwcfg.h"
#include "opregion.h"
#include "sha256.h"
#include "pci-io.h"

static EFI_SYSTEM_TABLE *gST;
static const EFI_GUID kPolicyGuid = PLATFORM_GOP_POLICY_PROTOCOL_GUID;

static void say(const char *fmt, ...) {
  LINE l = {.len = 0};
  line_str(&l, "VBTTEST ");
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  line_fmt(&l, fmt, ap);
  __builtin_va_end(ap);
  l.buf[l.len] = 0;
  debug_out(l.buf);
  debug_out("\n");
  CHAR16 w[sizeof(l.buf) + 3];
  UINTN n = 0;
  for (; n < l.len; n++) w[n] = (CHAR16)(UINT8)l.buf[n];
  w[n++] = '\r', w[n++] = '\n', w[n] = 0;
  gST->ConOut->OutputString(gST->ConOut, w);
}

static void hex_digest(const UINT8 *data, UINTN len, char out[65]) {
  UINT8 d[32];
  sha256(data, len, d);
  for (int i = 0; i < 32; i++) {
    out[2 * i] = "0123456789abcdef"[d[i] >> 4];
    out[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
  }
  out[64] = 0;
}

static void print_vbt(const char *what, const UINT8 *vbt, UINT32 size) {
  char sig[21], hex[65];
  for (int i = 0; i < 20; i++) sig[i] = (i < (int)size && vbt[i] >= 0x20 && vbt[i] < 0x7F) ? (char)vbt[i] : '.';
  sig[20] = 0;
  hex_digest(vbt, size, hex);
  say("%s-signature=\"%s\"", what, sig);
  say("%s-size=%u", what, (UINT64)size);
  say("%s-sha256=%s", what, hex);
}

/*
 * The memory-map type covering [addr, addr + len), or -1 when part of the range is unmapped or
 * of another type (descriptors of the same type may be split; walk them).
 */
static INT64 memory_type(UINT64 addr, UINT64 len) {
  EFI_BOOT_SERVICES *bs = gST->BootServices;
  UINTN size = 0, key, desc_size;
  UINT32 version;
  bs->GetMemoryMap(&size, 0, &key, &desc_size, &version);
  size += 8 * sizeof(EFI_MEMORY_DESCRIPTOR); /* the pool allocation below may add entries */
  UINT8 *map = 0;
  if (EFI_ERROR(bs->AllocatePool(EfiBootServicesData, size, (VOID **)&map))) return -1;
  INT64 type = -1;
  if (!EFI_ERROR(bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)map, &key, &desc_size, &version))) {
    UINT64 at = addr, end = addr + (len ? len : 1);
    while (at < end) {
      EFI_MEMORY_DESCRIPTOR *hit = 0;
      for (UINTN off = 0; off + desc_size <= size && !hit; off += desc_size) {
        EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(map + off);
        if (at >= d->PhysicalStart && at < d->PhysicalStart + d->NumberOfPages * 0x1000) hit = d;
      }
      if (!hit || (at != addr && (INT64)hit->Type != type)) {
        type = -1;
        break;
      }
      type = hit->Type;
      at = hit->PhysicalStart + hit->NumberOfPages * 0x1000;
    }
  }
  bs->FreePool(map);
  return type;
}

static void say_memtype(const char *key, INT64 type) {
  if (type < 0) say("%s=mixed", key);
  else say("%s=%u", key, (UINT64)type);
}

/* What IgdAssignment wrote into the iGPU at 0000:00:02.0, and what the registers point at. */
static void check_igd(void) {
  EFI_PCI_IO_PROTOCOL *io = pci_io_at(gST->BootServices, 0, 0, 2, 0);
  if (!io) {
    say("igd=absent");
    return;
  }
  UINT32 id = pci_read32(io, 0x00), asls = pci_read32(io, 0xFC), bdsm32 = pci_read32(io, 0x5C);
  UINT64 bdsm64 = pci_read32(io, 0xC0) | (UINT64)pci_read32(io, 0xC4) << 32;
  say("igd=%04x:%04x", (UINT64)(id & 0xFFFF), (UINT64)(id >> 16));
  say("igd-asls=%x", (UINT64)asls);
  say("igd-bdsm32=%x", (UINT64)bdsm32);
  say("igd-bdsm64=%x", bdsm64);
  UINT16 sel;
  UINT32 size;
  if (asls && fwcfg_find("etc/igd-opregion", &sel, &size)) {
    char hex[65];
    hex_digest((const UINT8 *)(UINTN)asls, size, hex);
    say_memtype("igd-asls-memtype", memory_type(asls, size));
    say("igd-asls-sha256=%s", hex);
  }
  UINT64 bdsm = (bdsm64 & ~0xFFFFFull) ? bdsm64 & ~0xFFFFFull : (UINT64)(bdsm32 & 0xFFF00000u);
  UINT8 raw[8];
  if (bdsm && bdsm32 != 0xFFFFFFFFu && fwcfg_find("etc/igd-bdsm-size", &sel, &size) && size == 8) {
    fwcfg_read_item(sel, raw, 8);
    say_memtype("igd-bdsm-memtype", memory_type(bdsm, rd64(raw)));
  }
}

static void check_fwcfg_opregion(void) {
  UINT16 sel;
  UINT32 size;
  if (!fwcfg_find("etc/igd-opregion", &sel, &size)) {
    say("fwcfg-opregion=absent");
    return;
  }
  UINT8 *buf = 0;
  if (EFI_ERROR(gST->BootServices->AllocatePool(EfiBootServicesData, size, (VOID **)&buf))) return;
  fwcfg_read_item(sel, buf, size);
  UINT32 vsize = 0;
  UINTN off = opregion_vbt(buf, size, &vsize);
  say("fwcfg-opregion=%u bytes, version %u.%u", (UINT64)size, (UINT64)(size > 0x17 ? buf[0x17] : 0),
      (UINT64)(size > 0x16 ? buf[0x16] : 0));
  if (!off) {
    say("opregion-vbt=none");
  } else {
    say("opregion-vbt-offset=%x", (UINT64)off);
    vbt_fix_checksum(buf + off);
    print_vbt("opregion-vbt", buf + off, vsize);
  }
  gST->BootServices->FreePool(buf);
}

EFI_STATUS EFIAPI EfiMain(EFI_HANDLE ImageHandle, EFI_SYSTEM_TABLE *SystemTable) {
  (void)ImageHandle;
  gST = SystemTable;
  PLATFORM_GOP_POLICY_PROTOCOL *policy = 0;
  EFI_STATUS s = gST->BootServices->LocateProtocol(&kPolicyGuid, 0, (VOID **)&policy);
  if (EFI_ERROR(s) || !policy) {
    say("policy=absent status=%x", (UINT64)s);
  } else {
    say("policy=found revision=%u", (UINT64)policy->Revision);
    LID_STATUS lid = LidOpen;
    say("lid-status=%x", (UINT64)policy->GetPlatformLidStatus(&lid));
    EFI_PHYSICAL_ADDRESS addr = 0;
    UINT32 size = 0;
    s = policy->GetVbtData(&addr, &size);
    say("getvbt-status=%x", (UINT64)s);
    if (!EFI_ERROR(s)) {
      say("vbt-below-4g=%u", (UINT64)(addr + size <= 0x100000000ull));
      say_memtype("vbt-memtype", memory_type(addr, size));
      print_vbt("vbt", (const UINT8 *)(UINTN)addr, size);
    }
  }
  check_fwcfg_opregion();
  check_igd();
  say("done");
  return EFI_SUCCESS;
}
