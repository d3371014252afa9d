/**
 * The composition root: one store, one change-log follower, the registry, the authenticator
 * union, the authorizer, token issuance, the controllers and the HTTP surface, started and
 * stopped together.
 */
import { CONTROLLER_USER } from './authn/identity.js';
import { readFile } from 'node:fs/promises';
import { admissionChain } from './admission/chain.js';
import {
  audienceAgnostic,
  TokenAuthenticatorUnion,
  withAuthenticatedGroupAdder,
  type TokenAuthenticator,
} from './authn/authenticator.js';
import { CachedTokenAuthenticator } from './authn/cache.js';
import { CredentialIndex } from './authn/credentials.js';
import { LegacyTokenAuthenticator } from './authn/legacy.js';
import { ExternalIssuerAuthenticator, parseIssuersConfig } from './authn/oidc.js';
import { RequestAuthenticator } from './authn/request.js';
import { ServiceAccountTokenAuthenticator } from './authn/serviceaccount.js';
import { adminUser, loadTokenFile, StaticTokenAuthenticator } from './authn/static.js';
import type { Authorizer } from './authz/authorizer.js';
import { AuthorizerUnion } from './authz/authorizer.js';
import { PrivilegedGroupAuthorizer } from './authz/masters.js';
import { RbacAuthorizer } from './authz/rbac/authorizer.js';
import { Metrics } from './metrics/metrics.js';
import { reconcileBootstrapPolicy } from './controllers/bootstrapPolicy.js';
import { RbacIndex } from './authz/rbac/index.js';
import { ObjectCache } from './cache/objects.js';
import { ChangeFollower, type Informer } from './changelog/follower.js';
import type { Services } from './context.js';
import type { Controller } from './controllers/controller.js';
import { IssuedTokensController } from './controllers/issuedTokens.js';
import { ensureNamespace, NamespaceController } from './controllers/namespaces.js';
import { DefaultServiceAccountController } from './controllers/serviceAccounts.js';
import { Leadership } from './controllers/leadership.js';
import { RetentionController, type RetentionOptions } from './controllers/retention.js';
import { ReencryptionController } from './controllers/reencryption.js';
import { ClusterRoleAggregationController } from './controllers/clusterRoleAggregation.js';
import { AuditRetentionController, DEFAULT_AUDIT_RETENTION_MS } from './controllers/auditRetention.js';
import { AuditLog } from './audit/recorder.js';
import { AuditPolicy } from './audit/policy.js';
import { AuditStore } from './store/audit.js';
import { TokensController } from './controllers/tokens.js';
import type { Database } from './db/client.js';
import type { Logger } from './log.js';
import { Registry } from './registry/registry.js';
import { strategies } from './resources/strategies.js';
import { createServer, type HttpOptions, type KeywayServer } from './server.js';
import { SigningKeyStore } from './store/signingKeys.js';
import { ObjectStore } from './store/store.js';
import { KeyRing } from './tokens/keys.js';
import { TokenIssuer } from './tokens/request.js';
import { TokenRevoker } from './tokens/revocation.js';
import { DEFAULT_WATCH_OPTIONS, WatchHub, type WatchOptions } from './watch/hub.js';
import { DEFAULT_MAX_BODY_BYTES } from './http/bodyLimit.js';
import { DEFAULT_QUERY_LIMITS } from './http/limits.js';
import { DEFAULT_FAIR_SHARE } from './http/fairness.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './http/timeout.js';
import { SYSTEM_NAMESPACES } from './apis/wellknown.js';
import { LOCKS } from './db/locks.js';
import { Envelope, type EncryptionKey } from './encryption/envelope.js';
import { StorageTransformer } from './encryption/transformer.js';

const DEFAULT_RETENTION: RetentionOptions = { windowMs: 15 * 60_000, keep: 10_000, everyMs: 60_000 };

export interface AppOptions {
  database: Database;
  log: Logger;
  adminToken: string;
  /** What sealed values are sealed with: the first key seals, every one opens (see encryption/). */
  encryptionKeys: readonly EncryptionKey[];
  tokenAuthFile?: string;
  issuer?: string;
  apiAudiences?: string[];
  signingKeyFile?: string;
  signingAlgorithm?: 'ES256' | 'RS256';
  maxTokenExpirationSeconds?: number;
  extendTokenExpiration?: boolean;
  oidcIssuersFile?: string;
  rootCAFile?: string;
  jwksURI?: string;
  /** Replaces the authorizer chain, system:masters and RBAC (benchmarks compare against allow-all). */
  authorizer?: Authorizer;
  /** Off in tests that need to watch what controllers would otherwise change. */
  controllers?: boolean;
  pollIntervalMs?: number;
  /**
   * What the audit log keeps (default: every event at Metadata), for how long (default 30 days),
   * and how often the leading replica trims it (default every minute).
   */
  audit?: { policy?: AuditPolicy; retentionMs?: number; trimEveryMs?: number };
  /** Change-log retention (defaults: 15 minutes, at least the newest 10,000 changes, checked every minute). */
  retention?: Partial<RetentionOptions>;
  /** How often a replica checks (or tries to take) the cleanup controllers' lease (default 2 s). */
  leaseCheckMs?: number;
  /** Watch buffers, bookmarks and re-authorization (defaults: 10,000 events, 30 s, 1 s). */
  watch?: Partial<WatchOptions>;
  /** More consumers of the change log, registered after Keyway's own (tests inject failures with these). */
  informers?: Informer[];
  /** The HTTP surface's limits and browser policy (defaults: 3 MiB bodies, no anonymous introspection, no CORS). */
  http?: Partial<HttpOptions>;
}

/** What start-up reads from files before the app is built. */
interface Loaded {
  staticTokens: StaticTokenAuthenticator;
  external: ExternalIssuerAuthenticator | null;
  rootCA: string;
}

export class App {
  readonly store: ObjectStore;
  readonly follower: ChangeFollower;
  /** Every object, in memory, fed by the change log: what reads are served from. */
  readonly cache: ObjectCache;
  readonly registry: Registry;
  readonly authorizer: Authorizer;
  readonly rbac: RbacIndex;
  readonly keys: KeyRing;
  readonly services: Services;
  readonly server: KeywayServer;
  readonly controllers: Controller[];
  private readonly convergers: Controller[];
  private readonly cleanups: Controller[];
  /** Whether this replica runs the cleanup controllers (one replica at a time does). */
  readonly leadership: Leadership;
  private ready = false;

  /** Reads the files the options name (token file, external issuers, root CA), then builds. */
  static async create(options: AppOptions): Promise<App> {
    const staticTokens = new StaticTokenAuthenticator();
    staticTokens.add(options.adminToken, adminUser());
    if (options.tokenAuthFile) {
      for (const { token, user } of await loadTokenFile(options.tokenAuthFile)) staticTokens.add(token, user);
    }
    const external = options.oidcIssuersFile
      ? await ExternalIssuerAuthenticator.create(parseIssuersConfig(await readFile(options.oidcIssuersFile, 'utf8')))
      : null;
    const rootCA = options.rootCAFile ? await readFile(options.rootCAFile, 'utf8') : '';
    return new App(options, { staticTokens, external, rootCA });
  }

  private constructor(
    private readonly options: AppOptions,
    loaded: Loaded,
  ) {
    const { database, log } = options;
    const issuer = options.issuer ?? 'http://localhost:4000';
    const apiAudiences = options.apiAudiences ?? [issuer];
    const transformer = new StorageTransformer(new Envelope(options.encryptionKeys));
    this.store = new ObjectStore(database, transformer);
    const signingKeys = new SigningKeyStore(database.db, transformer);
    this.follower = new ChangeFollower(this.store, database, log, options.pollIntervalMs);
    this.cache = new ObjectCache();
    this.follower.register(this.cache);
    this.rbac = new RbacIndex();
    this.follower.register(this.rbac);
    this.registry = new Registry(
      this.store,
      this.follower,
      strategies,
      admissionChain({ rbac: this.rbac }),
      this.cache,
    );
    // kube-apiserver's chain: the privileged group, then RBAC
    const rbacAuthorizer = new RbacAuthorizer(this.rbac);
    this.authorizer = options.authorizer ?? new AuthorizerUnion([new PrivilegedGroupAuthorizer(), rbacAuthorizer]);
    this.keys = new KeyRing(signingKeys, database, log, {
      keyFile: options.signingKeyFile,
      algorithm: options.signingAlgorithm ?? 'ES256',
    });

    const controllersOn = options.controllers !== false;
    const tokensController = new TokensController(this.registry, this.store, this.keys, loaded.rootCA, log);
    const credentials = new CredentialIndex(this.follower);
    // kube-apiserver's order (static tokens, ServiceAccount tokens, external issuers), behind one
    // cache of successes that each authenticator says how long it may be trusted.
    const authenticators: TokenAuthenticator[] = [
      audienceAgnostic(apiAudiences, loaded.staticTokens),
      new ServiceAccountTokenAuthenticator(this.keys, credentials, [issuer], apiAudiences),
      new LegacyTokenAuthenticator(this.keys, credentials, apiAudiences, (namespace, secret, today) => {
        if (controllersOn) tokensController.recordUse(namespace, secret, today);
      }),
    ];
    if (loaded.external) authenticators.push(audienceAgnostic(apiAudiences, loaded.external));
    const tokenAuthenticator = new CachedTokenAuthenticator(
      withAuthenticatedGroupAdder(new TokenAuthenticatorUnion(authenticators)),
      this.follower,
    );

    const auditStore = new AuditStore(database.db);
    const auditLog = new AuditLog(options.audit?.policy ?? AuditPolicy.DEFAULT, auditStore, log);
    // what the controllers write is audited as kube-controller-manager's requests are
    this.store.unaudited = (written) => auditLog.system(CONTROLLER_USER, written);
    const watches = new WatchHub(this.follower, this.cache, this.store.read, {
      ...DEFAULT_WATCH_OPTIONS,
      ...options.watch,
    });
    this.services = {
      registry: this.registry,
      tokenAuthenticator,
      tokens: new TokenIssuer(this.registry, this.keys, {
        issuer,
        apiAudiences,
        maxExpirationSeconds: options.maxTokenExpirationSeconds ?? 0,
        extendExpiration: options.extendTokenExpiration ?? true,
      }),
      revoker: new TokenRevoker(this.registry, this.store.read),
      keys: this.keys,
      authorizer: this.authorizer,
      rbac: this.rbac,
      watches,
      audit: auditLog,
      metrics: new Metrics({
        follower: this.follower,
        watches,
        decisions: options.authorizer ? undefined : rbacAuthorizer.stats,
        database: () => database.ping(),
        pool: () => database.pool(),
      }),
    };
    // converging reconcilers run on every replica; cleanup runs on the one that leads
    this.convergers = controllersOn
      ? [
          new NamespaceController(this.registry, this.store, log),
          new DefaultServiceAccountController(this.registry, this.store.read, log),
          new ClusterRoleAggregationController(this.registry, log),
        ]
      : [];
    this.cleanups = controllersOn
      ? [
          tokensController,
          new IssuedTokensController(this.registry, this.store, this.keys, log),
          new RetentionController(this.store, { ...DEFAULT_RETENTION, ...options.retention }, log),
          new ReencryptionController(this.store, signingKeys, log),
          new AuditRetentionController(
            auditStore,
            options.audit?.retentionMs ?? DEFAULT_AUDIT_RETENTION_MS,
            log,
            options.audit?.trimEveryMs,
          ),
        ]
      : [];
    this.controllers = [...this.convergers, ...this.cleanups];
    this.leadership = new Leadership(
      database.lease(LOCKS.leader),
      log,
      async () => {
        for (const controller of this.cleanups) await controller.start();
      },
      async () => {
        for (const controller of this.cleanups) await controller.pause();
      },
      options.leaseCheckMs,
    );
    for (const controller of this.controllers) this.follower.register(controller.informer);
    for (const informer of options.informers ?? []) this.follower.register(informer);
    this.server = createServer({
      services: this.services,
      follower: this.follower,
      authenticator: new RequestAuthenticator(tokenAuthenticator),
      authorizer: this.authorizer,
      cache: this.cache,
      log,
      discovery: { issuer, jwksURI: options.jwksURI ?? `${issuer}/openid/v1/jwks` },
      http: {
        maxRequestBodyBytes: options.http?.maxRequestBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        queryLimits: { ...DEFAULT_QUERY_LIMITS, ...options.http?.queryLimits },
        trustedDocuments: options.http?.trustedDocuments,
        fairShare: { ...DEFAULT_FAIR_SHARE, ...options.http?.fairShare },
        requestTimeoutMs: options.http?.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        publicIntrospection: options.http?.publicIntrospection ?? false,
        corsOrigins: options.http?.corsOrigins ?? [],
      },
      ready: () => this.ready,
      ping: () => database.ping(),
      behind: () => this.follower.behind,
    });
  }

  /**
   * Loads keys, follows the change log, makes the system namespaces, reconciles the bootstrap
   * policy, starts the controllers and waits for their first pass; then reports ready.
   */
  async start(): Promise<void> {
    await this.keys.start();
    await this.follower.start();
    for (const name of SYSTEM_NAMESPACES) await ensureNamespace(this.registry, name);
    await reconcileBootstrapPolicy(this.registry, this.options.log);
    for (const controller of this.convergers) await controller.start();
    if (this.cleanups.length) await this.leadership.start();
    // The system namespaces and their default ServiceAccounts exist before the first request
    // (cleanup is not waited for: it may keep failing without making this replica unfit to serve).
    for (let pass = 0; pass < 3; pass++) for (const controller of this.convergers) await controller.idle();
    this.ready = true;
  }

  /** Resolves when no controller has work queued. */
  async idle(): Promise<void> {
    for (let pass = 0; pass < 3; pass++) for (const controller of this.controllers) await controller.idle();
  }

  /** The start of a shutdown: unready, and every watch ended (its stream completes cleanly). */
  drain(): void {
    this.ready = false;
    this.services.watches.closeAll();
  }

  async stop(): Promise<void> {
    this.ready = false;
    if (this.cleanups.length) await this.leadership.stop();
    for (const controller of this.controllers) await controller.stop();
    await this.follower.stop();
    await this.keys.stop();
  }
}
