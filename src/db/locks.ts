/**
 * Every PostgreSQL advisory lock Keyway takes, in one place so that no two uses share a key.
 * Transaction-scoped (`pg_advisory_xact_lock`) and session-scoped locks share one key space.
 */
export const LOCKS = {
  /** One migrator at a time per database (session). */
  migration: 4_242_001,
  // 4_242_002 was the writers' lock, before they drew resourceVersions without one: never reuse it.
  /** Signing-key changes (transaction). */
  signingKeys: 4_242_003,
  /** The replica that runs the cleanup controllers (session, on a connection of its own). */
  leader: 4_242_010,
} as const;
