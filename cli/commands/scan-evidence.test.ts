import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIO } from '../../test-support/capture-io.js';
import { run } from '../main.js';

function dsseFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.dsse.json')) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

describe('scan --key: signed evidence for every scanned model', () => {
  it("writes verifiable envelopes whose subject digests equal the files' sha256", async () => {
    const root = mkdtempSync(join(tmpdir(), 'cavra-ev-'));
    const keys = join(root, 'keys');
    const model = join(root, 'model');
    const evidenceDir = join(root, 'evidence');
    expect(await run(['keys', 'generate', '--out', keys], captureIO())).toBe(0);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(model);
    writeFileSync(join(model, 'config.json'), '{"model_type": "tiny"}');
    writeFileSync(join(model, 'notes.txt'), 'hello\n');

    const io = captureIO();
    const code = await run(
      ['scan', model, '--format', 'jsonl', '--key', join(keys, 'signing.key'), '--evidence-dir', evidenceDir],
      io,
    );
    expect(code).toBe(0);
    expect(io.err).toContain('evidence');

    const files = dsseFiles(evidenceDir);
    expect(files).toHaveLength(1);
    const envelope = JSON.parse(readFileSync(files[0]!, 'utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    const digests = statement.subject.map((s: { digest: { sha256: string } }) => s.digest.sha256).sort();
    const expected = ['config.json', 'notes.txt']
      .map((n) =>
        createHash('sha256')
          .update(readFileSync(join(model, n)))
          .digest('hex'),
      )
      .sort();
    expect(digests).toEqual(expected);
    expect(statement.predicate.decision ?? statement.predicate.policy).toBeTruthy();

    const verify = captureIO();
    expect(
      await run(['evidence', 'verify', '--public-key', join(keys, 'signing.pub'), evidenceDir], verify),
    ).toBe(0);
  });

  it('refuses a missing key before scanning anything (exit 3)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cavra-ev-'));
    writeFileSync(join(root, 'a.json'), '{}');
    const io = captureIO();
    expect(await run(['scan', root, '--format', 'jsonl', '--key', join(root, 'nope.key')], io)).toBe(3);
    expect(io.out).toBe('');
    expect(io.err).toContain('KEY_INVALID');
  });
});
