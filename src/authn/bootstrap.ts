/**
 * The bootstrap admin token: `KEYWAY_ADMIN_TOKEN` if set; otherwise the one generated on the
 * first start, kept in `<data dir>/admin-token` (mode 0600) and printed that once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AdminToken {
  token: string;
  /** Set when this start generated it (and it should be shown). */
  generatedAt?: string;
}

export async function resolveAdminToken(configured: string | undefined, dataDir: string): Promise<AdminToken> {
  if (configured) return { token: configured };
  const path = join(dataDir, 'admin-token');
  try {
    const stored = (await readFile(path, 'utf8')).trim();
    if (stored) return { token: stored };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(32).toString('base64url');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // `wx`: if a concurrent first start wrote one, keep theirs.
  try {
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { token: (await readFile(path, 'utf8')).trim() };
    throw err;
  }
  return { token, generatedAt: path };
}
