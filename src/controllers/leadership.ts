/**
 * One leader at a time for the cleanup controllers (issued-token GC, legacy token Secrets,
 * change-log retention), as kube-controller-manager elects one with a lease. The lease is a
 * PostgreSQL advisory lock on a connection of its own (`Database.lease`): checked every few
 * seconds, taken when free, lost when that connection dies. The reconcilers that must converge
 * everywhere (default ServiceAccounts, namespace lifecycle) do not need it.
 */
import type { Lease } from '../db/client.js';
import type { Logger } from '../log.js';

export class Leadership {
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly lease: Lease,
    private readonly log: Logger,
    private readonly onGain: () => Promise<void>,
    private readonly onLose: () => Promise<void>,
    private readonly everyMs = 2000,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
  }

  /** Takes the lease if free, notices if it was lost; one check at a time. */
  check(): Promise<void> {
    this.checking ??= (async () => {
      try {
        const held = await this.lease.hold();
        if (held && !this.leading) {
          this.leading = true;
          this.log.info('leading the cleanup controllers');
          await this.onGain();
        } else if (!held && this.leading) {
          this.leading = false;
          this.log.warn('lost the lead of the cleanup controllers');
          await this.onLose();
        }
      } catch (err) {
        this.log.error({ err }, 'leader election failed; trying again');
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
    if (this.leading) {
      this.leading = false;
      await this.onLose();
    }
    await this.lease.release();
  }
}
