/**
 * The composition root: one store, one change-log follower, the registry, the authenticator
 * union, the authorizer, the controllers and the HTTP surface, started and stopped together.
 */
import { admissionChain } from './admission/chain.js';
import { TokenAuthenticatorUnion } from './authn/authenticator.js';
import { RequestAuthenticator } from './authn/request.js';
import { adminUser, loadTokenFile, StaticTokenAuthenticator } from './authn/static.js';
import type { Authorizer } from './authz/authorizer.js';
import { PrivilegedGroupAuthorizer } from './authz/masters.js';
import { ChangeFollower } from './changelog/follower.js';
import type { Controller } from './controllers/controller.js';
import { ensureNamespace, NamespaceController } from './controllers/namespaces.js';
import { DefaultServiceAccountController } from './controllers/serviceAccounts.js';
import type { Database } from './db/client.js';
import type { Logger } from './log.js';
import { Registry } from './registry/registry.js';
import { SYSTEM_NAMESPACES } from './resources/namespace/strategy.js';
import { strategies } from './resources/strategies.js';
import { createServer, type KeywayServer } from './server.js';
import { ObjectStore } from './store/store.js';

export interface AppOptions {
  database: Database;
  log: Logger;
  adminToken: string;
  tokenAuthFile?: string;
  /** Off in tests that need to watch what controllers would otherwise change. */
  controllers?: boolean;
  pollIntervalMs?: number;
}

export class App {
  readonly store: ObjectStore;
  readonly follower: ChangeFollower;
  readonly registry: Registry;
  readonly authorizer: Authorizer;
  readonly server: KeywayServer;
  readonly controllers: Controller[];
  private readonly staticTokens = new StaticTokenAuthenticator();
  private ready = false;

  constructor(private readonly options: AppOptions) {
    const { database, log } = options;
    this.store = new ObjectStore(database.db);
    this.follower = new ChangeFollower(this.store.read, database, log, options.pollIntervalMs);
    this.registry = new Registry(this.store, this.follower, strategies, admissionChain);
    this.authorizer = new PrivilegedGroupAuthorizer();
    const authenticator = new RequestAuthenticator(new TokenAuthenticatorUnion([this.staticTokens]));
    this.controllers =
      options.controllers === false
        ? []
        : [new NamespaceController(this.registry, this.store, log), new DefaultServiceAccountController(this.registry, log)];
    this.server = createServer({
      authenticator,
      authorizer: this.authorizer,
      registry: this.registry,
      reader: this.store.read,
      log,
      ready: () => this.ready,
    });
  }

  /** Follows the change log, loads tokens, starts the controllers; then reports ready. */
  async start(): Promise<void> {
    this.staticTokens.add(this.options.adminToken, adminUser());
    if (this.options.tokenAuthFile) {
      for (const { token, user } of await loadTokenFile(this.options.tokenAuthFile)) this.staticTokens.add(token, user);
    }
    await this.follower.start();
    for (const name of SYSTEM_NAMESPACES) await ensureNamespace(this.registry, name);
    for (const controller of this.controllers) await controller.start(this.follower);
    // The system namespaces and their default ServiceAccounts exist before the first request.
    await this.idle();
    this.ready = true;
  }

  /** Resolves when no controller has work queued. */
  async idle(): Promise<void> {
    for (let pass = 0; pass < 3; pass++) for (const controller of this.controllers) await controller.idle();
  }

  async stop(): Promise<void> {
    this.ready = false;
    for (const controller of this.controllers) await controller.stop();
    await this.follower.stop();
  }
}
