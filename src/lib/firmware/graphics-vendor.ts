/**
 * Which vendor's iGPU ROM a BIOS gives, when it may hold Intel and AMD graphics firmware at once.
 * An Intel board's BIOS often carries an AMD GOP for discrete Radeon cards: that is no AMD APU,
 * so the Intel ROM is still the one to build; so is a discrete Radeon's VBIOS (a laptop's BIOS
 * carries one for its dGPU, which has no ROM of its own). An Intel GOP or VBT is Intel evidence.
 * Only an AMD APU VBIOS (a device the APU table holds) beside Intel evidence leaves the choice
 * open; then a device ID decides when exactly one vendor's table holds it, otherwise the caller
 * must say (a typed error naming both, never a silent guess). A device ID only the other vendor's
 * table holds is refused, never built into the wrong vendor's ROM.
 */
import { pciId } from './bytes/hex';
import { FirmwareError } from './errors';
import { lookupAmdApu } from './igpu/amd';
import { lookupIgpu } from './igpu/devices';

export type GraphicsVendor = 'intel' | 'amd';

/** What the finders saw, top-ranked first; only what the choice and its message need. */
export interface GraphicsFound {
  /** `version` empty or absent when the image states none; `generation` as gopLabel reads it. */
  intelGops: { version?: string; generation?: string }[];
  intelVbts: unknown[];
  amdGops: { version?: string }[];
  /** Every AMD VBIOS; only those of a device in the APU table count as an APU's. */
  amdVbioses: { deviceId: number; family?: string; version?: string }[];
}

/** The Intel evidence an image holds, as the vendor choice counts it: its GOP, else its VBT. */
export type IntelEvidence = 'gop' | 'vbt';

/**
 * Which Intel evidence the image holds, if any: a VBT without a readable GOP is still an Intel
 * board's. The AMD ranking's discrete-card notes read the same rule the choice below does.
 */
export function intelEvidence(found: {
  intelGops: unknown[];
  intelVbts: unknown[];
}): IntelEvidence | undefined {
  if (found.intelGops.length) return 'gop';
  return found.intelVbts.length ? 'vbt' : undefined;
}

export interface GraphicsChoice {
  vendor: GraphicsVendor;
  /** Why, in one English clause (for the CLI's notes). */
  why: string;
}

/** The vendor(s) whose device table holds this PCI device ID. */
export function vendorsOfDeviceId(deviceId: number): GraphicsVendor[] {
  const out: GraphicsVendor[] = [];
  if (lookupIgpu(deviceId)) out.push('intel');
  if (lookupAmdApu(deviceId)) out.push('amd');
  return out;
}

/** A device ID only the other vendor's device table holds, for a ROM of this vendor. */
export class DeviceVendorMismatchError extends FirmwareError {
  readonly deviceId: number;
  readonly vendor: GraphicsVendor;

  constructor(deviceId: number, vendor: GraphicsVendor, path?: string) {
    const [is, not] = vendor === 'intel' ? ['AMD', 'Intel'] : ['Intel', 'AMD'];
    super(
      'bad-input',
      `device ID 0x${pciId(deviceId)} is an ${is} iGPU (only the ${is} device table holds it), ` +
        `not for an ${not} ROM`,
      { path },
    );
    this.deviceId = deviceId;
    this.vendor = vendor;
  }
}

/**
 * Refuses a device ID only the other vendor's table holds for this vendor's ROM; an ID both or
 * neither table holds is the caller's to vouch for.
 */
export function checkDeviceIdVendor(
  deviceId: number | undefined,
  vendor: GraphicsVendor,
  path?: string,
): void {
  if (deviceId === undefined) return;
  const vendors = vendorsOfDeviceId(deviceId);
  if (vendors.length === 1 && vendors[0] !== vendor)
    throw new DeviceVendorMismatchError(deviceId, vendor, path);
}

/** An Intel GOP as the mixed-graphics message names it: its version, else its generation. */
function intelGopText(g: GraphicsFound['intelGops'][number]): string {
  if (g.version) return `version ${g.version}`;
  return g.generation ? `${g.generation}, no version stored` : 'no version stored';
}

/** Intel and AMD graphics in one image: both named, with what would settle it. */
export class MixedGraphicsError extends FirmwareError {
  /** The Intel GOP's version (or generation); undefined when only an Intel VBT was found. */
  readonly intelGop: string | undefined;
  /** The Intel side in words: "an Intel GOP driver (version …)" or "an Intel VBT (…)". */
  readonly intel: string;
  readonly amdVbios: string;
  /** Empty, or why the device ID given did not settle it (", and device ID … is in …"). */
  readonly deviceNote: string;

  constructor(intelGop: string | undefined, amdVbios: string, deviceNote: string, path?: string) {
    const intel =
      intelGop === undefined
        ? 'an Intel VBT (and no readable Intel GOP)'
        : `an Intel GOP driver (${intelGop})`;
    super(
      'bad-input',
      `the image holds ${intel} and an AMD APU VBIOS (${amdVbios})${deviceNote}: ` +
        'choose Intel or AMD, or give a device ID only one of the two device tables holds',
      { path },
    );
    this.intelGop = intelGop;
    this.intel = intel;
    this.amdVbios = amdVbios;
    this.deviceNote = deviceNote;
  }
}

function deviceNote(deviceId: number | undefined, vendors: GraphicsVendor[]): string {
  if (deviceId === undefined) return '';
  const id = `0x${pciId(deviceId)}`;
  return vendors.length
    ? `, and device ID ${id} is in both the Intel and the AMD device tables`
    : `, and device ID ${id} is in neither device table`;
}

/**
 * Choose the vendor: `forced` wins; an image with one vendor's graphics gets that vendor (Intel
 * when it holds none, so the Intel reader can say what is missing); an Intel GOP or VBT beside
 * only an AMD GOP or a discrete Radeon's VBIOS is an Intel board; beside an AMD APU VBIOS it needs
 * `deviceId` from one table only, else a MixedGraphicsError. A `deviceId` only the other
 * vendor's table holds is a DeviceVendorMismatchError.
 */
export function chooseGraphicsVendor(
  found: GraphicsFound,
  opts: { forced?: GraphicsVendor; deviceId?: number; path?: string } = {},
): GraphicsChoice {
  if (opts.forced) return { vendor: opts.forced, why: `--vendor ${opts.forced}` };
  const choice = choose(found, opts.deviceId, opts.path);
  checkDeviceIdVendor(opts.deviceId, choice.vendor, opts.path);
  return choice;
}

function choose(found: GraphicsFound, deviceId?: number, path?: string): GraphicsChoice {
  const intel = intelEvidence(found);
  const what = intel === 'gop' ? 'an Intel GOP' : 'an Intel VBT';
  const apuVbioses = found.amdVbioses.filter((v) => lookupAmdApu(v.deviceId));
  const amdGop = found.amdGops.length > 0;
  const discreteVbios = found.amdVbioses.find((v) => !lookupAmdApu(v.deviceId));
  if (!intel)
    return found.amdVbioses.length || amdGop
      ? { vendor: 'amd', why: 'the image holds AMD graphics firmware and no Intel GOP or VBT' }
      : { vendor: 'intel', why: 'the image holds no AMD graphics firmware' };
  if (!apuVbioses.length)
    return {
      vendor: 'intel',
      why: discreteVbios
        ? `${what} and no AMD APU VBIOS: the AMD VBIOS (1002:${pciId(discreteVbios.deviceId)}) is a discrete Radeon's`
        : amdGop
          ? `${what} and no AMD APU VBIOS: the AMD GOP is for discrete Radeon cards`
          : `the image holds ${what} and no AMD graphics firmware`,
    };
  const vendors = deviceId === undefined ? [] : vendorsOfDeviceId(deviceId);
  if (vendors.length === 1)
    return {
      vendor: vendors[0],
      why: `the image holds Intel and AMD APU graphics; device ID 0x${pciId(deviceId!)} is ${vendors[0] === 'intel' ? 'an Intel' : 'an AMD'} iGPU`,
    };
  const v = apuVbioses[0];
  const vbiosText = `1002:${pciId(v.deviceId)}${v.family ? ` ${v.family}` : ''}${v.version ? ` ${v.version}` : ''}`;
  throw new MixedGraphicsError(
    found.intelGops.length ? intelGopText(found.intelGops[0]) : undefined,
    vbiosText,
    deviceNote(deviceId, vendors),
    path,
  );
}
