/** config → database → migrate → admin token → app → start → listen; and shutdown on SIGINT/SIGTERM. */
import { createServer } from 'node:http';
import { App } from './app.js';
import { resolveAdminToken } from './authn/bootstrap.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { createLogger } from './log.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const database = await openDatabase(config.database);
  await database.migrate();
  const admin = await resolveAdminToken(config.adminToken, config.dataDir);
  if (admin.generatedAt) {
    process.stdout.write(`\nKeyway admin token (shown once, kept in ${admin.generatedAt}):\n\n  ${admin.token}\n\n`);
  }
  const app = await App.create({
    database,
    log,
    adminToken: admin.token,
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
    http: {
      maxRequestBodyBytes: config.maxRequestBodyBytes,
      publicIntrospection: config.publicIntrospection,
      corsOrigins: config.corsOrigins,
    },
  });
  await app.start();

  const http = createServer(app.server);
  http.listen(config.port, config.host, () => {
    log.info(
      { database: config.databaseDescription },
      `Keyway serving GraphQL at http://${config.host}:${config.port}/graphql`,
    );
  });

  const shutdown = async () => {
    http.close();
    await app.stop();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`Keyway failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
