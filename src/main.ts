/** config → database → migrate → admin token → app → start → listen; and shutdown on SIGINT/SIGTERM. */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { App } from './app.js';
import { resolveAdminToken } from './authn/bootstrap.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { DEFAULT_FAIR_SHARE } from './http/fairness.js';
import { DEFAULT_QUERY_LIMITS } from './http/limits.js';
import { loadTrustedDocuments } from './http/trusted.js';
import { attachWebSocket } from './http/websocket.js';
import { createLogger } from './log.js';
import { EncryptionConfigError, resolveEncryptionKeys } from './encryption/keys.js';
import { AuditPolicy, AuditPolicyError } from './audit/policy.js';

async function readPolicy(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new AuditPolicyError(`KEYWAY_AUDIT_POLICY: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** How long a shutdown waits for requests in flight before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const trustedDocuments = config.trustedDocumentsFile ? loadTrustedDocuments(config.trustedDocumentsFile) : undefined;
  const log = createLogger(config.logLevel);
  const auditPolicy = config.auditPolicyFile
    ? AuditPolicy.parse(await readPolicy(config.auditPolicyFile), `KEYWAY_AUDIT_POLICY (${config.auditPolicyFile})`)
    : undefined;
  const database = await openDatabase(config.database);
  await database.migrate();
  const admin = await resolveAdminToken(config.adminToken, config.dataDir);
  if (admin.generatedAt) {
    process.stdout.write(`\nKeyway admin token (shown once, kept in ${admin.generatedAt}):\n\n  ${admin.token}\n\n`);
  }
  const encryption = await resolveEncryptionKeys(
    config.encryptionKeysFile,
    config.dataDir,
    config.database.engine === 'pglite' && !config.database.dataDir,
  );
  if (encryption.generatedAt) {
    process.stdout.write(
      `\nKeyway encryption key generated in ${encryption.generatedAt}.\nBack it up with the database:` +
        ' without it, stored Secrets and signing keys cannot be read.\n\n',
    );
  }
  const app = await App.create({
    database,
    log,
    adminToken: admin.token,
    encryptionKeys: encryption.keys,
    tokenAuthFile: config.tokenAuthFile,
    issuer: config.issuer,
    apiAudiences: config.apiAudiences,
    signingKeyFile: config.signingKeyFile,
    signingAlgorithm: config.signingAlgorithm,
    maxTokenExpirationSeconds: config.maxTokenExpirationSeconds,
    extendTokenExpiration: config.extendTokenExpiration,
    oidcIssuersFile: config.oidcIssuersFile,
    rootCAFile: config.rootCAFile,
    jwksURI: config.jwksURI,
    retention: { windowMs: config.changelogRetentionMs, keep: config.changelogKeep },
    audit: { policy: auditPolicy, retentionMs: config.auditRetentionMs },
    http: {
      maxRequestBodyBytes: config.maxRequestBodyBytes,
      queryLimits: { ...DEFAULT_QUERY_LIMITS, maxCost: config.maxQueryCost },
      trustedDocuments,
      fairShare: {
        ...DEFAULT_FAIR_SHARE,
        total: config.maxInflight,
        perUser: config.maxInflightPerUser,
        ratePerSecond: config.rateLimit,
        burst: config.rateBurst,
      },
      requestTimeoutMs: config.requestTimeoutMs,
      publicIntrospection: config.publicIntrospection,
      corsOrigins: config.corsOrigins,
    },
  });
  await app.start();

  const http = createServer(app.server);
  const closeWebSocket = attachWebSocket(http, app.server, {
    trusted: trustedDocuments,
    maxPayloadBytes: config.maxRequestBodyBytes,
  });
  // requests being served, so that a shutdown can wait for them (and close idle connections after)
  let serving = 0;
  let stopping = false;
  http.prependListener('request', (_req, res) => {
    serving++;
    // while draining, no connection is kept for another request: the client opens a new one elsewhere
    if (stopping) res.setHeader('connection', 'close');
    res.once('close', () => {
      serving--;
      if (stopping && serving === 0) http.closeIdleConnections();
    });
  });
  http.listen(config.port, config.host, () => {
    log.info(
      { database: config.databaseDescription },
      `Keyway serving GraphQL at http://${config.host}:${config.port}/graphql`,
    );
  });

  // SIGTERM: unready and every watch ended cleanly (its stream completes); still listening for
  // KEYWAY_SHUTDOWN_DELAY (kube-apiserver's --shutdown-delay-duration), so load balancers see it
  // unready and stop sending; then no new connections, the requests in flight answered (up to a
  // grace period), and everything stopped. Connections close as their requests end
  // (http.Server.close would also drop idle keep-alive ones at once, racing a request a client is
  // sending on one). SIGINT (a terminal's Ctrl-C) skips the delay.
  const shutdown = async (delayMs: number) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down: draining requests and ending watches');
    app.drain();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const drained = new Promise<void>((resolve) => NetServer.prototype.close.call(http, () => resolve()));
    if (serving === 0) http.closeIdleConnections();
    await closeWebSocket();
    const grace = setTimeout(() => http.closeAllConnections(), SHUTDOWN_GRACE_MS);
    await drained;
    clearTimeout(grace);
    await app.stop();
    await database.close();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(config.shutdownDelayMs));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof EncryptionConfigError || err instanceof AuditPolicyError)
    process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`Keyway failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
