/**
 * Audit retention (kube-apiserver's `--audit-log-maxage`, for our table): every minute, the
 * events older than the retention go. One replica at a time runs it (see leadership.ts).
 */
import type { Logger } from '../log.js';
import type { AuditStore } from '../store/audit.js';
import { PeriodicController } from './controller.js';

export const DEFAULT_AUDIT_RETENTION_MS = 30 * 24 * 3600_000;

export class AuditRetentionController extends PeriodicController {
  constructor(
    private readonly store: AuditStore,
    private readonly retentionMs: number,
    log: Logger,
    everyMs = 60_000,
  ) {
    super('audit-retention', log, everyMs);
  }

  protected async run(): Promise<void> {
    const removed = await this.store.trim(this.retentionMs);
    if (removed) this.log.info({ removed }, 'trimmed the audit log');
  }
}
