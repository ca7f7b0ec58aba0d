/**
 * The `dovetail` CLI (DESIGN §6). Exit codes: 0 done, 1 done with item failures (or a guard stopped a run),
 * 2 usage or config error, 3 could not run (unreachable, auth, locked).
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commands, type CommandContext } from './commands.js';
import { UsageError } from './errors.js';

const HELP = `dovetail — sync calendars, tasks and contacts between any two endpoints

Usage:
  dovetail connectors [-c FILE] [--json]          discovered connectors, versions, entities, capabilities
  dovetail validate [-c FILE] [--json]            check the config; exit 2 with every problem and its JSON pointer
  dovetail check [-c FILE] [ENDPOINT...]          connect and authenticate; exit 3 on failure
  dovetail discover [-c FILE] ENDPOINT [--json]   list an endpoint's collections
  dovetail sync [-c FILE] [PAIRING...] [--dry-run] [--json] [--force]
                                                  sync all (or the named) pairings
  dovetail status [-c FILE] [--json]              last run, counts and health per pairing
  dovetail conflicts list [-c FILE] [PAIRING] [--json]
  dovetail conflicts resolve [-c FILE] PAIRING UID --keep a|b|both
  dovetail --version | --help

Options:
  -c, --config FILE   config file (default ./dovetail.json)
  --json              machine-readable output on stdout
  --dry-run           print the plan, change nothing
  --force             run even when a guard (mass delete, side suddenly empty) would stop it
  --keep a|b|both     with 'conflicts resolve': which version wins

Exit codes: 0 done · 1 done with item failures or stopped by a guard · 2 usage/config error · 3 could not run
Config reference: schemas/config.schema.json (point your editor at it with "$schema").`;

export function version(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], io: { out: (s: string) => void; err: (s: string) => void } = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        keep: { type: 'string' },
        version: { type: 'boolean', short: 'V' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`dovetail: ${(e as Error).message}\nRun 'dovetail --help' for usage.`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) { io.out(version()); return 0; }
  const [name, ...args] = positionals;
  if (values.help || !name || name === 'help') { io.out(HELP); return name || values.help ? 0 : 2; }
  const command = commands[name];
  if (!command) {
    io.err(`dovetail: unknown command '${name}'. Commands: ${Object.keys(commands).join(', ')}.\nRun 'dovetail --help' for usage.`);
    return 2;
  }
  const ctx: CommandContext = {
    args,
    configFile: values.config ?? 'dovetail.json',
    json: !!values.json,
    dryRun: !!values['dry-run'],
    force: !!values.force,
    keep: values.keep,
    io,
    tty: !!process.stdout.isTTY,
  };
  try {
    return await command(ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`dovetail: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
}
