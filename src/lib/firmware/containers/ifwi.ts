/**
 * Intel IFWI images (Apollo/Gemini Lake): a BPDT header (signature 0x000055AA, or 0x00AA55AA)
 * instead of a flash descriptor. The partitions are not read yet; the volumes inside are found
 * by scanning, as for any image without a known container.
 */
import { ByteView } from '../bytes/view';
import { firstVolume, volumesInsideFormat } from '../fv/volumes';
import type { FirmwareFormat, KindGuess } from './format';
import { hex } from './util';

function probeIfwi(b: Uint8Array): KindGuess | undefined {
  if (b.length < 4) return undefined;
  const signature = new ByteView(b).u32(0);
  if (signature !== 0x000055aa && signature !== 0x00aa55aa) return undefined;
  const fv = firstVolume(b);
  return {
    kind: 'ifwi',
    label: 'Intel IFWI image (boot partition table)',
    offset: 0,
    detail: fv >= 0 ? `first firmware volume at ${hex(fv)}` : undefined,
  };
}

export const ifwiFormat: FirmwareFormat = {
  name: 'ifwi',
  probe: probeIfwi,
  // Its partitions are not read yet: the volumes in them are found as in any unknown image.
  open: volumesInsideFormat.open,
};
