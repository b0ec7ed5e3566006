/** LZMA ("LZMA alone", as edk2 stores it in GUIDed sections): decoder, encoder, header helpers. */
export {
  lzmaDecompress,
  lzmaDecompressIntelLegacy,
  lzmaDeclaredSize,
  type LzmaDecodeOptions,
} from './decoder';
export {
  lzmaCompress,
  lzmaCompressMemory,
  LZMA_PRESETS,
  type LzmaCompressOptions,
  type LzmaTuning,
} from './encoder';
export { decodeProps, encodePropsByte, LZMA_HEADER_SIZE, type LzmaProps } from './props';
