/** The Secret queries beyond get and list: token Secrets, by type and annotation. */
import { sql } from 'drizzle-orm';
import type { Secret } from '../../apis/core.js';
import { objects } from '../../db/schema.js';
import type { StoreReader } from '../../store/store.js';
import { SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE } from '../../apis/wellknown.js';

const isTokenSecret = sql`${objects.body} ->> 'type' = ${SERVICE_ACCOUNT_TOKEN_TYPE}`;

/** Token Secrets of one ServiceAccount (by name) in a namespace. */
export function tokenSecretsOf(reader: StoreReader, namespace: string, serviceAccount: string): Promise<Secret[]> {
  return reader.where(
    'Secret',
    sql`${isTokenSecret} and ${objects.annotations} ->> ${SERVICE_ACCOUNT_NAME_ANNOTATION} = ${serviceAccount}`,
    {
      namespace,
      limit: 10_000,
    },
  );
}

/** Every token Secret (for resyncs and key retirement). */
export function tokenSecrets(reader: StoreReader): AsyncGenerator<Secret> {
  return reader.all('Secret', { where: isTokenSecret });
}
