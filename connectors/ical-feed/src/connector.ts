/**
 * The iCal feed connector. An endpoint is one collection, `feed`: with `url` a subscribed feed (read-only; the
 * manifest's `readOnlyWhen` tells the host), with `path` a published one (a single .ics file written here).
 */
import path from 'node:path';
import {
  Invalid, NotFound,
  type CollectionInfo, type Connector, type ConnectorContext, type ListOptions, type ListResult, type LoadOptions,
  type LoadResult, type WriteOp, type WriteResult,
} from '@dovetail/core/sdk';
import { Transport, type HttpAuth } from '@dovetail/http';
import { FileFeedSource } from './file-source.js';
import { HttpFeedSource } from './http-source.js';
import { Publication, type PublicationStats } from './publication.js';
import { DEFAULT_MAX_BYTES, feedLocation, type FeedLocation, type IcalFeedSettings } from './settings.js';
import type { FeedSource } from './source.js';
import { Subscription, type SubscriptionStats } from './subscription.js';

/** The id of an endpoint's one collection. */
export const FEED_COLLECTION = 'feed';

/** A running feed connector; `stats` counts reads, parses and writes (for tests and benchmarks). */
export interface IcalFeedConnector extends Connector {
  readonly mode: 'subscribe' | 'publish';
  readonly stats: SubscriptionStats | PublicationStats;
}

export async function createIcalFeedConnector(ctx: ConnectorContext<IcalFeedSettings>): Promise<IcalFeedConnector> {
  const s = ctx.settings;
  const name = s.name ?? ctx.endpoint;
  const maxBytes = s.maxBytes ?? DEFAULT_MAX_BYTES;
  const collection = (readOnly: boolean): CollectionInfo => ({ id: FEED_COLLECTION, name, entities: ['event', 'task'], readOnly });
  const own = (id: string) => {
    if (id !== FEED_COLLECTION) {
      throw new NotFound(`endpoint "${ctx.endpoint}" is a single feed; its one collection is "${FEED_COLLECTION}" (leave "collection" out of the pairing), not "${id}"`);
    }
  };

  if (s.path !== undefined) {
    const publication = new Publication(path.resolve(ctx.baseDir, s.path), name, maxBytes, ctx.logger);
    return {
      mode: 'publish',
      stats: publication.stats,
      check: () => publication.check(),
      discover: async () => [collection(false)],
      list: async (id: string, o: ListOptions): Promise<ListResult> => { own(id); return publication.list(o.entity, o.cursor); },
      load: async (id: string, ids: string[], o: LoadOptions): Promise<LoadResult[]> => { own(id); return publication.load(ids, o.entity); },
      write: async (id: string, ops: WriteOp[]): Promise<WriteResult[]> => { own(id); return publication.write(ops); },
    };
  }

  const location = feedLocation(await ctx.secrets.get('url'), ctx.baseDir);
  const subscription = new Subscription(await sourceFor(ctx, location, maxBytes), ctx.logger);
  return {
    mode: 'subscribe',
    stats: subscription.stats,
    check: () => subscription.check(),
    discover: async () => [collection(true)],
    list: async (id: string, o: ListOptions): Promise<ListResult> => { own(id); return subscription.list(o.entity, o.cursor); },
    load: async (id: string, ids: string[], o: LoadOptions): Promise<LoadResult[]> => { own(id); return subscription.load(ids, o.entity); },
    write: async (): Promise<WriteResult[]> => {
      throw new Invalid(`endpoint "${ctx.endpoint}" subscribes to ${subscription.shown}, which is read-only; to publish a feed, give "path" instead of "url"`);
    },
    close: () => subscription.close(),
  };
}

async function sourceFor(ctx: ConnectorContext<IcalFeedSettings>, location: FeedLocation, maxBytes: number): Promise<FeedSource> {
  if (location.kind === 'file') return new FileFeedSource(location.file, maxBytes);
  const s = ctx.settings;
  if (s.insecure) {
    ctx.logger.warn({ feed: location.shown }, 'TLS certificate verification is OFF for this feed ("insecure": true): anyone on the network path can read and change it');
  }
  const transport = new Transport({
    auth: await authFor(ctx, location), ca: s.caFile, insecure: s.insecure, timeoutMs: s.timeoutMs,
    maxResponseBytes: maxBytes, maxResponseBytesSetting: 'maxBytes', baseDir: ctx.baseDir, signal: ctx.signal,
    logger: ctx.logger, userAgent: 'dovetail (+https://github.com/dovetail-sync)',
  });
  return new HttpFeedSource(location.url, location.shown, transport);
}

/** Bearer with `token`; Basic with `username` (or the URL's user information); none otherwise. */
async function authFor(ctx: ConnectorContext<IcalFeedSettings>, location: FeedLocation & { kind: 'http' }): Promise<HttpAuth> {
  const token = await ctx.secrets.maybe('token');
  const username = ctx.settings.username ?? location.userinfo?.username;
  if (token !== undefined && username !== undefined) {
    throw new Invalid('give either "token" (Bearer) or "username" and "password" (Basic), not both (a user name inside "url" counts)');
  }
  if (token !== undefined) return { type: 'bearer', token };
  if (username === undefined) return { type: 'none' };
  const password = (await ctx.secrets.maybe('password')) ?? location.userinfo?.password ?? '';
  return { type: 'basic', username, password };
}
