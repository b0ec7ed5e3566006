import { FirmwareError } from '../lib/firmware';
import { UsageError, type CliCommand } from './command';
import { checkVmCommand } from './commands/check-vm';
import { configCommand } from './commands/config';
import { doctorCommand, hookscriptCommand, probeScriptCommand } from './commands/doctor';
import { extractCommand } from './commands/extract';
import { inspectCommand } from './commands/inspect';
import { lzmaCommand } from './commands/lzma';
import { patchCommand } from './commands/patch';
import { romCommand } from './commands/rom';

const commands: CliCommand[] = [
  inspectCommand,
  extractCommand,
  patchCommand,
  romCommand,
  configCommand,
  checkVmCommand,
  doctorCommand,
  probeScriptCommand,
  hookscriptCommand,
  lzmaCommand,
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'ovmf-gop — Intel GOP + VBT for OVMF and IGD option ROMs',
    '',
    'usage: ovmf-gop <command> [args]   (ovmf-gop <command> --help for details)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'exit codes: 0 success, 1 firmware error, 2 bad usage',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`ovmf-gop: unknown command "${name}" (try --help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: ovmf-gop ${cmd.usage}\n\n${cmd.summary}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ovmf-gop ${cmd.name}: ${e.message} (usage: ovmf-gop ${cmd.usage})\n`);
      return 2;
    }
    if (e instanceof FirmwareError) {
      process.stderr.write(`ovmf-gop ${cmd.name}: ${e.describe()}\n`);
      return 1;
    }
    process.stderr.write(
      `ovmf-gop ${cmd.name}: internal error: ${e instanceof Error ? e.stack : e}\n`,
    );
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`ovmf-gop: ${e}\n`);
    process.exitCode = 1;
  },
);
