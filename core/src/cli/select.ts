/**
 * `dovetail select PAIRING add|remove|list [UID…]`: the pairing's selection list (PC CADDIE's "+ADD"), kept in its
 * state folder and read by the include rule `{ "predicate": "selected" }` at the next run.
 */
import type { LoadedConfig } from '../config/types.js';
import { suggestion } from '../config/suggest.js';
import { usesSelection } from '../engine/filters.js';
import type { StateStore } from '../state/types.js';
import { UsageError } from './errors.js';

const USAGE = 'usage: dovetail select [-c FILE] PAIRING add|remove UID... | dovetail select [-c FILE] PAIRING list [--json]';

export interface SelectIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Runs the command on an already loaded config; returns the exit code. */
export async function selectCommand(args: string[], json: boolean, loaded: LoadedConfig, store: StateStore, io: SelectIo): Promise<number> {
  const [name, action, ...uids] = args;
  if (!name || !action) throw new UsageError(USAGE);
  const pairings = Object.keys(loaded.config.pairings);
  if (!loaded.config.pairings[name]) throw new UsageError(`unknown pairing '${name}' (${suggestion(name, pairings, 'no pairings are defined', 'pairings')})`);
  if (action !== 'add' && action !== 'remove' && action !== 'list') throw new UsageError(`unknown action '${action}' (${suggestion(action, ['add', 'remove', 'list'], '', 'one of')})\n${USAGE}`);
  if (action === 'list') {
    if (uids.length) throw new UsageError(`'list' takes no UIDs\n${USAGE}`);
    const list = await store.selection(name);
    if (json) io.out(JSON.stringify({ pairing: name, uids: list }, null, 2));
    else io.out(list.length ? list.join('\n') : `${name}: nothing selected`);
    return 0;
  }
  if (!uids.length || uids.some((u) => u.trim() === '')) throw new UsageError(`'${action}' needs one or more UIDs\n${USAGE}`);
  const before = new Set(await store.selection(name));
  const after = await store.updateSelection(name, action === 'add' ? uids : [], action === 'remove' ? uids : []);
  const changed = action === 'add' ? uids.filter((u) => !before.has(u)).length : uids.filter((u) => before.has(u)).length;
  if (json) io.out(JSON.stringify({ pairing: name, [action === 'add' ? 'added' : 'removed']: changed, uids: after }, null, 2));
  else io.out(`${name}: ${action === 'add' ? 'added' : 'removed'} ${changed} (${after.length} selected); the next sync applies it`);
  if (!usesSelection(loaded.config.pairings[name].filters)) {
    io.err(`dovetail: note: pairing '${name}' has no filter rule { "predicate": "selected" }, so its selection list changes nothing until one is added`);
  }
  return 0;
}
