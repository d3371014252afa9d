/**
 * The `default` ServiceAccount in every Active namespace
 * (`pkg/controller/serviceaccount/serviceaccounts_controller.go`): made when a namespace appears,
 * made again (with a new uid) when deleted, never in a Terminating namespace.
 */
import { CONTROLLER_USER } from '../authn/identity.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Registry } from '../registry/registry.js';
import type { Change, StoreReader } from '../store/store.js';
import { Controller } from './controller.js';
import { DEFAULT_SERVICE_ACCOUNT } from '../apis/wellknown.js';

export class DefaultServiceAccountController extends Controller {
  constructor(
    private readonly registry: Registry,
    private readonly reader: StoreReader,
    log: Logger,
  ) {
    super('default-serviceaccount', ['Namespace', 'ServiceAccount'], log);
  }

  protected keysFor(change: Change): string[] {
    if (change.kind === 'Namespace' && change.type !== 'DELETED') return [change.name];
    if (change.kind === 'ServiceAccount' && change.type === 'DELETED' && change.name === DEFAULT_SERVICE_ACCOUNT) {
      return [change.namespace];
    }
    return [];
  }

  protected async allKeys(): Promise<string[]> {
    const names: string[] = [];
    for await (const ns of this.reader.all('Namespace')) names.push(ns.metadata.name);
    return names;
  }

  protected async reconcile(namespace: string): Promise<void> {
    const ns = await this.registry.find('Namespace', '', namespace);
    if (ns?.status.phase !== 'Active') return;
    if (await this.registry.find('ServiceAccount', namespace, DEFAULT_SERVICE_ACCOUNT)) return;
    try {
      await this.registry.create(
        'ServiceAccount',
        namespace,
        { metadata: { name: DEFAULT_SERVICE_ACCOUNT } },
        { user: CONTROLLER_USER },
      );
      this.log.info({ namespace }, 'created the default ServiceAccount');
    } catch (err) {
      // Another replica made it, or the namespace began terminating or vanished meanwhile.
      if (err instanceof ApiError && ['ALREADY_EXISTS', 'FORBIDDEN', 'NOT_FOUND'].includes(err.code)) return;
      throw err;
    }
  }
}
