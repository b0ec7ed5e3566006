import { bcjX86Decode, bcjX86Encode, lzmaDecompress, lzmaCompress } from '../../lib/firmware';
import { parseArgs, UsageError, type CliCommand } from '../command';
import { readInput, writeOutput } from '../io';

/** A byte count, optionally with a k or M suffix. */
function parseDict(v: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(v);
  if (!m) throw new UsageError(`--dict ${v}: expected a byte count such as 16M, 8388608 or 64k`);
  const n = Number(m[1]) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1024 : 1 << 20);
  if (n < 4096 || n > 0xffffffff) throw new UsageError(`--dict ${v}: must be between 4k and 4095M`);
  return n;
}

/**
 * `lzma compress|decompress <in> <out>`: the edk2 LZMA section format (13-byte header);
 * `--x86` adds the BCJ x86 filter as LzmaF86 sections use it.
 */
export const lzmaCommand: CliCommand = {
  name: 'lzma',
  summary:
    'compress or decompress data in the edk2 LZMA section format (optionally with the x86 BCJ filter)',
  usage: 'lzma compress|decompress <in> <out> [--preset fast|default] [--dict N] [--x86]',
  async run(args) {
    const { positional, flags } = parseArgs(args, ['--preset', '--dict'], ['--x86']);
    if (positional.length !== 3)
      throw new UsageError('expected compress|decompress, an input and an output');
    const [mode, inPath, outPath] = positional;
    const x86 = flags.has('--x86');
    if (mode === 'compress') {
      const preset = flags.get('--preset') ?? 'default';
      if (preset !== 'fast' && preset !== 'default')
        throw new UsageError(`--preset ${String(preset)}: use fast or default`);
      const dict = flags.get('--dict');
      const dictSize = typeof dict === 'string' ? parseDict(dict) : undefined;
      let data = readInput(inPath);
      if (x86) data = bcjX86Encode(data.slice());
      writeOutput(outPath, lzmaCompress(data, { preset, dictSize }));
      return 0;
    }
    if (mode === 'decompress') {
      if (flags.has('--preset') || flags.has('--dict'))
        throw new UsageError('--preset and --dict are for compress');
      const out = lzmaDecompress(readInput(inPath));
      writeOutput(outPath, x86 ? bcjX86Decode(out) : out);
      return 0;
    }
    throw new UsageError(`unknown mode "${mode}": use compress or decompress`);
  },
};
