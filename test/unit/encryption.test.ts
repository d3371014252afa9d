/** The aesgcm envelope and the keys file, as tables. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Envelope } from '../../src/encryption/envelope.js';
import {
  encryptionConfiguration,
  generateKey,
  parseEncryptionKeys,
  resolveEncryptionKeys,
} from '../../src/encryption/keys.js';
import { StorageTransformer } from '../../src/encryption/transformer.js';

const k1 = generateKey('k1');
const k2 = generateKey('k2');
const b64 = (b: Buffer) => b.toString('base64');

describe('Envelope', () => {
  it('seals under the first key with a fresh nonce, and opens with any key', () => {
    const sealed = new Envelope([k1]).seal('hunter2', 'secrets/ns/a');
    expect(sealed).toMatch(/^k8s:enc:aesgcm:v1:k1:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain('hunter2');
    expect(new Envelope([k1]).seal('hunter2', 'secrets/ns/a')).not.toBe(sealed);
    expect(new Envelope([k2, k1]).open(sealed, 'secrets/ns/a')).toBe('hunter2');
  });

  it.each([
    ['another object', (s: string) => s, 'secrets/ns/b', /does not authenticate/],
    ['an unknown key', (s: string) => s.replace(':k1:', ':k9:'), 'secrets/ns/a', /key "k9", which is not among/],
    [
      'an altered ciphertext',
      (s: string) => {
        const raw = Buffer.from(s.split(':').at(-1)!, 'base64');
        raw[20] ^= 1;
        return `k8s:enc:aesgcm:v1:k1:${b64(raw)}`;
      },
      'secrets/ns/a',
      /does not authenticate/,
    ],
    ['a truncated value', () => 'k8s:enc:aesgcm:v1:k1:AAAA', 'secrets/ns/a', /truncated/],
  ])('refuses %s', (_name, change, context, error) => {
    const sealed = change(new Envelope([k1]).seal('hunter2', 'secrets/ns/a'));
    expect(() => new Envelope([k1]).open(sealed, context)).toThrow(error);
  });

  it('reads a value stored before encryption as it is', () => {
    expect(new Envelope([k1]).open('-----BEGIN PRIVATE KEY-----', 'signingkeys/x')).toBe('-----BEGIN PRIVATE KEY-----');
  });

  it.each([
    [[], /at least one key/],
    [[{ name: 'short', secret: randomBytes(16) }], /not 32 bytes/],
    [[{ name: 'a:b', secret: randomBytes(32) }], /not valid/],
    [[k1, k1], /listed twice/],
  ])('refuses the key list %#', (keys, error) => {
    expect(() => new Envelope(keys)).toThrow(error);
  });
});

describe('StorageTransformer', () => {
  const transformer = new StorageTransformer(new Envelope([k1]));
  const secret = { kind: 'Secret', metadata: { namespace: 'ns', name: 'a' }, type: 'Opaque', data: { k: 'dg==' } };

  it("seals a Secret's data only, bound to the Secret", () => {
    const stored = transformer.toStorage(secret);
    expect(stored.type).toBe('Opaque');
    expect(stored.data).toMatch(/^k8s:enc:aesgcm:v1:k1:/);
    expect(transformer.fromStorage(stored)).toEqual(secret);
    const moved = { ...stored, metadata: { namespace: 'ns', name: 'b' } };
    expect(() => transformer.fromStorage(moved)).toThrow(/does not authenticate/);
  });

  it('leaves other kinds, data-less Secrets and plaintext data as they are', () => {
    const sa = { kind: 'ServiceAccount', metadata: { namespace: 'ns', name: 'a' }, data: { x: 1 } };
    expect(transformer.toStorage(sa)).toBe(sa);
    const empty = { kind: 'Secret', metadata: { namespace: 'ns', name: 'a' }, type: 'Opaque' };
    expect(transformer.toStorage(empty)).toBe(empty);
    expect(transformer.fromStorage(secret)).toEqual(secret);
  });
});

describe('the keys file', () => {
  const config = (providers: unknown[]) =>
    JSON.stringify({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'EncryptionConfiguration',
      resources: [{ resources: ['secrets'], providers }],
    });
  const aesgcm = (...keys: { name: string; secret: Buffer }[]) => ({
    aesgcm: { keys: keys.map((k) => ({ name: k.name, secret: b64(k.secret) })) },
  });

  it.each([
    ['an EncryptionConfiguration', config([aesgcm(k2, k1), { identity: {} }]), ['k2', 'k1']],
    ['two aesgcm providers', config([aesgcm(k2), aesgcm(k1)]), ['k2', 'k1']],
    ['a list', `- name: k1\n  secret: ${b64(k1.secret)}\n`, ['k1']],
    ['a keys object', JSON.stringify({ keys: [{ name: 'k2', secret: b64(k2.secret) }] }), ['k2']],
    ['what Keyway generates', encryptionConfiguration([k1, k2]), ['k1', 'k2']],
  ])('reads %s', (_name, text, names) => {
    const keys = parseEncryptionKeys(text, 'keys.yaml');
    expect(keys.map((k) => k.name)).toEqual(names);
    expect(keys[0].secret.length).toBe(32);
  });

  it.each([
    ['identity first', config([{ identity: {} }, aesgcm(k1)]), 'the first provider must be aesgcm'],
    ['another provider', config([aesgcm(k1), { aescbc: { keys: [] } }]), 'provider aescbc is not supported'],
    ['a 16-byte key', `- name: k1\n  secret: ${b64(randomBytes(16))}\n`, 'must be 32 bytes'],
    ['no key', '[]', 'lists no key'],
    [
      'a key twice',
      `[${JSON.stringify({ name: 'k1', secret: b64(k1.secret) })
        .repeat(2)
        .replace('}{', '},{')}]`,
      'listed twice',
    ],
    ['a bad name', `- name: "a b"\n  secret: ${b64(k1.secret)}\n`, 'letters, digits'],
    ['not YAML', 'keys: [', 'not YAML'],
  ])('refuses %s, naming the file', (_name, text, message) => {
    expect(() => parseEncryptionKeys(text, 'keys.yaml')).toThrow(message);
    expect(() => parseEncryptionKeys(text, 'keys.yaml')).toThrow(/^keys\.yaml: /);
  });
});

describe('where the keys come from', () => {
  it('generates one key for replicas starting at once in one data directory, and says so once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyway-keys-'));
    const resolved = await Promise.all([1, 2, 3, 4].map(() => resolveEncryptionKeys(undefined, dir, false)));
    expect(new Set(resolved.map((r) => r.keys[0].secret.toString('hex'))).size).toBe(1);
    expect(resolved.filter((r) => r.generatedAt).length).toBe(1);
    expect(await readdir(dir)).toEqual(['encryption-config.yaml']);
    const again = await resolveEncryptionKeys(undefined, dir, false);
    expect(again.generatedAt).toBeUndefined();
    expect(again.keys[0].secret).toEqual(resolved[0].keys[0].secret);
  });

  it('keeps a database in memory to a key in memory, and names a configured file it cannot read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyway-keys-'));
    expect((await resolveEncryptionKeys(undefined, dir, true)).keys).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
    await expect(resolveEncryptionKeys(join(dir, 'missing.yaml'), dir, false)).rejects.toThrow(
      /^KEYWAY_ENCRYPTION_KEYS: cannot read .*missing\.yaml/,
    );
  });
});
