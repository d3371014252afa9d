/**
 * The key ring: the active signing key and every key still trusted for verification, shared by
 * all replicas through the database. `kid` is Kubernetes' (`keyIDFromPublicKey`): base64url of
 * the SHA-256 of the DER SubjectPublicKeyInfo.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import { SIGNING_KEYS_CHANNEL, type SigningKeyRow, type SigningKeyStore } from '../store/signingKeys.js';
import type { Algorithm } from './jwt.js';
import type { TransactionAudit } from '../audit/recorder.js';
import { sha256Text } from '../util/hash.js';

export interface SigningKey {
  kid: string;
  algorithm: Algorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JsonWebKey;
  source: string;
  createdAt: Date;
  retiredAt: Date | null;
}

function keyId(publicKey: KeyObject): string {
  return sha256Text(publicKey.export({ type: 'spki', format: 'der' }));
}

/** RSA keys sign RS256; EC keys by curve, as `signerFromECDSAPrivateKey` decides. */
function algorithmOf(key: KeyObject): Algorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new Error(
    `unsupported signing key type ${key.asymmetricKeyType}/${key.asymmetricKeyDetails?.namedCurve ?? ''}`,
  );
}

function newKeyRow(privateKey: KeyObject, source: string) {
  const publicKey = createPublicKey(privateKey);
  const kid = keyId(publicKey);
  const algorithm = algorithmOf(publicKey);
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return {
    kid,
    algorithm,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: { ...jwk, kid, alg: algorithm, use: 'sig' },
    source,
  };
}

function generatePrivateKey(algorithm: 'ES256' | 'RS256'): KeyObject {
  return algorithm === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

function fromRow(row: SigningKeyRow): SigningKey {
  const privateKey = createPrivateKey(row.privateKey);
  return {
    kid: row.kid,
    algorithm: row.algorithm as Algorithm,
    privateKey,
    publicKey: createPublicKey(privateKey),
    jwk: row.publicKey as JsonWebKey,
    source: row.source,
    createdAt: row.createdAt,
    retiredAt: row.retiredAt,
  };
}

/** An unknown kid may mean another replica rotated; look again, but not more than this often. */
const RELOAD_INTERVAL_MS = 1000;

export class KeyRing {
  private keys = new Map<string, SigningKey>();
  private current: SigningKey | undefined;
  private lastReload = 0;
  private reloading: Promise<void> | null = null;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly database: Database,
    private readonly log: Logger,
    private readonly options: { keyFile?: string; algorithm: 'ES256' | 'RS256' },
  ) {}

  /** Installs the file's key or generates one if there is none, then loads every key. */
  async start(): Promise<void> {
    if (this.options.keyFile) {
      const privateKey = createPrivateKey(await readFile(this.options.keyFile, 'utf8'));
      if (await this.store.install(newKeyRow(privateKey, 'file'), { onlyIfNone: false })) {
        this.log.info('signing with the key from KEYWAY_SIGNING_KEY_FILE');
      }
    } else if (
      await this.store.install(newKeyRow(generatePrivateKey(this.options.algorithm), 'generated'), { onlyIfNone: true })
    ) {
      this.log.info({ algorithm: this.options.algorithm }, 'generated a token signing key');
    }
    // a reload that fails (the database gone again) must not be an unhandled rejection, which
    // ends the process; the next NOTIFY or an unknown kid reloads
    this.unlisten = await this.database.listen(SIGNING_KEYS_CHANNEL, () => {
      this.reload().catch((err: unknown) => this.log.error({ err }, 'reloading signing keys failed'));
    });
    await this.reload();
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /** The key new tokens are signed with. */
  active(): SigningKey {
    if (!this.current) throw new Error('no active signing key');
    return this.current;
  }

  /** Every key a token may be verified with (the JWKS). */
  all(): SigningKey[] {
    return [...this.keys.values()];
  }

  /** The key of that id; an unknown id triggers (at most once a second) a reload first. */
  async find(kid: string): Promise<SigningKey | undefined> {
    const key = this.keys.get(kid);
    if (key || Date.now() - this.lastReload < RELOAD_INTERVAL_MS) return key;
    await this.reload();
    return this.keys.get(kid);
  }

  /** Makes a new key active; the old ones stay for verification. `audit`: the event to write with it. */
  async rotate(audit?: TransactionAudit): Promise<SigningKey> {
    const row = newKeyRow(generatePrivateKey(this.active().algorithm === 'RS256' ? 'RS256' : 'ES256'), 'generated');
    await this.store.install(row, { onlyIfNone: false }, audit);
    await this.reload();
    return this.keys.get(row.kid)!;
  }

  async remove(kids: string[]): Promise<void> {
    await this.store.remove(kids);
    await this.reload();
  }

  reload(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        const rows = await this.store.all();
        const keys = new Map(rows.map((row) => [row.kid, fromRow(row)] as const));
        this.keys = keys;
        this.current = [...keys.values()].find((k) => !k.retiredAt);
        this.lastReload = Date.now();
      } finally {
        this.reloading = null;
      }
    })();
    return this.reloading;
  }
}
