/** One CLI command: `run` returns the exit code (0 ok, 1 firmware error, 2 bad usage). */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

/**
 * Parses `--flag value`, `--flag=value` and boolean `--flag`. Flags listed in `booleans`
 * never take a value; unknown flags are a usage error.
 */
export function parseArgs(args: string[], valued: string[], booleans: string[] = []): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (booleans.includes(name)) {
        if (eq > 0) throw new UsageError(`${name} takes no value`);
        flags.set(name, true);
      } else if (valued.includes(name)) {
        const value = eq > 0 ? a.slice(eq + 1) : args[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        flags.set(name, value);
      } else {
        throw new UsageError(`unknown option ${name}`);
      }
    } else positional.push(a);
  }
  return { positional, flags };
}

/** The value of a valued flag, or undefined when it was not given. */
export function stringFlag(flags: ParsedArgs['flags'], name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}
