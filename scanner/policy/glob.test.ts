import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';

describe('globMatch', () => {
  const rows: [string, string, boolean][] = [
    ['models/*.pkl', 'models/a.pkl', true],
    ['models/*.pkl', 'models/x/a.pkl', false],
    ['models/**', 'models/x/a.pkl', true],
    ['**/*.pkl', 'a/b/c.pkl', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['acme.(x)+[y]', 'acme.(x)+[y]', true],
    ['acme.(x)+[y]', 'acmeX(x)+[y]', false],
    ['org/bert-*', 'org/bert-base', true],
  ];
  for (const [p, v, want] of rows) it(`${p} ~ ${v} = ${want}`, () => expect(globMatch(p, v)).toBe(want));

  it('case-insensitive when asked', () => {
    expect(globMatch('production', 'Production')).toBe(false);
    expect(globMatch('production', 'Production', true)).toBe(true);
  });
});
