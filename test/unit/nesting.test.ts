/** How deep a document's brackets nest, read as graphql-js' lexer reads strings and comments. */
import { describe, expect, it } from 'vitest';
import { nesting } from '../../src/http/limits.js';

describe('nesting', () => {
  it.each([
    ['nothing', '', 0],
    ['a selection', '{ a }', 1],
    ['selections and arguments', '{ a(b: [1, {c: 2}]) { d } }', 4],
    ['siblings do not add up', '{ a { b } c { d } }', 2],
    ['a comment', '{ a # {{{{{{ \n }', 1],
    ['a string', '{ a(b: "{{{{[[[") }', 2],
    ['an escaped quote in a string', '{ a(b: "\\"{{{{") }', 2],
    ['a block string', '{ a(b: """ {{{{ " \\""" {{ """) }', 2],
    ['brackets after a block string', '{ a(b: """x""") { c { d } } }', 3],
    ['a deep document', `${'{a'.repeat(500)}${'}'.repeat(500)}`, 101],
  ])('%s', (_name, source, depth) => {
    expect(nesting(source, 100)).toBe(depth);
  });
});
