/**
 * `dovetail serve [-c FILE] [--host H] [--port P]`: runs the service until SIGTERM/SIGINT (graceful, exit 0),
 * reloads the config on SIGHUP, tells systemd when it is ready. Logs are pino JSON lines on stderr (pretty on a
 * terminal, via pino-pretty); level `info` by default (DOVETAIL_LOG_LEVEL, else `log.level`, to change).
 */
import type { DestinationStream } from 'pino';
import type { CommandContext } from '../cli/commands.js';
import { loadConfig } from '../config/index.js';
import { createLogger, LogLevelError, resolveLogLevel, type LogLevel } from '../log.js';
import { version } from '../cli/main.js';
import { notifySystemd } from './notify.js';
import { RunnerService, ServiceStartError } from './service.js';

async function destination(): Promise<DestinationStream | undefined> {
  if (!process.stderr.isTTY) return undefined;
  const { default: pretty } = await import('pino-pretty');
  return pretty({ destination: 2, colorize: true, sync: true });
}

export async function serveCommand(ctx: CommandContext): Promise<number> {
  let configLevel: unknown;
  try {
    configLevel = (await loadConfig(ctx.configFile)).config.log?.level;
  } catch {
    // RunnerService.start reports the config problem
  }
  let level: LogLevel;
  try {
    level = resolveLogLevel(configLevel, process.env.DOVETAIL_LOG_LEVEL, 'info');
  } catch (e) {
    if (!(e instanceof LogLevelError)) throw e;
    ctx.io.err(`dovetail: ${e.message}`);
    return 2;
  }
  const logger = createLogger({ level, destination: await destination() });
  let service: RunnerService;
  try {
    service = await RunnerService.start({ configFile: ctx.configFile, logger, host: ctx.host, port: ctx.port, version: version() });
  } catch (e) {
    if (e instanceof ServiceStartError) {
      ctx.io.err(`dovetail: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
  const pairings = service.pairingNames().length;
  ctx.io.err(`dovetail: serving ${pairings} pairing${pairings === 1 ? '' : 's'} on ${service.url} (status page at ${service.url}/)`);
  logger.info({ url: service.url, pairings }, 'service ready');

  // The signal handlers are in place before systemd hears READY: a stop sent right after it is a graceful stop.
  const stopped = new Promise<number>((resolve) => {
    let reloading = Promise.resolve();
    const onHangup = () => {
      logger.info('SIGHUP: reloading the config');
      reloading = reloading.then(async () => {
        const r = await service.reload();
        const problem = await notifySystemd({ STATUS: r.ok ? `serving ${service.pairingNames().length} pairings on ${service.url}` : `config not reloaded: ${r.message.slice(0, 200)}` });
        if (problem) logger.warn(problem);
      });
    };
    const onStop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onHangup);
      logger.info(`${signal}: stopping (runs finish the chunk they are writing)`);
      void (async () => {
        await notifySystemd({ STOPPING: '1', STATUS: 'stopping' });
        await reloading;
        await service.stop();
        logger.info('stopped');
        logger.flush?.();
        resolve(0);
      })();
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', onHangup);
  });
  const notified = await notifySystemd({ READY: '1', STATUS: `serving ${pairings} pairings on ${service.url}` });
  if (notified) logger.warn(notified);
  return stopped;
}
