/**
 * Namespace lifecycle (`pkg/controller/namespace`): a Terminating namespace loses its content,
 * then itself. The system namespaces (`pkg/controlplane/controller/systemnamespaces`) exist from
 * the first start and are made again if they go.
 */
import type { Kind } from '../apis/kinds.js';
import { CONTROLLER_USER } from '../authn/identity.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Registry } from '../registry/registry.js';
import type { ObjectStore, Change } from '../store/store.js';
import { Controller } from './controller.js';
import { SYSTEM_NAMESPACES } from '../apis/wellknown.js';

const BATCH = 200;

export class NamespaceController extends Controller {
  constructor(
    private readonly registry: Registry,
    private readonly store: ObjectStore,
    log: Logger,
  ) {
    super('namespace', ['Namespace'], log);
  }

  protected keysFor(change: Change): string[] {
    if (change.kind !== 'Namespace') return [];
    if (change.type === 'DELETED') return SYSTEM_NAMESPACES.includes(change.name) ? [change.name] : [];
    return change.object.metadata.deletionTimestamp ? [change.name] : [];
  }

  protected async allKeys(): Promise<string[]> {
    const keys = [...SYSTEM_NAMESPACES];
    for await (const ns of this.store.read.all('Namespace'))
      if (ns.metadata.deletionTimestamp) keys.push(ns.metadata.name);
    return keys;
  }

  protected async reconcile(name: string): Promise<void> {
    const ns = await this.registry.find('Namespace', '', name);
    if (!ns) {
      if (SYSTEM_NAMESPACES.includes(name)) await this.ensure(name);
      return;
    }
    if (!ns.metadata.deletionTimestamp) return;
    // Content goes in batches, each its own transaction; the namespace goes last, in a
    // transaction that finds nothing left (NamespaceLifecycle keeps new content out).
    for (;;) {
      const content = await this.store.read.inNamespace(name, BATCH);
      if (content.length === 0) break;
      await this.registry.write(async (tx) => {
        for (const obj of content) await this.registry.purge(tx, obj.kind as Kind, name, obj.metadata.name);
      });
    }
    await this.registry.write(async (tx) => {
      if ((await tx.inNamespace(name, 1)).length) throw new Error(`namespace ${name} still has content`);
      await this.registry.purge(tx, 'Namespace', '', name);
    });
    this.log.info({ namespace: name }, 'namespace removed');
    if (SYSTEM_NAMESPACES.includes(name)) await this.ensure(name);
  }

  private ensure(name: string): Promise<void> {
    return ensureNamespace(this.registry, name);
  }
}

/** Creates a namespace unless it exists (another replica may be making it too). */
export async function ensureNamespace(registry: Registry, name: string): Promise<void> {
  if (await registry.find('Namespace', '', name)) return;
  try {
    await registry.create('Namespace', '', { metadata: { name } }, { user: CONTROLLER_USER });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'ALREADY_EXISTS') return;
    throw err;
  }
}
