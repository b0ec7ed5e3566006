/*
 * igd-generation.h: Intel iGPU device ID → graphics generation and BDSM register. The table
 * itself is generated at build time from the project's one table,
 * src/lib/firmware/igpu/devices.ts (build.mjs writes igd-devices.generated.h), so the drivers
 * and the TypeScript side cannot disagree. Unknown IDs get no BDSM: guessing the register
 * width wrong would hand the GOP a bogus stolen-memory base.
 */
#ifndef OGP_IGD_GENERATION_H
#define OGP_IGD_GENERATION_H

#include "efi.h"

typedef struct {
  UINT16 DeviceId;
  UINT8 Gen;    /* integer part of the generation (12 for 12.7) */
  UINT8 Bdsm64; /* 1: 64-bit BDSM at 0xC0 (Gen11+); 0: 32-bit at 0x5C */
} IGD_DEVICE;

#include "igd-devices.generated.h" /* static const IGD_DEVICE kIgdDevices[], sorted by DeviceId */

/* Binary search; returns 0 when the ID is not a known Intel iGPU. */
static const IGD_DEVICE *igd_lookup(UINT16 id) {
  UINTN lo = 0, hi = sizeof kIgdDevices / sizeof kIgdDevices[0];
  while (lo < hi) {
    UINTN mid = (lo + hi) / 2;
    if (kIgdDevices[mid].DeviceId == id) return &kIgdDevices[mid];
    if (kIgdDevices[mid].DeviceId < id) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

#endif
