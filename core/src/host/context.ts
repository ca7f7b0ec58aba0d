/**
 * The inversify wiring of an activation: one child container per endpoint binds the parts of the
 * ConnectorContext; `ConnectorContextProvider` (bound in the host's root container) assembles them.
 */
// The one-file bundle of inversify (scripts/build-vendor.mjs): its 247 modules cost ~150 ms to load per activation.
import { Container, decorate, inject, injectable } from '#inversify';
import type { ConnectorCache, ConnectorContext, CredentialStore, Logger, Secrets } from '../sdk/connector.js';

/** Injection tokens for the parts of a ConnectorContext (bound per activation). */
export const ConnectorTokens = {
  Endpoint: Symbol.for('dovetail.connector.endpoint'),
  Settings: Symbol.for('dovetail.connector.settings'),
  Logger: Symbol.for('dovetail.connector.logger'),
  Secrets: Symbol.for('dovetail.connector.secrets'),
  Signal: Symbol.for('dovetail.connector.signal'),
  BaseDir: Symbol.for('dovetail.connector.baseDir'),
  Credentials: Symbol.for('dovetail.connector.credentials'),
  Cache: Symbol.for('dovetail.connector.cache'),
} as const;

/** Builds the ConnectorContext from the bindings of the container it is resolved from. */
export class ConnectorContextProvider {
  constructor(
    private readonly endpoint: string,
    private readonly settings: Readonly<Record<string, unknown>>,
    private readonly logger: Logger,
    private readonly secrets: Secrets,
    private readonly signal: AbortSignal,
    private readonly baseDir: string,
    private readonly credentials: CredentialStore,
    private readonly cache: ConnectorCache,
  ) {}

  context(): ConnectorContext {
    return Object.freeze({
      endpoint: this.endpoint,
      settings: this.settings,
      logger: this.logger,
      secrets: this.secrets,
      signal: this.signal,
      baseDir: this.baseDir,
      credentials: this.credentials,
      cache: this.cache,
    });
  }
}

// Equivalent to `@injectable()` on the class and `@inject(token)` on each constructor parameter, written as
// calls so the module also runs where a transpiler does not see experimentalDecorators (tsx, plain esbuild).
decorate(injectable(), ConnectorContextProvider);
[
  ConnectorTokens.Endpoint, ConnectorTokens.Settings, ConnectorTokens.Logger,
  ConnectorTokens.Secrets, ConnectorTokens.Signal, ConnectorTokens.BaseDir, ConnectorTokens.Credentials,
  ConnectorTokens.Cache,
].forEach((token, index) => decorate(inject(token), ConnectorContextProvider, index));

/** The host's root container. */
export function createRootContainer(): Container {
  const root = new Container();
  root.bind(ConnectorContextProvider).toSelf().inTransientScope();
  return root;
}

export interface ActivationParts {
  endpoint: string;
  settings: Readonly<Record<string, unknown>>;
  logger: Logger;
  secrets: Secrets;
  signal: AbortSignal;
  baseDir: string;
  credentials: CredentialStore;
  cache: ConnectorCache;
}

/** A child container of `root` holding one endpoint's context parts. */
export function createActivationContainer(root: Container, parts: ActivationParts): Container {
  const child = new Container({ parent: root });
  child.bind(ConnectorTokens.Endpoint).toConstantValue(parts.endpoint);
  child.bind(ConnectorTokens.Settings).toConstantValue(parts.settings);
  child.bind(ConnectorTokens.Logger).toConstantValue(parts.logger);
  child.bind(ConnectorTokens.Secrets).toConstantValue(parts.secrets);
  child.bind(ConnectorTokens.Signal).toConstantValue(parts.signal);
  child.bind(ConnectorTokens.BaseDir).toConstantValue(parts.baseDir);
  child.bind(ConnectorTokens.Credentials).toConstantValue(parts.credentials);
  child.bind(ConnectorTokens.Cache).toConstantValue(parts.cache);
  return child;
}
