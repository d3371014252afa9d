/**
 * Static bearer tokens: the bootstrap admin and `KEYWAY_TOKEN_AUTH_FILE` in kube-apiserver's
 * `--token-auth-file` CSV format (`token,user,uid,"group1,group2"`). Tokens are held only as
 * SHA-256 digests, so a lookup compares digests, not secrets.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { AuthResponse, TokenAuthenticator } from './authenticator.js';
import { ADMIN_USERNAME, SYSTEM_MASTERS, type UserInfo } from './identity.js';
import { sha256Text } from '../util/hash.js';

export class StaticTokenAuthenticator implements TokenAuthenticator {
  private readonly users = new Map<string, UserInfo>();

  add(token: string, user: UserInfo): void {
    this.users.set(sha256Text(token), user);
  }

  async authenticateToken(token: string): Promise<AuthResponse | null> {
    const user = this.users.get(sha256Text(token));
    // audiences: see audienceAgnostic. Static tokens change only with a restart: cache freely.
    return user ? { user, audiences: [], cache: { dependsOn: [], notAfter: Infinity } } : null;
  }
}

export function adminUser(): UserInfo {
  return { username: ADMIN_USERNAME, uid: '', groups: [SYSTEM_MASTERS], extra: {} };
}

/** Parses a token file; throws with the line number on a malformed record. */
export function parseTokenFile(text: string): { token: string; user: UserInfo }[] {
  const records = parse(text, { relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  return records.map((record, i) => {
    if (record.length < 3)
      throw new Error(`token file: line ${i + 1}: expected at least 3 columns, found ${record.length}`);
    const [token, username, uid, groups] = record;
    if (!token || !username) throw new Error(`token file: line ${i + 1}: token and user must be non-empty`);
    return {
      token,
      user: {
        username,
        uid,
        groups: groups
          ? groups
              .split(',')
              .map((g) => g.trim())
              .filter(Boolean)
          : [],
        extra: {},
      },
    };
  });
}

export async function loadTokenFile(path: string): Promise<{ token: string; user: UserInfo }[]> {
  return parseTokenFile(await readFile(path, 'utf8'));
}
