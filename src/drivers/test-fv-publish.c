/*
 * test-fv-publish: TEST ONLY, never shipped in an output. Hands the firmware volume image in the
 * fw_cfg file `opt/ogp/fv` to the DXE core (DXE Services ProcessFirmwareVolume), which publishes
 * it with the FV2 protocol on a new handle. That gives a QEMU test a VBT FFS file in a volume the
 * policy driver was not loaded from, without patching OVMF.
 */
#include "efi.h"
#include "util.h"
#include "fwcfg.h"

static const EFI_GUID kDxeServicesGuid = DXE_SERVICES_TABLE_GUID;

EFI_STATUS EFIAPI EfiMain(EFI_HANDLE ImageHandle, EFI_SYSTEM_TABLE *SystemTable) {
  (void)ImageHandle;
  EFI_BOOT_SERVICES *bs = SystemTable->BootServices;
  DXE_SERVICES *ds = 0;
  for (UINTN i = 0; i < SystemTable->NumberOfTableEntries; i++)
    if (mem_eq(&SystemTable->ConfigurationTable[i].VendorGuid, &kDxeServicesGuid, sizeof(EFI_GUID)))
      ds = SystemTable->ConfigurationTable[i].VendorTable;
  UINT16 sel;
  UINT32 size;
  if (!ds || !fwcfg_find("opt/ogp/fv", &sel, &size) || size == 0) {
    dbg("FVPUBLISH: no DXE services or no opt/ogp/fv, nothing published");
    return EFI_NOT_FOUND;
  }
  /* The DXE core keeps using the buffer as the volume's storage: pages that are never freed. */
  EFI_PHYSICAL_ADDRESS buf = 0;
  if (EFI_ERROR(bs->AllocatePages(AllocateAnyPages, EfiBootServicesData, (size + 0xFFF) / 0x1000, &buf)))
    return EFI_OUT_OF_RESOURCES;
  fwcfg_read_item(sel, (VOID *)(UINTN)buf, size);
  EFI_HANDLE fv = 0;
  EFI_STATUS s = ds->ProcessFirmwareVolume((VOID *)(UINTN)buf, size, &fv);
  dbg("FVPUBLISH: %u-byte volume at %x: %s", (UINT64)size, buf, EFI_ERROR(s) ? "failed" : "published");
  return s;
}
