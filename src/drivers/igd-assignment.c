/*
 * IgdAssignment: prepares a passed-through Intel iGPU for its GOP driver the way QEMU expects
 * (QEMU docs/igd-assign.txt). For each PCI I/O instance that is vendor 0x8086, class display,
 * at 0000:00:02.0:
 *   - fw_cfg `etc/igd-opregion` → copied into ACPI NVS pages below 4 GiB, address written to
 *     ASLS (config 0xFC);
 *   - fw_cfg `etc/igd-bdsm-size` (LE64) → that much reserved memory, 1 MiB aligned, below 4 GiB,
 *     its address written to BDSM (0x5C, 32-bit, Gen6–10; 0xC0, 64-bit, Gen11+).
 * Anything missing (fw_cfg file, Intel device) → nothing is changed. Every decision is one line
 * on the debug console (port 0x402).
 */
#include "efi.h"
#include "util.h"
#include "fwcfg.h"
#include "igd-generation.h"
#include "pci-io.h"

#define PCI_ASLS 0xFC
#define PCI_BDSM32 0x5C
#define PCI_BDSM64 0xC0
#define SIZE_1MB 0x100000ull
#define BELOW_4G 0xFFFFFFFFull

static EFI_BOOT_SERVICES *gBS;
static VOID *gRegistration;
static UINTN gIntelSeen;

static void setup_opregion(EFI_PCI_IO_PROTOCOL *io) {
  UINT16 sel;
  UINT32 size;
  if (!fwcfg_find("etc/igd-opregion", &sel, &size) || size == 0) {
    dbg("IgdAssignment: fw_cfg etc/igd-opregion absent, ASLS left alone");
    return;
  }
  EFI_PHYSICAL_ADDRESS addr = BELOW_4G;
  UINTN pages = (size + 0xFFF) / 0x1000;
  if (EFI_ERROR(gBS->AllocatePages(AllocateMaxAddress, EfiACPIMemoryNVS, pages, &addr))) {
    dbg("IgdAssignment: cannot allocate %u bytes of ACPI NVS for the OpRegion", (UINT64)size);
    return;
  }
  memset((VOID *)(UINTN)addr, 0, pages * 0x1000);
  fwcfg_read_item(sel, (VOID *)(UINTN)addr, size);
  EFI_STATUS s = pci_write32(io, PCI_ASLS, (UINT32)addr);
  dbg("IgdAssignment: OpRegion (%u bytes) at %x, ASLS write %s", (UINT64)size, addr, EFI_ERROR(s) ? "failed" : "ok");
}

static void setup_stolen_memory(EFI_PCI_IO_PROTOCOL *io, UINT16 device_id) {
  UINT16 sel;
  UINT32 size;
  UINT8 raw[8];
  if (!fwcfg_find("etc/igd-bdsm-size", &sel, &size) || size != 8) {
    dbg("IgdAssignment: fw_cfg etc/igd-bdsm-size absent, BDSM left alone");
    return;
  }
  fwcfg_read_item(sel, raw, 8);
  UINT64 bdsm_size = rd64(raw);
  const IGD_DEVICE *dev = igd_lookup(device_id);
  if (!dev) {
    dbg("IgdAssignment: device 8086:%04x is not in our iGPU table, BDSM left alone", (UINT64)device_id);
    return;
  }
  UINT64 gen = dev->Gen;
  UINT32 reg = dev->Bdsm64 ? PCI_BDSM64 : PCI_BDSM32;
  if (bdsm_size == 0 || bdsm_size > 0x40000000ull) {
    dbg("IgdAssignment: etc/igd-bdsm-size %x out of range, BDSM left alone", bdsm_size);
    return;
  }
  UINT32 cur_lo = pci_read32(io, reg), cur_hi = reg == PCI_BDSM64 ? pci_read32(io, reg + 4) : 0;
  if ((cur_lo & 0xFFF00000u) || cur_hi) {
    dbg("IgdAssignment: BDSM already set (%x), left alone", (UINT64)cur_hi << 32 | (cur_lo & 0xFFF00000u));
    return;
  }
  /* Over-allocate by 1 MiB, then give back what lies before and after the aligned block. */
  bdsm_size = (bdsm_size + SIZE_1MB - 1) & ~(SIZE_1MB - 1);
  UINTN pages = (UINTN)((bdsm_size + SIZE_1MB) / 0x1000);
  EFI_PHYSICAL_ADDRESS base = BELOW_4G;
  if (EFI_ERROR(gBS->AllocatePages(AllocateMaxAddress, EfiReservedMemoryType, pages, &base))) {
    dbg("IgdAssignment: cannot reserve %x bytes of stolen memory", bdsm_size);
    return;
  }
  EFI_PHYSICAL_ADDRESS aligned = (base + SIZE_1MB - 1) & ~(SIZE_1MB - 1);
  if (aligned > base) gBS->FreePages(base, (UINTN)((aligned - base) / 0x1000));
  EFI_PHYSICAL_ADDRESS end = base + (UINT64)pages * 0x1000, used_end = aligned + bdsm_size;
  if (end > used_end) gBS->FreePages(used_end, (UINTN)((end - used_end) / 0x1000));
  /* Keep the register's low (lock/reserved) bits, replace the base. */
  EFI_STATUS s = pci_write32(io, reg, (UINT32)aligned | (cur_lo & 0xFFFFFu));
  if (reg == PCI_BDSM64 && !EFI_ERROR(s)) s = pci_write32(io, reg + 4, (UINT32)(aligned >> 32));
  dbg("IgdAssignment: stolen memory %x bytes at %x, Gen%u BDSM@%x write %s", bdsm_size, aligned, gen,
      (UINT64)reg, EFI_ERROR(s) ? "failed" : "ok");
}

static void handle_pci_io(EFI_PCI_IO_PROTOCOL *io) {
  UINTN seg, bus, dev, fn;
  if (EFI_ERROR(io->GetLocation(io, &seg, &bus, &dev, &fn))) return;
  UINT32 id = pci_read32(io, 0x00), class_rev = pci_read32(io, 0x08);
  int at_igd_slot = seg == 0 && bus == 0 && dev == 2 && fn == 0;
  int intel_display = (id & 0xFFFF) == 0x8086 && (class_rev >> 24) == 0x03;
  if (!at_igd_slot || !intel_display) {
    dbg("IgdAssignment: %04x:%02x:%02x.%u %04x:%04x class %02x: not an Intel iGPU at 00:02.0, skipped", (UINT64)seg,
        (UINT64)bus, (UINT64)dev, (UINT64)fn, (UINT64)(id & 0xFFFF), (UINT64)(id >> 16), (UINT64)(class_rev >> 24));
    return;
  }
  gIntelSeen++;
  UINT16 device_id = (UINT16)(id >> 16);
  const IGD_DEVICE *known = igd_lookup(device_id);
  if (known) dbg("IgdAssignment: Intel iGPU 8086:%04x (Gen%u) at 0000:00:02.0", (UINT64)device_id, (UINT64)known->Gen);
  else dbg("IgdAssignment: Intel display 8086:%04x at 0000:00:02.0, not in our iGPU table", (UINT64)device_id);
  UINT32 asls = pci_read32(io, PCI_ASLS);
  if (asls != 0) {
    dbg("IgdAssignment: ASLS already %x, nothing to do", (UINT64)asls);
    return;
  }
  setup_opregion(io);
  setup_stolen_memory(io, device_id);
}

/* Protocol notify: returns every PCI I/O instance registered since the last call (all at first). */
static VOID EFIAPI on_pci_io(EFI_EVENT Event, VOID *Context) {
  (void)Event, (void)Context;
  for (;;) {
    EFI_HANDLE h;
    UINTN size = sizeof h;
    if (EFI_ERROR(gBS->LocateHandle(ByRegisterNotify, 0, gRegistration, &size, &h))) break;
    EFI_PCI_IO_PROTOCOL *io = 0;
    if (!EFI_ERROR(gBS->HandleProtocol(h, &kPciIoGuid, (VOID **)&io)) && io) handle_pci_io(io);
  }
}

EFI_STATUS EFIAPI EfiMain(EFI_HANDLE ImageHandle, EFI_SYSTEM_TABLE *SystemTable) {
  (void)ImageHandle;
  gBS = SystemTable->BootServices;
  EFI_EVENT ev;
  EFI_STATUS s = gBS->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, on_pci_io, 0, &ev);
  if (!EFI_ERROR(s)) s = gBS->RegisterProtocolNotify(&kPciIoGuid, ev, &gRegistration);
  if (EFI_ERROR(s)) {
    dbg("IgdAssignment: cannot register the PCI I/O notify (%x)", (UINT64)s);
    return s;
  }
  /* Signal once so the instances that exist already are handled now. */
  gBS->SignalEvent(ev);
  if (!gIntelSeen) dbg("IgdAssignment: no Intel iGPU at 00:02.0 yet, nothing changed");
  return EFI_SUCCESS;
}
