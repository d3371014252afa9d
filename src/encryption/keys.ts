/**
 * Where the encryption keys come from: `KEYWAY_ENCRYPTION_KEYS` names a file (Kubernetes'
 * EncryptionConfiguration with an `aesgcm` provider, or just the list of keys); unset, a key is
 * generated once into `<data dir>/encryption-config.yaml` (mode 0600) and that file is used from
 * then on. A database in memory gets a key in memory: nothing outlives the process anyway.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { type EncryptionKey, KEY_BYTES, KEY_NAME } from './envelope.js';

const KeySchema = z.object({
  name: z.string().regex(KEY_NAME, 'letters, digits, ".", "_" or "-", at most 63'),
  secret: z
    .string()
    .transform((v) => Buffer.from(v, 'base64'))
    .refine((b) => b.length === KEY_BYTES, `must be ${KEY_BYTES} bytes, base64-encoded`),
});
const KeyList = z.array(KeySchema).min(1, 'lists no key');

/** A provider of EncryptionConfiguration: only `aesgcm` (and `identity`, for reading plaintext) are Keyway's. */
const ProviderSchema = z
  .object({ aesgcm: z.object({ keys: KeyList }).optional(), identity: z.object({}).optional() })
  .catchall(z.unknown());

const ConfigurationSchema = z.object({
  kind: z.literal('EncryptionConfiguration'),
  resources: z.array(z.object({ resources: z.array(z.string()), providers: z.array(ProviderSchema).min(1) })).min(1),
});

export class EncryptionConfigError extends Error {}

/** The keys of a keys file's text, the one that seals first. */
export function parseEncryptionKeys(text: string, source: string): EncryptionKey[] {
  const fail = (why: string): never => {
    throw new EncryptionConfigError(`${source}: ${why}`);
  };
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return fail(`not YAML or JSON: ${(err as Error).message}`);
  }
  const problems = (error: z.ZodError) =>
    error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
  let keys: EncryptionKey[];
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && 'kind' in doc) {
    const parsed = ConfigurationSchema.safeParse(doc);
    if (!parsed.success) return fail(problems(parsed.error));
    const entry = parsed.data.resources.find((r) => r.resources.includes('secrets')) ?? parsed.data.resources[0];
    const [first, ...others] = entry.providers;
    if (!first.aesgcm) return fail('the first provider must be aesgcm: Keyway writes only encrypted values');
    for (const other of others) {
      const name = Object.keys(other)[0];
      if (name !== 'identity' && name !== 'aesgcm') fail(`provider ${name} is not supported (aesgcm and identity are)`);
    }
    keys = entry.providers.flatMap((p) => p.aesgcm?.keys ?? []);
  } else {
    const list = Array.isArray(doc) ? doc : (doc as { keys?: unknown } | null)?.keys;
    const parsed = KeyList.safeParse(list);
    if (!parsed.success)
      return fail(`expected an EncryptionConfiguration or a list of {name, secret}: ${problems(parsed.error)}`);
    keys = parsed.data;
  }
  const names = new Set<string>();
  for (const key of keys) {
    if (names.has(key.name)) fail(`key ${key.name} is listed twice`);
    names.add(key.name);
  }
  return keys;
}

/** An EncryptionConfiguration holding these keys, as Kubernetes would read it. */
export function encryptionConfiguration(keys: EncryptionKey[]): string {
  return stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [
      {
        resources: ['secrets'],
        providers: [
          { aesgcm: { keys: keys.map((k) => ({ name: k.name, secret: k.secret.toString('base64') })) } },
          { identity: {} },
        ],
      },
    ],
  });
}

/** A new random key; its generated name is unique, so that a key from elsewhere is never taken for it. */
export function generateKey(name = `key-${randomBytes(4).toString('hex')}`): EncryptionKey {
  return { name, secret: randomBytes(KEY_BYTES) };
}

export interface ResolvedKeys {
  keys: EncryptionKey[];
  /** Set when this start generated the file (and should say how to keep it). */
  generatedAt?: string;
}

/**
 * The keys to use: the configured file's; or, with none configured, the data directory's
 * generated file (made now if missing); or, for a database in memory, a fresh key.
 */
export async function resolveEncryptionKeys(
  configuredFile: string | undefined,
  dataDir: string,
  inMemory: boolean,
): Promise<ResolvedKeys> {
  if (configuredFile) {
    let text: string;
    try {
      text = await readFile(configuredFile, 'utf8');
    } catch (err) {
      throw new EncryptionConfigError(
        `KEYWAY_ENCRYPTION_KEYS: cannot read ${configuredFile}: ${(err as Error).message}`,
      );
    }
    return { keys: parseEncryptionKeys(text, `KEYWAY_ENCRYPTION_KEYS (${configuredFile})`) };
  }
  if (inMemory) return { keys: [generateKey()] };
  const path = join(dataDir, 'encryption-config.yaml');
  try {
    return { keys: parseEncryptionKeys(await readFile(path, 'utf8'), path) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // written whole under another name, then linked into place: a replica starting at the same
  // moment finds either no file or a complete one, and if it made one first, its key is kept
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, encryptionConfiguration([generateKey()]), { mode: 0o600, flag: 'wx' });
  let generated = true;
  try {
    await link(draft, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    generated = false;
  } finally {
    await unlink(draft);
  }
  const keys = parseEncryptionKeys(await readFile(path, 'utf8'), path);
  return generated ? { keys, generatedAt: path } : { keys };
}
