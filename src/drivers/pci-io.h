/*
 * pci-io.h: config-space access through EFI_PCI_IO_PROTOCOL and finding the instance at a given
 * PCI address. Both drivers go through PCI I/O rather than raw CF8/CFC ports, so they see the
 * same device the PCI bus driver enumerated (segment included) and nothing else.
 */
#ifndef OGP_PCI_IO_H
#define OGP_PCI_IO_H

#include "efi.h"

static const EFI_GUID kPciIoGuid = EFI_PCI_IO_PROTOCOL_GUID;

/* Reads one dword; all ones when the read fails (what absent hardware returns). */
static UINT32 pci_read32(EFI_PCI_IO_PROTOCOL *io, UINT32 off) {
  UINT32 v = 0xFFFFFFFFu;
  if (EFI_ERROR(io->PciRead(io, EfiPciIoWidthUint32, off, 1, &v))) return 0xFFFFFFFFu;
  return v;
}

static EFI_STATUS pci_write32(EFI_PCI_IO_PROTOCOL *io, UINT32 off, UINT32 v) {
  return io->PciWrite(io, EfiPciIoWidthUint32, off, 1, &v);
}

static int pci_is_at(EFI_PCI_IO_PROTOCOL *io, UINTN seg, UINTN bus, UINTN dev, UINTN fn) {
  UINTN s, b, d, f;
  if (EFI_ERROR(io->GetLocation(io, &s, &b, &d, &f))) return 0;
  return s == seg && b == bus && d == dev && f == fn;
}

/* The PCI I/O instance at seg:bus:dev.fn among those installed right now, or 0. */
static EFI_PCI_IO_PROTOCOL *pci_io_at(EFI_BOOT_SERVICES *bs, UINTN seg, UINTN bus, UINTN dev, UINTN fn) {
  UINTN count = 0;
  EFI_HANDLE *handles = 0;
  if (EFI_ERROR(bs->LocateHandleBuffer(ByProtocol, &kPciIoGuid, 0, &count, &handles))) return 0;
  EFI_PCI_IO_PROTOCOL *found = 0;
  for (UINTN i = 0; i < count && !found; i++) {
    EFI_PCI_IO_PROTOCOL *io = 0;
    if (!EFI_ERROR(bs->HandleProtocol(handles[i], &kPciIoGuid, (VOID **)&io)) && io && pci_is_at(io, seg, bus, dev, fn))
      found = io;
  }
  bs->FreePool(handles);
  return found;
}

#endif
