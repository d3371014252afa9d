/** The IssuedToken queries beyond get and list: by account, by expiry, by signing key. */
import { sql } from 'drizzle-orm';
import type { IssuedToken } from '../../apis/authentication.js';
import { objects } from '../../db/schema.js';
import type { StoreReader } from '../../store/store.js';

const spec = (field: string) => sql`(${objects.body} -> 'spec' ->> ${field})`;
const notRevoked = sql`coalesce((${objects.body} -> 'status' ->> 'revoked')::boolean, false) = false`;

/** Records of tokens issued for a ServiceAccount (by name) and not revoked yet. */
export function unrevokedTokensOf(
  reader: StoreReader,
  namespace: string,
  serviceAccount: string,
  limit: number,
): Promise<IssuedToken[]> {
  return reader.where('IssuedToken', sql`${spec('serviceAccountName')} = ${serviceAccount} and ${notRevoked}`, {
    namespace,
    limit,
  });
}

/** Records whose token expired before `before` (RFC 3339 strings of one format order by time). */
export function expiredTokens(reader: StoreReader, before: string, limit: number): Promise<IssuedToken[]> {
  return reader.where('IssuedToken', sql`${spec('expirationTimestamp')} < ${before}`, { limit });
}

/** Whether any token signed with this key may still be valid at `now`. */
export async function keyStillSigns(reader: StoreReader, kid: string, now: string): Promise<boolean> {
  const found = await reader.where(
    'IssuedToken',
    sql`${spec('keyID')} = ${kid} and ${spec('expirationTimestamp')} >= ${now}`,
    { limit: 1 },
  );
  return found.length > 0;
}
