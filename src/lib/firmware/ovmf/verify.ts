/** Re-check a patched image against its source before it is offered. */
import { sum8, sum16 } from '../bytes/checksum';
import { FirmwareError } from '../errors';
import { listFiles, readVolume } from './fv-walk';
import { locateOvmf } from './patch';
import { REPLACED_GUIDS } from './layout';

function fail(msg: string): never {
  throw new FirmwareError('verify', `patched image failed its re-check: ${msg}`);
}

/** Checks one volume's header checksum and every file's header/data checksums. */
function checkVolume(vol: Uint8Array, what: string): ReturnType<typeof listFiles> {
  const info = readVolume(vol, 0);
  if (sum16(vol, 0, info.headerLength) !== 0) fail(`${what} header checksum`);
  const listing = listFiles(vol, info);
  for (const f of listing.files) {
    const h = vol.slice(f.offset, f.offset + f.headerSize);
    const fileSum = h[17];
    h[17] = 0;
    h[23] = 0;
    if (sum8(h) !== 0) fail(`${what} file ${f.guid} header checksum`);
    if (f.attributes & 0x40) {
      if ((sum8(vol, f.offset + f.headerSize, f.offset + f.size) + fileSum) & 0xff)
        fail(`${what} file ${f.guid} data checksum`);
    } else if (fileSum !== 0xaa) fail(`${what} file ${f.guid} data checksum byte`);
  }
  return listing;
}

export function verifyPatched(
  original: Uint8Array,
  patched: Uint8Array,
  inserted: Map<string, Uint8Array>,
): void {
  if (patched.length !== original.length) fail('size changed');
  const a = locateOvmf(original);
  const b = locateOvmf(patched);
  if (a.compactOffset !== b.compactOffset || a.compactLength !== b.compactLength)
    fail('FVMAIN_COMPACT moved');
  for (let i = 0; i < original.length; i++) {
    if (i === a.compactOffset + a.fileOffset) i = a.compactOffset + a.compactLength;
    if (i < original.length && original[i] !== patched[i])
      fail(`byte at 0x${i.toString(16)} outside the payload changed`);
  }
  checkVolume(
    patched.subarray(b.compactOffset, b.compactOffset + b.compactLength),
    'FVMAIN_COMPACT',
  );
  if (
    a.payload.length !== b.payload.length ||
    a.dxeOffset !== b.dxeOffset ||
    a.dxeLength !== b.dxeLength
  ) {
    fail('payload layout or DXEFV length changed');
  }
  for (let i = 0; i < a.payload.length; i++) {
    if (i === a.dxeOffset) i = a.dxeOffset + a.dxeLength;
    if (i < a.payload.length && a.payload[i] !== b.payload[i])
      fail(`payload byte 0x${i.toString(16)} outside DXEFV changed`);
  }
  const oldDxe = a.payload.subarray(a.dxeOffset, a.dxeOffset + a.dxeLength);
  const newDxe = b.payload.subarray(b.dxeOffset, b.dxeOffset + b.dxeLength);
  const oldFiles = checkVolume(oldDxe, 'old DXEFV').files;
  const newFiles = checkVolume(newDxe, 'DXEFV').files;
  const same = (x: Uint8Array, y: Uint8Array): boolean =>
    x.length === y.length && x.every((v, i) => v === y[i]);
  const body = (v: Uint8Array, f: { offset: number; size: number }): Uint8Array =>
    v.subarray(f.offset, f.offset + f.size);
  const replaced = new Set(REPLACED_GUIDS);
  const kept = oldFiles.filter((f) => !replaced.has(f.guid) && f.type !== 0xf0);
  const now = newFiles.filter((f) => !replaced.has(f.guid) && f.type !== 0xf0);
  if (kept.length !== now.length) fail('a DXEFV file went missing');
  for (let i = 0; i < kept.length; i++) {
    if (kept[i].guid !== now[i].guid || kept[i].size !== now[i].size)
      fail(`DXEFV file ${kept[i].guid} changed`);
    if (!same(body(oldDxe, kept[i]), body(newDxe, now[i])))
      fail(`DXEFV file ${kept[i].guid} bytes changed`);
  }
  for (const [guid, bytes] of inserted) {
    const found = newFiles.filter((f) => f.guid === guid);
    if (found.length !== 1) fail(`file ${guid} present ${found.length} times`);
    const f = found[0];
    const got = newDxe.subarray(f.offset, f.offset + f.size);
    if (got.length !== bytes.length || got.some((x, i) => x !== bytes[i]))
      fail(`file ${guid} bytes differ`);
  }
  if (newFiles.some((f) => replaced.has(f.guid) && !inserted.has(f.guid)))
    fail('an old GOP/policy file remained');
}
