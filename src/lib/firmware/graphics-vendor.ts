/**
 * Which vendor's iGPU ROM a BIOS gives, when it may hold Intel and AMD graphics firmware at once.
 * An Intel board's BIOS often carries an AMD GOP for discrete Radeon cards: that is no AMD APU,
 * so the Intel ROM is still the one to build. Only an AMD APU VBIOS beside an Intel GOP leaves
 * the choice open; then a device ID decides when exactly one vendor's table holds it, otherwise
 * the caller must say (a typed error naming both, never a silent guess).
 */
import { pciId } from './bytes/hex';
import { FirmwareError } from './errors';
import { lookupAmdApu } from './igpu/amd';
import { lookupIgpu } from './igpu/devices';

export type GraphicsVendor = 'intel' | 'amd';

/** What the finders saw, top-ranked first; only what the choice and its message need. */
export interface GraphicsFound {
  intelGops: { version: string }[];
  amdGops: { version?: string }[];
  amdVbioses: { deviceId: number; family?: string; version?: string }[];
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

/** Intel and AMD graphics in one image: both named, with what would settle it. */
export class MixedGraphicsError extends FirmwareError {
  readonly intelGop: string;
  readonly amdVbios: string;
  /** Empty, or why the device ID given did not settle it (", and device ID … is in …"). */
  readonly deviceNote: string;

  constructor(intelGop: string, amdVbios: string, deviceNote: string, path?: string) {
    super(
      'bad-input',
      `the image holds an Intel GOP driver (${intelGop}) and an AMD APU VBIOS (${amdVbios})${deviceNote}: ` +
        'choose Intel or AMD, or give a device ID only one of the two device tables holds',
      { path },
    );
    this.intelGop = intelGop;
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
 * when it holds none, so the Intel reader can say what is missing); an Intel GOP with only an
 * AMD GOP is an Intel board; an Intel GOP with an AMD APU VBIOS needs `deviceId` from one table
 * only, else a MixedGraphicsError.
 */
export function chooseGraphicsVendor(
  found: GraphicsFound,
  opts: { forced?: GraphicsVendor; deviceId?: number; path?: string } = {},
): GraphicsChoice {
  if (opts.forced) return { vendor: opts.forced, why: `--vendor ${opts.forced}` };
  const intel = found.intelGops.length > 0;
  const apu = found.amdVbioses.length > 0;
  const amdGop = found.amdGops.length > 0;
  if (!intel)
    return apu || amdGop
      ? { vendor: 'amd', why: 'the image holds AMD graphics firmware and no Intel GOP' }
      : { vendor: 'intel', why: 'the image holds no AMD graphics firmware' };
  if (!apu)
    return {
      vendor: 'intel',
      why: amdGop
        ? 'an Intel GOP and no AMD APU VBIOS: the AMD GOP is for discrete Radeon cards'
        : 'the image holds an Intel GOP and no AMD graphics firmware',
    };
  const vendors = opts.deviceId === undefined ? [] : vendorsOfDeviceId(opts.deviceId);
  if (vendors.length === 1)
    return {
      vendor: vendors[0],
      why: `the image holds Intel and AMD APU graphics; device ID 0x${pciId(opts.deviceId!)} is ${vendors[0] === 'intel' ? 'an Intel' : 'an AMD'} iGPU`,
    };
  const v = found.amdVbioses[0];
  const vbiosText = `1002:${pciId(v.deviceId)}${v.family ? ` ${v.family}` : ''}${v.version ? ` ${v.version}` : ''}`;
  throw new MixedGraphicsError(
    `version ${found.intelGops[0].version}`,
    vbiosText,
    deviceNote(opts.deviceId, vendors),
    opts.path,
  );
}
