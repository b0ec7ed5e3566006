/**
 * What the re-check of a patched OVMF image reports for each check it passed, in English and
 * Simplified Chinese. Placeholders hold sizes, offsets and file names, shown as they are.
 */
import { catalogue } from '../text';

const TEMPLATES = {
  'check.size': ['{size} bytes, as the original', '{size} 字节，与原文件相同'],
  'check.outside': [
    "every byte outside FVMAIN_COMPACT's files is unchanged (FVMAIN_COMPACT at {offset}, {length} bytes)",
    'FVMAIN_COMPACT 内各文件之外的每个字节都未改变（FVMAIN_COMPACT 位于 {offset}，{length} 字节）',
  ],
  'check.peifv': ['unchanged ({size} bytes)', '未改变（{size} 字节）'],
  'check.lzma': [
    'decodes to {size} bytes as before (dictionary {dictionary}), {compressed} bytes compressed',
    '解压后仍为 {size} 字节（字典 {dictionary}），压缩后为 {compressed} 字节',
  ],
  'check.dxefv': ['same place, length {length} and header', '位置、长度 {length} 和卷头均未改变'],
  'check.existing': [
    'all {count} files of DXEFV are there, in order, byte for byte',
    'DXEFV 原有的 {count} 个文件全部都在，顺序不变，逐字节相同',
  ],
  'check.new': ['{files}: each once, byte for byte', '{files}：各出现一次，逐字节相同'],
  'check.alignment': [
    'every DXEFV file starts its data at its declared alignment',
    'DXEFV 中每个文件的数据都从其声明的对齐位置开始',
  ],
  'check.checksums': [
    'every header and data checksum holds; no new warning anywhere in the tree',
    '所有头部与数据校验和均正确；整个固件树中没有新增警告',
  ],
} as const satisfies Record<string, readonly [string, string]>;

export type OvmfMessageKey = keyof typeof TEMPLATES;

export const ovmfMessages = catalogue(TEMPLATES);
