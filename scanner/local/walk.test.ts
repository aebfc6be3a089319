import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanPaths } from './scan-paths.js';
import { walk, type WalkEntry } from './walk.js';

async function collect(paths: string[]): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for await (const e of walk(paths)) out.push(e);
  return out;
}

describe('walk', () => {
  const root = mkdtempSync(join(tmpdir(), 'cavra-walk-'));
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  writeFileSync(join(root, 'a', 'one.txt'), 'one');
  writeFileSync(join(root, 'a', 'b', 'two.txt'), 'two');
  symlinkSync(join(root, 'a'), join(root, 'a', 'b', 'loop'));
  symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
  symlinkSync(join(root, 'self'), join(root, 'self'));
  execFileSync('mkfifo', [join(root, 'fifo')]);

  it('recurses in sorted order, reports loops, dangling links and special files, and never throws', async () => {
    const entries = await collect([root]);
    const rel = entries.map(
      (e) => `${e.kind}:${e.path.slice(root.length + 1)}${e.kind === 'problem' ? `:${e.code}` : ''}`,
    );
    expect(rel).toEqual([
      'problem:a/b/loop:SYMLINK_LOOP',
      'file:a/b/two.txt',
      'file:a/one.txt',
      'problem:dangling:UNREADABLE',
      'problem:fifo:SPECIAL_FILE',
      'problem:self:SYMLINK_LOOP',
    ]);
  });

  it('gives every problem an inconclusive result and scans the rest', async () => {
    const results = [];
    for await (const r of scanPaths([root, join(root, 'missing')])) results.push(r);
    expect(results.filter((r) => r.verdict === 'clean').map((r) => r.path.slice(root.length + 1))).toEqual([
      'a/b/two.txt',
      'a/one.txt',
    ]);
    expect(results.filter((r) => r.verdict === 'inconclusive')).toHaveLength(5);
    for (const r of results.filter((x) => x.verdict === 'inconclusive'))
      expect(r.coverage.issues[0]?.message.length).toBeGreaterThan(0);
  });
});
