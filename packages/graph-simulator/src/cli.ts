#!/usr/bin/env node
/**
 * `npm run graph-simulator -- --port PORT --tenant T --client-id ID --client-secret SECRET --user USER@DOMAIN [--user …]
 *  [--http] [--ca-out FILE]`: runs the simulator in the foreground. Line 1 of its output is the Graph base URL
 * (…/v1.0), line 2 the OAuth 2.0 token URL (client credentials); with HTTPS (the default) line 3 names the PEM
 * file of its self-signed certificate (trust it: curl --cacert, NODE_EXTRA_CA_CERTS). Stops on SIGINT / SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GraphSimulator } from './simulator.js';

const USAGE = 'usage: graph-simulator --port PORT --tenant T --client-id ID --client-secret SECRET --user USER@DOMAIN [--user …] [--http] [--ca-out FILE] [--token-lifetime SECONDS]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' }, tenant: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' },
      user: { type: 'string', multiple: true }, http: { type: 'boolean' }, 'ca-out': { type: 'string' }, 'token-lifetime': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { process.stdout.write(`${USAGE}\n`); return; }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0–65535\n${USAGE}`);
  if (!values.tenant || !values['client-id'] || !values['client-secret'] || !values.user?.length) throw new Error(`--tenant, --client-id, --client-secret and at least one --user are required\n${USAGE}`);
  const sim = await GraphSimulator.start({
    port, tenant: values.tenant, clientId: values['client-id'], clientSecret: values['client-secret'], users: values.user.map((email) => ({ email })),
    tls: !values.http, tokenLifetime: values['token-lifetime'] ? Number(values['token-lifetime']) : undefined,
  });
  const lines = [sim.baseUrl, sim.tokenUrl];
  if (sim.certificate) {
    const file = values['ca-out'] ?? path.join(tmpdir(), `graph-simulator-${process.pid}.pem`);
    writeFileSync(file, sim.certificate);
    lines.push(file);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = () => { void sim.stop().then(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => { process.stderr.write(`graph-simulator: ${(e as Error).message}\n`); process.exit(2); });
