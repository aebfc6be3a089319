import { describe, expect, it } from 'vitest';
import { canaryNeedles, findCanaries, makeCanaries, parseCanaries, serializeCanaries } from './canaries.js';

describe('canary search', () => {
  const c = makeCanaries();
  const needles = canaryNeedles(c);
  const hit = (hay: Buffer | string) =>
    findCanaries(typeof hay === 'string' ? Buffer.from(hay) : hay, needles).map((h) => `${h.kind}:${h.form}`);

  it('finds each canary in raw, hex, base64 (any alignment), base64url and URL-encoded forms inside larger text', () => {
    for (const prefix of ['', 'x', 'xy']) {
      const b64 = Buffer.from(`{"a":"${prefix}${c.metadata}"}`).toString('base64');
      expect(hit(`payload=${b64}`)).toContain(`metadata:full base64@${prefix.length}`);
      expect(
        hit(Buffer.concat([Buffer.from(prefix), Buffer.from(c.tensor)]).toString('base64url')),
      ).toContain(`tensor:full base64url@${prefix.length}`);
    }
    expect(hit(`x=${encodeURIComponent(c.pickle)}`)).toContain('pickle:encodeURIComponent');
    expect(hit(`q=${new URLSearchParams({ v: c.template })}`)).toContain('template:form-encoded');
    expect(hit(Buffer.from(c.tensor).toString('hex').toUpperCase())).toContain('tensor:full HEX');
    expect(hit(`echo ${c.text.split('/')[1]!.slice(0, 32)}`)).toContain('text:core raw');
    expect(hit(Buffer.from(`v=${Buffer.from(c.tensor).toString('latin1')}`, 'utf8'))).toContain(
      'tensor:latin1-as-utf8',
    );
  });

  it('finds nothing in unrelated data and round-trips through a child-process config', () => {
    expect(
      hit(JSON.stringify({ ruleId: 'PICKLE-OS-EXEC', callable: 'posix.system', sha256: 'a'.repeat(64) })),
    ).toEqual([]);
    expect(parseCanaries(serializeCanaries(c))).toEqual({ ...c, tensor: Buffer.from(c.tensor) });
    expect(needles.length).toBeGreaterThan(5 * 20);
  });
});
