/**
 * The registry's one write pipeline, in kube-apiserver's order (`handlers/create.go`, `update.go`,
 * `registry/generic/registry/store.go`): defaults (decode), mutating admission, the strategy's
 * prepare, validation, validating admission, storage. A recording admission plugin and the real
 * strategies, on a real store, show the order for create, update and delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionPlugin } from '../../src/admission/plugin.js';
import type { Secret } from '../../src/apis/core.js';
import { ObjectCache } from '../../src/cache/objects.js';
import { ChangeFollower } from '../../src/changelog/follower.js';
import { createLogger } from '../../src/log.js';
import { testTransformer } from '../helpers/app.js';
import { Registry } from '../../src/registry/registry.js';
import type { Strategies } from '../../src/registry/strategy.js';
import { strategies } from '../../src/resources/strategies.js';
import { CONTROLLER_USER } from '../../src/authn/identity.js';
import { ObjectStore } from '../../src/store/store.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';

describe.each(ENGINES)('the write pipeline (%s)', (engine) => {
  let db: TestDatabase;
  let registry: Registry;
  let follower: ChangeFollower;
  const steps: string[] = [];

  /** The Secret strategy, each step recorded with what it saw. */
  const secret = strategies.Secret;
  const recorded: Strategies = {
    ...strategies,
    Secret: {
      ...secret,
      defaults(s) {
        steps.push(`defaults(${Object.keys(s.data ?? {}).join()})`);
        return secret.defaults!(s);
      },
      prepareForCreate(s) {
        steps.push(`prepareForCreate(${s.metadata.labels.mutated ?? '-'})`);
        return secret.prepareForCreate(s);
      },
      prepareForUpdate(s, old) {
        steps.push(`prepareForUpdate(${s.metadata.labels.mutated ?? '-'})`);
        return secret.prepareForUpdate(s, old);
      },
      validate(s) {
        steps.push('validate');
        return secret.validate(s);
      },
      validateUpdate(s, old, sent) {
        steps.push(`validateUpdate(${[...sent].join()})`);
        return secret.validateUpdate(s, old, sent);
      },
    },
  };
  const recorder: AdmissionPlugin = {
    name: 'Recorder',
    handles: (kind) => kind === 'Secret',
    async mutate({ operation, object }) {
      const secret = object as Secret;
      // admission sees the object as decoded: stringData already folded into data
      steps.push(`mutate ${operation}(${Object.keys(secret.data).join()})`);
      return { ...secret, metadata: { ...secret.metadata, labels: { ...secret.metadata.labels, mutated: 'yes' } } };
    },
    async validate({ operation, object }) {
      steps.push(`validate-admission ${operation}(${(object as Secret).metadata.labels.mutated ?? '-'})`);
    },
  };

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    const store = new ObjectStore(db.database, testTransformer());
    follower = new ChangeFollower(store, db.database, createLogger('silent'));
    const cache = new ObjectCache();
    follower.register(cache);
    await follower.start();
    registry = new Registry(store, follower, recorded, [recorder], cache);
    await registry.create('Namespace', '', { metadata: { name: 'p' } }, { user: CONTROLLER_USER });
  });
  afterAll(async () => {
    await follower.stop();
    await db.drop();
  });

  it('creates: defaults, mutating admission, prepare, validate, validating admission', async () => {
    steps.length = 0;
    const created = await registry.create(
      'Secret',
      'p',
      { metadata: { name: 's' }, stringData: { a: 'x' } },
      { user: CONTROLLER_USER },
    );
    expect(steps).toEqual([
      'defaults()',
      'mutate CREATE(a)',
      'prepareForCreate(yes)',
      'validate',
      'validate-admission CREATE(yes)',
    ]);
    expect(created.metadata.labels).toEqual({ mutated: 'yes' });
  });

  it('updates in the same order, telling validation which fields were sent', async () => {
    steps.length = 0;
    await registry.update(
      'Secret',
      'p',
      { metadata: { name: 's' }, stringData: { b: 'y' } },
      { user: CONTROLLER_USER },
    );
    expect(steps).toEqual([
      'defaults(a)',
      'mutate UPDATE(a,b)',
      'prepareForUpdate(yes)',
      'validateUpdate(stringData)',
      'validate-admission UPDATE(yes)',
    ]);
  });

  it('stops at the first refusal, storing nothing', async () => {
    steps.length = 0;
    await expect(
      registry.create(
        'Secret',
        'p',
        { metadata: { name: 'bad' }, data: { k: 'not base64!' } },
        { user: CONTROLLER_USER },
      ),
    ).rejects.toThrow('is invalid');
    expect(steps).toEqual(['defaults(k)', 'mutate CREATE(k)', 'prepareForCreate(yes)', 'validate']);
    expect(await registry.find('Secret', 'p', 'bad')).toBeNull();
  });

  it('deletes after validating admission only', async () => {
    steps.length = 0;
    await registry.delete('Secret', 'p', 's', { user: CONTROLLER_USER });
    expect(steps).toEqual(['validate-admission DELETE(yes)']);
  });
});
