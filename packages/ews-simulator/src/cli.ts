/**
 * `ews-simulator --port PORT --user USER --password PASS [--user … --password …] [--state FILE]`: runs the simulator
 * in the foreground. The first line of stdout is the EWS URL; request logs follow. SIGINT/SIGTERM stop it cleanly.
 */
import { EwsSimulator } from './simulator.js';
import type { UserAccount } from './auth.js';

const USAGE = 'usage: ews-simulator [--port PORT] --user EMAIL --password PASS [--user EMAIL --password PASS …] [--state FILE]';

/** Parses the command line; throws with the usage text on a mistake. */
export function parseArgs(argv: string[]): { port: number; users: UserAccount[]; statePath?: string } {
  const users: string[] = [];
  const passwords: string[] = [];
  let port = 0;
  let statePath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
    i += 1;
    if (flag === '--port') {
      port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, not '${value}'`);
    } else if (flag === '--user') users.push(value);
    else if (flag === '--password') passwords.push(value);
    else if (flag === '--state') statePath = value;
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  if (!users.length) throw new Error(`at least one --user is needed\n${USAGE}`);
  if (users.length !== passwords.length) throw new Error(`give one --password per --user (${users.length} users, ${passwords.length} passwords)`);
  return { port, users: users.map((email, i) => ({ email, password: passwords[i]! })), ...(statePath ? { statePath } : {}) };
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const sim = await EwsSimulator.start({ ...args, onLog: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`) });
  process.stdout.write(`${sim.url}\n`);
  process.stdout.write(`users: ${args.users.map((u) => u.email).join(', ')}${args.statePath ? `; state: ${args.statePath}` : ''}\n`);
  const stop = () => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
