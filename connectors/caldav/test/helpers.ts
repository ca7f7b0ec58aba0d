/** Connectors built through the package's default export, pointed at a real server from the test harness. */
import type { Connector, ConnectorContext, Logger } from '@dovetail/core/sdk';
import type { DavServer } from '../../../test/support/dav-servers.js';
import definition, { type CalDavSettings } from '../src/index.js';

/** A logger that records [level, message] pairs instead of printing them. */
export function recordingLogger(lines: [string, unknown][] = []): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) => { lines.push([level, msg ?? obj]); };
  const logger: Logger = { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

/** A CalDAV connector with `settings`; secrets come from `secrets`. */
export async function makeCalDav(settings: CalDavSettings, options: { secrets?: Record<string, string>; logger?: Logger; baseDir?: string } = {}): Promise<Connector> {
  const secrets = options.secrets ?? {};
  const context: ConnectorContext<CalDavSettings> = {
    endpoint: 'dav',
    settings: Object.freeze({ ...settings }),
    logger: options.logger ?? recordingLogger(),
    secrets: {
      get: async (key) => { if (secrets[key] === undefined) throw new Error(`no secret ${key}`); return secrets[key]!; },
      maybe: async (key) => secrets[key],
    },
    signal: new AbortController().signal,
    baseDir: options.baseDir ?? process.cwd(),
  };
  return definition.create(context);
}

/** A connector for a harness server (Radicale: any Basic login; Xandikos: no auth). */
export function connectorFor(server: DavServer, extra: Partial<CalDavSettings> = {}): Promise<Connector> {
  return server.kind === 'radicale'
    ? makeCalDav({ url: server.url, username: server.username, password: 'x', ...extra }, { secrets: { password: server.password } })
    : makeCalDav({ url: server.url, ...extra });
}

let counter = 0;
/** A fresh calendar name for one test. */
export function freshName(prefix = 'cal'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
