/**
 * Label selectors: each row of one table through the in-memory matcher and through the store's
 * SQL, on every engine. The two must agree with the table and with each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matches, parseSelector } from '../../src/labels/selector.js';
import { LABELS, SELECTOR_CASES } from '../fixtures/selectors.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { namespace } from '../helpers/fixtures.js';

describe.each(ENGINES)('label selectors in memory and in SQL (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, { controllers: false });
    await namespace(t, 'sel');
    await t.ok(
      'mutation ($l: StringMap) { createServiceAccount(namespace: "sel", input: { metadata: { name: ' +
        '"labelled", labels: $l } }) { id } }',
      { l: LABELS },
    );
    // a second object with no labels, so a selector that selects everything is told apart
    await t.ok('mutation { createServiceAccount(namespace: "sel", input: { metadata: { name: "bare" } }) { id } }');
  });
  afterAll(() => t.close());

  it.each(SELECTOR_CASES)('%j selects the labelled object: %s', async (selector, selected) => {
    expect(matches(parseSelector(selector), LABELS)).toBe(selected);
    const data = await t.ok(
      'query ($s: String) { serviceAccounts(namespace: "sel", labelSelector: $s) { totalCount edges ' +
        '{ node { metadata { name } } } } }',
      {
        s: selector,
      },
    );
    const names: string[] = data.serviceAccounts.edges.map(
      (e: { node: { metadata: { name: string } } }) => e.node.metadata.name,
    );
    expect(names.includes('labelled')).toBe(selected);
    // the unlabelled object: SQL and matches() agree on it too
    expect(names.includes('bare')).toBe(matches(parseSelector(selector), {}));
    expect(data.serviceAccounts.totalCount).toBe(names.length);
  });
});
