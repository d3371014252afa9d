/**
 * `npm run keys:reencrypt`: after a new key is put first in KEYWAY_ENCRYPTION_KEYS, re-seals every
 * stored value (Secret data in objects and change log, signing private keys) under it, while
 * Keyway keeps serving on PostgreSQL. Reads the same settings as the server. An embedded database
 * is open in one process at a time: there, the running server does this itself (at start and
 * every 10 minutes), and this command is for a stopped one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { reencryptAll } from '../controllers/reencryption.js';
import { Envelope } from '../encryption/envelope.js';
import { EncryptionConfigError, resolveEncryptionKeys } from '../encryption/keys.js';
import { StorageTransformer } from '../encryption/transformer.js';
import { SigningKeyStore } from '../store/signingKeys.js';
import { ObjectStore } from '../store/store.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const target = config.database;
  if (target.engine === 'pglite' && !target.dataDir)
    throw new ConfigError('DATABASE_URL=memory:// holds nothing to re-encrypt');
  if (target.engine === 'pglite' && target.dataDir && existsSync(join(target.dataDir, 'postmaster.pid'))) {
    throw new ConfigError(
      `the embedded database in ${target.dataDir} is open in another process: a running Keyway re-encrypts by ` +
        'itself at start and every 10 minutes; stop it to run this command (or remove postmaster.pid if none runs)',
    );
  }
  const { keys } = await resolveEncryptionKeys(config.encryptionKeysFile, config.dataDir, false);
  const transformer = new StorageTransformer(new Envelope(keys));
  const database = await openDatabase(target);
  try {
    await database.migrate();
    const rewritten = await reencryptAll(
      new ObjectStore(database, transformer),
      new SigningKeyStore(database.db, transformer),
    );
    process.stdout.write(`re-encrypted ${rewritten} stored values under key ${keys[0].name}\n`);
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof EncryptionConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`re-encryption failed: ${(err as Error).message}\n`);
  process.exit(1);
});
