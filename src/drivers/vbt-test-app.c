/*
 * vbt-test-app: test-only UEFI application. Locates the PLATFORM_GOP_POLICY protocol, checks its
 * Revision, calls both functions and prints what came back (VBT signature, size, SHA-256) on the
 * console and on the debug port, one `VBTTEST key=value` line each, for the QEMU tests to parse.
 * When fw_cfg carries etc/igd-opregion it also runs the OpRegion→VBT lookup that the policy
 * driver uses (opregion.h) on that blob, since an emulated machine has no iGPU to expose ASLS.
 */
#include "efi.h"
#include "util.h"
#include "fwcfg.h"
#include "opregion.h"
#include "sha256.h"

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
      print_vbt("vbt", (const UINT8 *)(UINTN)addr, size);
    }
  }
  check_fwcfg_opregion();
  say("done");
  return EFI_SUCCESS;
}
