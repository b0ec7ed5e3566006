/*
 * PlatformGopPolicy: installs the PLATFORM_GOP_POLICY protocol (Revision 1) that the Intel GOP
 * driver asks for the VBT. GetVbtData looks, in order, at
 *   1. a `.vbt` PE section appended to this very image by our TypeScript builder,
 *   2. a VBT FFS file (RAW section) in any firmware volume,
 *   3. the VBT inside the iGPU's OpRegion (ASLS = config 0xFC of 0000:00:02.0, read through PCI I/O),
 * and returns EFI_NOT_FOUND when none passes the `$VBT` header check.
 */
#include "efi.h"
#include "util.h"
#include "opregion.h"
#include "pci-io.h"

static EFI_BOOT_SERVICES *gBS;
static EFI_HANDLE gImage;
static EFI_PHYSICAL_ADDRESS gVbtAddress; /* cached once found, so repeated calls agree */
static UINT32 gVbtSize;

static const EFI_GUID kPolicyGuid = PLATFORM_GOP_POLICY_PROTOCOL_GUID;
static const EFI_GUID kLoadedImageGuid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static const EFI_GUID kFv2Guid = EFI_FIRMWARE_VOLUME2_PROTOCOL_GUID;
static const EFI_GUID kVbtFileGuid = VBT_FILE_GUID;

/* 1. Our own image: walk its section table for `.vbt` (the loader has mapped it at ImageBase). */
static int vbt_from_own_image(void) {
  EFI_LOADED_IMAGE_PROTOCOL *li = 0;
  if (EFI_ERROR(gBS->HandleProtocol(gImage, &kLoadedImageGuid, (VOID **)&li)) || !li || !li->ImageBase) return 0;
  const UINT8 *base = li->ImageBase;
  UINT64 image_size = li->ImageSize;
  if (image_size < 0x40 || base[0] != 'M' || base[1] != 'Z') return 0;
  UINT32 pe = rd32(base + 0x3C);
  if ((UINT64)pe + 24 > image_size || !mem_eq(base + pe, "PE\0\0", 4)) return 0;
  UINT16 nsec = rd16(base + pe + 6), opt_size = rd16(base + pe + 20);
  const UINT8 *sec = base + pe + 24 + opt_size;
  for (UINT16 i = 0; i < nsec; i++, sec += 40) {
    if ((UINT64)(sec - base) + 40 > image_size) return 0;
    if (!mem_eq(sec, ".vbt\0\0\0\0", 8)) continue;
    UINT32 vsize = rd32(sec + 8), va = rd32(sec + 12);
    if ((UINT64)va + vsize > image_size || !vbt_check(base + va, vsize)) {
      dbg("PlatformGopPolicy: .vbt section present but not a valid VBT");
      return 0;
    }
    gVbtAddress = (EFI_PHYSICAL_ADDRESS)(UINTN)(base + va);
    gVbtSize = vsize;
    dbg("PlatformGopPolicy: VBT from own .vbt section at %x, %u bytes", gVbtAddress, (UINT64)gVbtSize);
    return 1;
  }
  return 0;
}

/* 2. Any firmware volume holding the VBT file (not only the one we were loaded from). */
static int vbt_from_firmware_volumes(void) {
  UINTN count = 0;
  EFI_HANDLE *handles = 0;
  if (EFI_ERROR(gBS->LocateHandleBuffer(ByProtocol, &kFv2Guid, 0, &count, &handles))) return 0;
  int found = 0;
  for (UINTN i = 0; i < count && !found; i++) {
    EFI_FIRMWARE_VOLUME2_PROTOCOL *fv = 0;
    if (EFI_ERROR(gBS->HandleProtocol(handles[i], &kFv2Guid, (VOID **)&fv))) continue;
    VOID *buf = 0;
    UINTN size = 0;
    UINT32 auth = 0;
    if (EFI_ERROR(fv->ReadSection(fv, &kVbtFileGuid, EFI_SECTION_RAW, 0, &buf, &size, &auth))) continue;
    if (size <= 0xFFFFFFFFu && vbt_check(buf, size)) {
      gVbtAddress = (EFI_PHYSICAL_ADDRESS)(UINTN)buf; /* pool copy made by ReadSection; kept */
      gVbtSize = (UINT32)size;
      found = 1;
      dbg("PlatformGopPolicy: VBT from firmware volume file, %u bytes", (UINT64)size);
    } else {
      gBS->FreePool(buf);
    }
  }
  gBS->FreePool(handles);
  return found;
}

/* 3. The OpRegion that IgdAssignment (or the host) published through ASLS. */
static int vbt_from_opregion(void) {
  EFI_PCI_IO_PROTOCOL *io = pci_io_at(gBS, 0, 0, 2, 0);
  if (!io) {
    dbg("PlatformGopPolicy: no PCI device at 0000:00:02.0, no OpRegion");
    return 0;
  }
  UINT32 id = pci_read32(io, 0x00), class_rev = pci_read32(io, 0x08);
  if ((id & 0xFFFF) != 0x8086 || (class_rev >> 24) != 0x03) {
    dbg("PlatformGopPolicy: no Intel display device at 00:02.0 (id %x, class %x), no OpRegion", (UINT64)id,
        (UINT64)(class_rev >> 24));
    return 0;
  }
  UINT32 asls = pci_read32(io, 0xFC);
  if (asls == 0 || asls == 0xFFFFFFFFu) {
    dbg("PlatformGopPolicy: ASLS not set, no OpRegion");
    return 0;
  }
  const UINT8 *opregion = (const UINT8 *)(UINTN)asls;
  UINT32 size = 0;
  /* RVDA may point past the 8 KiB OpRegion; allow up to 64 KiB beyond it. */
  UINTN off = opregion_vbt(opregion, OPREGION_SIZE + 0x10000, &size);
  if (!off) {
    dbg("PlatformGopPolicy: OpRegion at %x holds no valid VBT", (UINT64)asls);
    return 0;
  }
  EFI_PHYSICAL_ADDRESS copy = 0xFFFFFFFFull;
  UINTN pages = (size + 0xFFF) / 0x1000;
  if (EFI_ERROR(gBS->AllocatePages(AllocateMaxAddress, EfiReservedMemoryType, pages, &copy))) return 0;
  memcpy((VOID *)(UINTN)copy, opregion + off, size);
  vbt_fix_checksum((UINT8 *)(UINTN)copy);
  gVbtAddress = copy;
  gVbtSize = size;
  dbg("PlatformGopPolicy: VBT from OpRegion %x+%x, %u bytes, copied to %x", (UINT64)asls, (UINT64)off,
      (UINT64)size, copy);
  return 1;
}

static EFI_STATUS EFIAPI GetPlatformLidStatus(LID_STATUS *CurrentLidStatus) {
  (void)CurrentLidStatus;
  return EFI_UNSUPPORTED; /* as the reference drivers: a VM has no lid */
}

static EFI_STATUS EFIAPI GetVbtData(EFI_PHYSICAL_ADDRESS *VbtAddress, UINT32 *VbtSize) {
  if (!VbtAddress || !VbtSize) return EFI_INVALID_PARAMETER;
  if (!gVbtSize && !vbt_from_own_image() && !vbt_from_firmware_volumes() && !vbt_from_opregion()) {
    dbg("PlatformGopPolicy: GetVbtData: no VBT found");
    return EFI_NOT_FOUND;
  }
  *VbtAddress = gVbtAddress;
  *VbtSize = gVbtSize;
  return EFI_SUCCESS;
}

static PLATFORM_GOP_POLICY_PROTOCOL gPolicy = {
    .Revision = PLATFORM_GOP_POLICY_REVISION_01,
    .GetPlatformLidStatus = GetPlatformLidStatus,
    .GetVbtData = GetVbtData,
};

EFI_STATUS EFIAPI EfiMain(EFI_HANDLE ImageHandle, EFI_SYSTEM_TABLE *SystemTable) {
  gBS = SystemTable->BootServices;
  gImage = ImageHandle;
  VOID *existing = 0;
  if (!EFI_ERROR(gBS->LocateProtocol(&kPolicyGuid, 0, &existing))) {
    /* OVMF and an option ROM may both carry us: the first one wins. */
    dbg("PlatformGopPolicy: protocol already installed, nothing to do");
    return EFI_SUCCESS;
  }
  EFI_HANDLE h = ImageHandle;
  EFI_STATUS s = gBS->InstallProtocolInterface(&h, &kPolicyGuid, EFI_NATIVE_INTERFACE, &gPolicy);
  dbg("PlatformGopPolicy: install Revision 1: %s", EFI_ERROR(s) ? "failed" : "ok");
  return s;
}
