import { inspectFirmware, treeToJson, treeToText } from '../../lib/firmware';
import { parseArgs, UsageError, type CliCommand } from '../command';
import { printJson, readInput } from '../io';

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'show size, SHA-256, the kind of a firmware file and its full firmware tree',
  usage: 'inspect <file> [--json] [--no-tree]',
  async run(args) {
    const { positional, flags } = parseArgs(args, [], ['--json', '--no-tree']);
    if (positional.length !== 1) throw new UsageError('inspect takes exactly one file');
    const bytes = readInput(positional[0]);
    // One parse names the file (by the format that read it) and gives its tree.
    const { file, root, error } = await inspectFirmware(bytes, {
      name: positional[0].split('/').pop(),
    });
    let tree;
    let treeError: string | undefined;
    if (!flags.has('--no-tree')) {
      // A file with no firmware in it, or a package only a vendor tool opens, is an answer,
      // not a failure; limits and damage are.
      if (error && (error.code === 'unrecognized' || error.code === 'unsupported'))
        treeError = error.describe();
      else if (error) throw error;
      tree = root;
    }
    if (flags.has('--json')) {
      printJson({
        ...file,
        ...(tree ? { tree: treeToJson(tree) } : {}),
        ...(treeError ? { treeError } : {}),
      });
      return 0;
    }
    const at = file.offset ? ` at 0x${file.offset.toString(16)}` : '';
    process.stdout.write(
      `file:    ${positional[0]}\nsize:    ${file.size} bytes\nsha256:  ${file.sha256}\nkind:    ${file.label}${at}\n` +
        (file.detail ? `detail:  ${file.detail}\n` : '') +
        (treeError ? `tree:    none (${treeError})\n` : ''),
    );
    if (tree) process.stdout.write('\n' + treeToText(tree));
    return 0;
  },
};
