/**
 * The `dovetail` CLI (DESIGN §6). Exit codes: 0 done, 1 done with item failures or items waiting for a retry (or a
 * guard stopped a run), 2 usage or config error, 3 could not run (unreachable, auth, locked) or gave up a host.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// Commands load on demand (`import('./commands.js')` below): --version and --help cost no more than Node's start.
import type { CommandContext } from './commands.js';
import type { PairOptions } from './discover-pair.js';
import type { ConformanceOptions } from './conformance.js';
import { UsageError } from './errors.js';
import { timelinePoint } from '../timeline.js';

const HELP = `dovetail — sync calendars, tasks and contacts between any two endpoints

Usage:
  dovetail connectors [-c FILE] [--json]          discovered connectors, versions, entities, capabilities
  dovetail validate [-c FILE] [--json]            check the config; exit 2 with every problem and its JSON pointer
  dovetail check [-c FILE] [ENDPOINT...]          connect and authenticate; exit 3 on failure
  dovetail auth [-c FILE] ENDPOINT [--json]       interactive sign-in (e.g. a Microsoft 365 device code); exit 3 on failure
  dovetail discover [-c FILE] ENDPOINT [--json]   list an endpoint's collections
  dovetail discover [-c FILE] ENDPOINT --pair-with ENDPOINT2 [--write] [--mode MODE] [--entity TYPE] [--json]
                                                  propose one pairing per collection into new collections on ENDPOINT2
  dovetail sync [-c FILE] [PAIRING...] [--dry-run] [--json] [--force]
                                                  sync all (or the named) pairings
  dovetail status [-c FILE] [--json]              health, circuit, last run, counts and waiting items per pairing
  dovetail reset [-c FILE] PAIRING...             close a pairing's circuit after repeated failed runs
  dovetail select [-c FILE] PAIRING add|remove|list [UID...] [--json]
                                                  the pairing's selection list (filter { "predicate": "selected" })
  dovetail serve [-c FILE] [--host H] [--port P]  the runner service: scheduler, HTTP API, metrics, status page
  dovetail conformance PACKAGE-DIR --settings FILE [--collection ID] [--entity TYPE] [--process|--in-process] [--corpus DIR] [--json]
                                                  run the connector conformance suite against a live endpoint
  dovetail conflicts list [-c FILE] [PAIRING] [--json]
  dovetail conflicts resolve [-c FILE] PAIRING UID --keep a|b|both
  dovetail --version | --help

Options:
  -c, --config FILE   config file (default ./dovetail.json)
  --json              machine-readable output on stdout
  --dry-run           print the plan, change nothing
  --force             run even when a guard (mass delete, side suddenly empty) would stop it
  --keep a|b|both     with 'conflicts resolve': which version wins
  --pair-with NAME    with 'discover': pair every collection with a new collection on endpoint NAME
  --write             with '--pair-with': add the proposed pairings to the config file (default: only print them)
  --mode MODE         with '--pair-with': mode of the new pairings (default two-way)
  --entity TYPE       with '--pair-with': only event, task or contact collections
  --host H, --port P  with 'serve': listen address and port (override service.host / service.port)
  --settings FILE     with 'conformance': the endpoint's settings (a JSON object; relative paths resolve against its folder)
  --collection ID     with 'conformance': an existing, empty collection to test in (default: new ones are created)
  --process           with 'conformance': run the connector as a child process even if it has an in-process entry
  --in-process        with 'conformance': import its in-process entry even if its manifest names a process
  --corpus DIR        with 'conformance': the interop corpus (default $CORPUS_DIR, else ../shared/corpus beside the checkout)

Exit codes: 0 done · 1 done with item failures (or items waiting for a retry) or stopped by a guard ·
            2 usage/config error · 3 could not run, or stopped sending to a server that stopped answering
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
        'pair-with': { type: 'string' },
        write: { type: 'boolean' },
        mode: { type: 'string' },
        entity: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        settings: { type: 'string' },
        collection: { type: 'string' },
        process: { type: 'boolean' },
        'in-process': { type: 'boolean' },
        corpus: { type: 'string' },
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
  const { commands } = await import('./commands.js');
  timelinePoint('commands loaded');
  const command = commands[name];
  if (!command) {
    io.err(`dovetail: unknown command '${name}'. Commands: ${Object.keys(commands).join(', ')}.\nRun 'dovetail --help' for usage.`);
    return 2;
  }
  const listen = listenOptions(name, values);
  if (typeof listen === 'string') {
    io.err(`dovetail: ${listen}\nRun 'dovetail --help' for usage.`);
    return 2;
  }
  const conformance = conformanceOptions(name, values);
  if (typeof conformance === 'string') {
    io.err(`dovetail: ${conformance}\nRun 'dovetail --help' for usage.`);
    return 2;
  }
  const pairing = name === 'conformance' ? undefined : pairOptions(name, values);
  if (typeof pairing === 'string') {
    io.err(`dovetail: ${pairing}\nRun 'dovetail --help' for usage.`);
    return 2;
  }
  const ctx: CommandContext = {
    args,
    configFile: values.config ?? 'dovetail.json',
    json: !!values.json,
    dryRun: !!values['dry-run'],
    force: !!values.force,
    keep: values.keep,
    pair: pairing,
    conformance,
    ...listen,
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

/** The --pair-with options (only with `discover`), or why they do not fit. */
function pairOptions(command: string, values: { 'pair-with'?: string; write?: boolean; mode?: string; entity?: string }): PairOptions | undefined | string {
  const given = (['write', 'mode', 'entity'] as const).filter((k) => values[k] !== undefined).map((k) => `--${k}`);
  if (values['pair-with'] === undefined) {
    return given.length ? `${given.join(', ')} only go${given.length === 1 ? 'es' : ''} with 'dovetail discover ENDPOINT --pair-with ENDPOINT2'` : undefined;
  }
  if (command !== 'discover') return `--pair-with only goes with 'dovetail discover ENDPOINT --pair-with ENDPOINT2'`;
  return { pairWith: values['pair-with'], write: !!values.write, mode: values.mode, entity: values.entity };
}

/** The options of `conformance` (only with it), or why they do not fit. */
function conformanceOptions(command: string, values: { settings?: string; collection?: string; process?: boolean; 'in-process'?: boolean; corpus?: string; entity?: string }): ConformanceOptions | undefined | string {
  const own = (['settings', 'collection', 'process', 'in-process', 'corpus'] as const).filter((k) => values[k] !== undefined);
  if (command !== 'conformance') return own.length ? `${own.map((k) => `--${k}`).join(', ')} only go${own.length === 1 ? 'es' : ''} with 'dovetail conformance'` : undefined;
  if (values.process && values['in-process']) return '--process and --in-process exclude each other';
  const mode = values.process ? { process: true } : values['in-process'] ? { process: false } : {};
  return { settings: values.settings, collection: values.collection, entity: values.entity, corpus: values.corpus, ...mode };
}

/** --host / --port (only with `serve`), or why they do not fit. */
function listenOptions(command: string, values: { host?: string; port?: string }): { host?: string; port?: number } | string {
  if (values.host === undefined && values.port === undefined) return {};
  if (command !== 'serve') return `--host and --port only go with 'dovetail serve'`;
  if (values.host === '') return '--host needs an address, e.g. 127.0.0.1';
  if (values.port === undefined) return { host: values.host };
  const port = /^[0-9]{1,5}$/.test(values.port) ? Number(values.port) : NaN;
  if (!(port >= 0 && port <= 65535)) return `--port must be a number from 0 to 65535, not '${values.port}'`;
  return { ...(values.host !== undefined ? { host: values.host } : {}), port };
}
