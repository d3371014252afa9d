/**
 * Change-log retention (etcd's compaction, for our log): every so often, the changes older than
 * the window go (the newest `keep` are kept whatever their age), and the log's horizon moves.
 * One replica at a time runs it (see leadership.ts).
 */
import type { Logger } from '../log.js';
import type { ObjectStore } from '../store/store.js';
import { PeriodicController } from './controller.js';

export interface RetentionOptions {
  /** How long a change is kept. */
  windowMs: number;
  /** How many of the newest changes are kept, however old. */
  keep: number;
  /** How often it runs. */
  everyMs: number;
}

export class RetentionController extends PeriodicController {
  constructor(
    private readonly store: ObjectStore,
    private readonly options: RetentionOptions,
    log: Logger,
  ) {
    super('changelog-retention', log, options.everyMs);
  }

  protected async run(): Promise<void> {
    const { removed, horizon, redacted } = await this.store.trimChanges(this.options.windowMs, this.options.keep);
    if (removed || redacted) this.log.info({ removed, horizon, redacted }, 'trimmed the change log');
  }
}
