/**
 * What `GET /metrics` reports, in Prometheus' text format (prom-client), one registry per App:
 * requests and their latency by endpoint and status, GraphQL errors by code, authorization
 * decisions and the decision cache's hits, tokens issued and reviewed, watchers, the change log
 * (the resourceVersion applied, how far behind the announced one, relists), the database, and
 * Node's own (CPU, memory, event-loop delay, GC).
 *
 * Components keep plain counters of their own (RBAC's decision stats, the follower's relists) and
 * the registry reads them when scraped, so the hot paths pay an increment, never a label lookup.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DecisionStats } from '../authz/rbac/authorizer.js';
import type { ChangeFollower } from '../changelog/follower.js';
import type { WatchHub } from '../watch/hub.js';
import type { PoolStats } from '../db/client.js';

export interface MetricSources {
  follower: ChangeFollower;
  watches: WatchHub;
  decisions?: DecisionStats;
  /** Whether the database answered its last ping. */
  database: () => Promise<boolean>;
  /** The connection pool now. */
  pool: () => PoolStats;
}

/** A counter whose value is a component's own count, read when scraped. */
function countFrom(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Histogram({
    name: 'keyway_http_request_duration_seconds',
    help: 'HTTP requests by endpoint, method and status, and how long until the response began',
    labelNames: ['endpoint', 'method', 'code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'keyway_graphql_errors_total',
    help: 'GraphQL errors in responses, by extensions.code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly tokensIssued = new Counter({
    name: 'keyway_tokens_issued_total',
    help: 'ServiceAccount tokens issued (TokenRequest)',
    registers: [this.registry],
  });
  readonly tokenReviews = new Counter({
    name: 'keyway_token_reviews_total',
    help: 'TokenReviews, by whether the token was authenticated',
    labelNames: ['authenticated'] as const,
    registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'keyway_' });
    const { follower, watches, decisions } = sources;
    if (decisions) {
      countFrom(
        this.registry,
        'keyway_authorization_allowed_total',
        'Authorization decisions that allowed',
        () => decisions.allowed,
      );
      countFrom(
        this.registry,
        'keyway_authorization_denied_total',
        'Authorization decisions that denied',
        () => decisions.denied,
      );
      countFrom(
        this.registry,
        'keyway_authorization_cache_hits_total',
        'RBAC decisions answered from the decision cache',
        () => decisions.cacheHits,
      );
      countFrom(
        this.registry,
        'keyway_authorization_cache_misses_total',
        'RBAC decisions worked out from the bindings',
        () => decisions.cacheMisses,
      );
    }
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('keyway_watchers', 'Watches open now', () => watches.watchers);
    gauge(
      'keyway_changelog_resource_version',
      'The newest change this replica has applied',
      () => follower.resourceVersion,
    );
    gauge('keyway_changelog_lag_changes', 'Changes announced to this replica and not applied yet', () => follower.lag);
    gauge('keyway_changelog_stale_seconds', 'How long the change log has been unreadable (0 when it is read)', () => {
      const since = follower.staleSince;
      return since ? (Date.now() - since.getTime()) / 1000 : 0;
    });
    countFrom(
      this.registry,
      'keyway_informer_relists_total',
      'In-memory consumers reloaded from a fresh snapshot',
      () => follower.relists,
    );
    new Gauge({
      name: 'keyway_database_connections',
      help: 'Database connections of this replica, by state (busy, idle, connecting)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const now = sources.pool();
        for (const state of ['busy', 'idle', 'connecting'] as const) this.set({ state }, now[state]);
      },
    });
    gauge('keyway_database_pool_size', 'Connections the database pool may open', () => sources.pool().size);
    gauge('keyway_database_queries_waiting', 'Queries waiting for a database connection', () => sources.pool().waiting);
    new Gauge({
      name: 'keyway_database_up',
      help: 'Whether the database answered a ping (1) or not (0)',
      registers: [this.registry],
      async collect() {
        this.set((await sources.database()) ? 1 : 0);
      },
    });
  }
}
