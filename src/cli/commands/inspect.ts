import { inspect } from '../../lib/firmware/api';
import { parseArgs, UsageError, type CliCommand } from '../command';
import { printJson, readInput } from '../io';

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'show size, SHA-256 and the kind of a firmware file',
  usage: 'inspect <file> [--json]',
  async run(args) {
    const { positional, flags } = parseArgs(args, [], ['--json']);
    if (positional.length !== 1) throw new UsageError('inspect takes exactly one file');
    const r = await inspect(readInput(positional[0]));
    if (flags.has('--json')) printJson(r);
    else {
      const at = r.offset ? ` at 0x${r.offset.toString(16)}` : '';
      process.stdout.write(
        `file:    ${positional[0]}\nsize:    ${r.size} bytes\nsha256:  ${r.sha256}\nkind:    ${r.label}${at}\n` +
          (r.detail ? `detail:  ${r.detail}\n` : ''),
      );
    }
    return 0;
  },
};
