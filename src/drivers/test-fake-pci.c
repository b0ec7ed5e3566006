/*
 * test-fake-pci: TEST ONLY, never shipped in an output. QEMU emulates no Intel display device,
 * so the paths of IgdAssignment and PlatformGopPolicy that need an iGPU at 0000:00:02.0 cannot
 * run against real emulated hardware. This driver installs EFI_PCI_IO_PROTOCOL instances for
 * PCI functions that do not exist, described by the fw_cfg file `opt/ogp/fake-pci`: a list of
 * 260-byte records {u8 bus, u8 device, u8 function, u8 reserved, u8 config[256]} (segment 0).
 * Config reads return the record's bytes; config writes change them and are logged on the debug
 * console as `FAKEPCI bb:dd.f write<bits> 0xOFF = 0xVALUE`, so the tests see every write our
 * drivers make. Everything else in the protocol answers EFI_UNSUPPORTED.
 */
#include "efi.h"
#include "util.h"
#include "fwcfg.h"
#include "pci-io.h"

#define RECORD_SIZE 260
#define CONFIG_SIZE 256

typedef struct {
  EFI_PCI_IO_PROTOCOL Io; /* first, so the protocol pointer is the device pointer */
  UINT8 Bus, Device, Function;
  UINT8 Config[CONFIG_SIZE];
} FAKE_DEVICE;

static EFI_STATUS EFIAPI unsupported(void) { return EFI_UNSUPPORTED; }

/* Bytes per element for the plain widths; 0 for FIFO/fill widths, which no caller of ours uses. */
static UINTN width_bytes(UINTN width) { return width <= EfiPciIoWidthUint64 ? (UINTN)1 << width : 0; }

static EFI_STATUS EFIAPI fake_read(EFI_PCI_IO_PROTOCOL *This, UINTN Width, UINT32 Offset, UINTN Count,
                                   VOID *Buffer) {
  FAKE_DEVICE *d = (FAKE_DEVICE *)This;
  UINTN n = width_bytes(Width) * Count;
  if (!n || !Buffer || (UINT64)Offset + n > CONFIG_SIZE) return EFI_UNSUPPORTED;
  memcpy(Buffer, d->Config + Offset, n);
  return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI fake_write(EFI_PCI_IO_PROTOCOL *This, UINTN Width, UINT32 Offset, UINTN Count,
                                    VOID *Buffer) {
  FAKE_DEVICE *d = (FAKE_DEVICE *)This;
  UINTN w = width_bytes(Width), n = w * Count;
  if (!n || !Buffer || (UINT64)Offset + n > CONFIG_SIZE) return EFI_UNSUPPORTED;
  memcpy(d->Config + Offset, Buffer, n);
  for (UINTN i = 0; i < Count; i++) {
    const UINT8 *p = d->Config + Offset + i * w;
    UINT64 v = w == 1 ? p[0] : w == 2 ? rd16(p) : w == 4 ? rd32(p) : rd64(p);
    dbg("FAKEPCI %02x:%02x.%u write%u %x = %x", (UINT64)d->Bus, (UINT64)d->Device, (UINT64)d->Function,
        (UINT64)(w * 8), (UINT64)(Offset + i * w), v);
  }
  return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI fake_location(EFI_PCI_IO_PROTOCOL *This, UINTN *Segment, UINTN *Bus, UINTN *Device,
                                       UINTN *Function) {
  FAKE_DEVICE *d = (FAKE_DEVICE *)This;
  if (!Segment || !Bus || !Device || !Function) return EFI_INVALID_PARAMETER;
  *Segment = 0, *Bus = d->Bus, *Device = d->Device, *Function = d->Function;
  return EFI_SUCCESS;
}

EFI_STATUS EFIAPI EfiMain(EFI_HANDLE ImageHandle, EFI_SYSTEM_TABLE *SystemTable) {
  (void)ImageHandle;
  EFI_BOOT_SERVICES *bs = SystemTable->BootServices;
  UINT16 sel;
  UINT32 size;
  if (!fwcfg_find("opt/ogp/fake-pci", &sel, &size) || size == 0 || size % RECORD_SIZE) {
    dbg("FAKEPCI: no usable opt/ogp/fake-pci, nothing installed");
    return EFI_NOT_FOUND;
  }
  UINTN count = size / RECORD_SIZE;
  UINT8 *records = 0;
  FAKE_DEVICE *devs = 0;
  if (EFI_ERROR(bs->AllocatePool(EfiBootServicesData, size, (VOID **)&records)) ||
      EFI_ERROR(bs->AllocatePool(EfiBootServicesData, count * sizeof(FAKE_DEVICE), (VOID **)&devs)))
    return EFI_OUT_OF_RESOURCES;
  fwcfg_read_item(sel, records, size);
  for (UINTN i = 0; i < count; i++) {
    FAKE_DEVICE *d = &devs[i];
    const UINT8 *r = records + i * RECORD_SIZE;
    VOID **slot = (VOID **)&d->Io;
    for (UINTN j = 0; j < sizeof(EFI_PCI_IO_PROTOCOL) / sizeof(VOID *); j++) slot[j] = (VOID *)unsupported;
    d->Io.PciRead = fake_read;
    d->Io.PciWrite = fake_write;
    d->Io.GetLocation = fake_location;
    d->Io.RomSize = 0;
    d->Io.RomImage = 0;
    d->Bus = r[0], d->Device = r[1], d->Function = r[2];
    memcpy(d->Config, r + 4, CONFIG_SIZE);
    EFI_HANDLE h = 0;
    EFI_STATUS s = bs->InstallProtocolInterface(&h, &kPciIoGuid, EFI_NATIVE_INTERFACE, &d->Io);
    dbg("FAKEPCI %02x:%02x.%u %04x:%04x class %02x installed: %s", (UINT64)d->Bus, (UINT64)d->Device,
        (UINT64)d->Function, (UINT64)rd16(d->Config), (UINT64)rd16(d->Config + 2), (UINT64)d->Config[0x0B],
        EFI_ERROR(s) ? "failed" : "ok");
  }
  bs->FreePool(records);
  return EFI_SUCCESS;
}
