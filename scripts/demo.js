#!/usr/bin/env node
// The quick start: copies the example team calendar into ./demo, syncs it two-way into a second local folder
// with the real CLI, edits one event, syncs again and prints each report. Run with `npm run demo`.
import { cpSync, rmSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'demo');
const cli = join(root, 'core', 'bin', 'dovetail.js');
const run = (...args) => {
  console.log(`\n$ dovetail ${args.join(' ')}`);
  try {
    process.stdout.write(execFileSync(process.execPath, [cli, ...args], { cwd: demo, encoding: 'utf8' }));
  } catch (e) {
    process.stdout.write(e.stdout ?? '');
    process.stderr.write(e.stderr ?? '');
    process.exit(e.status ?? 1);
  }
};

rmSync(demo, { recursive: true, force: true });
cpSync(join(root, 'examples', 'team-calendar'), demo, { recursive: true });
const config = JSON.parse(readFileSync(join(demo, 'dovetail.json'), 'utf8'));
config.$schema = '../schemas/config.schema.json';
writeFileSync(join(demo, 'dovetail.json'), `${JSON.stringify(config, null, 2)}\n`);
console.log(`Demo folder: ${demo}`);

run('validate');
run('sync', '--dry-run');
run('sync');
console.log(`\nmy-calendars/team now holds: ${readdirSync(join(demo, 'my-calendars', 'team')).filter((f) => f.endsWith('.ics')).join(', ')}`);

// Edit one event in the copy, as a calendar app would, and sync back.
const file = join(demo, 'my-calendars', 'team', readdirSync(join(demo, 'my-calendars', 'team')).find((f) => f.startsWith('review'))); 
writeFileSync(file, readFileSync(file, 'utf8').replace('SUMMARY:Quarterly review', 'SUMMARY:Quarterly review (moved to room 2.01)'));
console.log('\nEdited "Quarterly review" in my-calendars/team; syncing again:');
run('sync');
run('sync');
run('status');
