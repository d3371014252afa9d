/**
 * After the key that seals changes (a new first key in KEYWAY_ENCRYPTION_KEYS), re-seals every
 * stored value under it: at start and every so often (a replica still on the old order may have
 * written meanwhile). `npm run keys:reencrypt` does the same from outside. One replica runs it.
 */
import type { Logger } from '../log.js';
import type { ObjectStore } from '../store/store.js';
import type { SigningKeyStore } from '../store/signingKeys.js';
import { PeriodicController } from './controller.js';

const REENCRYPT_EVERY_MS = 10 * 60_000;

/** Re-seals every stored value (objects, change log, signing keys) under the key that seals now. */
export async function reencryptAll(store: ObjectStore, signingKeys: SigningKeyStore): Promise<number> {
  return (await signingKeys.reencrypt()) + (await store.reencrypt());
}

export class ReencryptionController extends PeriodicController {
  constructor(
    private readonly store: ObjectStore,
    private readonly signingKeys: SigningKeyStore,
    log: Logger,
    everyMs = REENCRYPT_EVERY_MS,
  ) {
    super('reencryption', log, everyMs);
  }

  protected async run(): Promise<void> {
    const rewritten = await reencryptAll(this.store, this.signingKeys);
    if (rewritten) this.log.info({ rewritten }, 're-encrypted stored values under the current key');
  }
}
