import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from './ledger.js';
import { verifyLedger } from './verify.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cavra-crash-'));
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const keyFile = join(dir, 'signing.key');
writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
const ledgerDir = join(dir, 'evidence');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the writer until it has acknowledged `acks` more records, then SIGKILL it right away. */
function runAndKill(acks: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        join(here, 'testdata', 'register-ts.mjs'),
        join(here, 'testdata', 'crash-writer.ts'),
        ledgerDir,
        keyFile,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acked = new Map<number, string>();
    let buf = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const [, seq, digest] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        acked.set(Number(seq), digest as string);
        if (acked.size === acks) child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited without being killed: ${err}`)),
    );
  });
}

describe('ledger crash safety', () => {
  it('kill -9 mid-write loses no acknowledged record and leaves nothing half-written', async () => {
    const acked = new Map<number, string>();
    for (const n of [4, 6]) {
      for (const [k, v] of await runAndKill(n)) acked.set(k, v);
      // Before recovery: every indexed record is intact; at most unindexed leftovers from the interrupted write.
      const before = verifyLedger(ledgerDir, [publicKey]);
      expect(before.problems.filter((p) => p.code !== 'ORPHAN_FILE')).toEqual([]);
      Ledger.open(ledgerDir).close(); // recovery, as the next run does
      expect(verifyLedger(ledgerDir, [publicKey])).toMatchObject({ ok: true, problems: [] });
      const ledger = Ledger.open(ledgerDir);
      const bySeq = new Map(ledger.records().map((r) => [r.seq, r]));
      for (const [seq, digest] of acked) {
        const rec = bySeq.get(seq);
        expect(rec?.envelopeSha256).toBe(digest);
        expect(
          createHash('sha256')
            .update(readFileSync(join(ledgerDir, 'records', rec!.file)))
            .digest('hex'),
        ).toBe(digest);
      }
      ledger.close();
      expect(readdirSync(join(ledgerDir, 'records')).some((n) => n.startsWith('.tmp-'))).toBe(false);
    }
    expect(acked.size).toBe(10);
  });
});
