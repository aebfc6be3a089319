import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../cli/main.js';
import { CONFIG_JSON, EVIL_PICKLE, noiseBytes } from '../connectors/testkit/fixtures.js';
import { HfServer } from '../connectors/testkit/hf-server.js';
import { generateSigningKeys } from '../evidence/signing/generate.js';
import { captureIO } from '../test-support/capture-io.js';
import type { GateOutcome } from './types.js';

const SHA_OK = 'a'.repeat(40);
const SHA_EVIL = 'b'.repeat(40);

/** A port nothing listens on: bind, read the port, close. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function local(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'cavra-gate-'));
  const files = {
    benign: join(dir, 'config.json'),
    malicious: join(dir, 'model.pkl'),
    malformed: join(dir, 'blob.bin'),
  };
  writeFileSync(files.benign, '{"model_type": "bert", "hidden_size": 8}\n');
  writeFileSync(files.malicious, Buffer.from("cposix\nsystem\n(S'echo x'\ntR.", 'latin1'));
  writeFileSync(files.malformed, noiseBytes(4096, 7));
  return files;
}

describe('cavra-scan gate: exit codes', () => {
  const files = local();

  it('benign local model: ALLOW, exit 0', async () => {
    const io = captureIO();
    expect(await run(['gate', files.benign!, '--no-evidence'], io)).toBe(0);
    expect(io.out).toMatch(/^ALLOW \S+config\.json risk=\d\d — /);
    expect(io.out.trim().split('\n')).toHaveLength(1);
  });

  it('malicious pickle: BLOCK naming the rule and callable, exit 1', async () => {
    const io = captureIO();
    expect(await run(['gate', files.malicious!, '--no-evidence'], io)).toBe(1);
    expect(io.out).toMatch(/^BLOCK \S+model\.pkl risk=\d\d — PICKLE-[A-Z-]+ \((critical|high)\)/);
    expect(io.out).toMatch(/\[(posix|os)\.system\]/);
  });

  it('malformed bytes: cannot decide, BLOCK, exit 2; JSON says why', async () => {
    const io = captureIO();
    expect(await run(['gate', files.malformed!, '--no-evidence', '--format', 'json'], io)).toBe(2);
    const o = JSON.parse(io.out) as GateOutcome;
    expect(o).toMatchObject({ decision: 'block', exit_code: 2, evidence: null });
    expect(o.reasons[0]).toMatchObject({ kind: 'inconclusive', action: 'block' });
    expect(o.risk_score).toBeGreaterThanOrEqual(60);
  });

  it('unreachable registry: cannot decide, BLOCK, exit 2 (fail closed)', async () => {
    const port = await closedPort();
    const io = captureIO({ HF_ENDPOINT: `http://127.0.0.1:${port}` });
    expect(await run(['gate', 'hf://acme/model', '--registry-attempts', '1', '--format', 'json'], io)).toBe(
      2,
    );
    const o = JSON.parse(io.out) as GateOutcome;
    expect(o.decision).toBe('block');
    expect(o.error?.code).toMatch(/NETWORK|UNAVAILABLE|BAD_RESPONSE/);
    expect(io.err).toContain('cannot decide');
  });

  it('usage errors exit 3 and decide nothing', async () => {
    const io = captureIO();
    expect(await run(['gate', files.benign!, '--max-age', 'soon'], io)).toBe(3);
    expect(io.err).toContain('--max-age');
    expect(await run(['gate', files.benign!, '--policy', '/no/such/policy.yaml'], captureIO())).toBe(3);
  });
});

describe('cavra-scan gate: registry references and evidence reuse', () => {
  let hub: HfServer;
  let env: Record<string, string>;
  let evidenceDir: string;

  beforeAll(async () => {
    hub = await HfServer.start({
      repos: [
        {
          id: 'acme/ok',
          sha: SHA_OK,
          files: [
            { path: 'config.json', bytes: CONFIG_JSON },
            { path: 'weights.bin', bytes: CONFIG_JSON, lfs: true },
          ],
        },
        { id: 'acme/evil', sha: SHA_EVIL, files: [{ path: 'model.pkl', bytes: EVIL_PICKLE, lfs: true }] },
      ],
    });
    const keys = generateSigningKeys(mkdtempSync(join(tmpdir(), 'cavra-gate-keys-')));
    evidenceDir = mkdtempSync(join(tmpdir(), 'cavra-gate-ev-'));
    env = { HF_ENDPOINT: hub.url, CAVRA_EGRESS_ALLOW: hub.cdn.url, CAVRA_SIGNING_KEY: keys.privatePath, CAVRA_EVIDENCE_DIR: evidenceDir };
  });
  afterAll(() => hub.close());

  const downloads = (): number => hub.hub.seen(/\/resolve\//).length + hub.cdn.requests.length;

  async function gate(
    ref: string,
    ...flags: string[]
  ): Promise<{ code: number; o: GateOutcome; err: string }> {
    const io = captureIO(env);
    const code = await run(['gate', ref, '--format', 'json', '--registry-attempts', '1', ...flags], io);
    return { code, o: JSON.parse(io.out) as GateOutcome, err: io.err };
  }

  it('scans once, records signed evidence, then reuses it without downloading', async () => {
    const first = await gate('hf://acme/ok');
    expect(first.code).toBe(0);
    expect(first.o.resolved).toBe(`hf://acme/ok@${SHA_OK}`);
    expect(first.o.evidence).toMatchObject({ reused: false });
    expect(first.o.evidence!.id).toMatch(/^[0-9a-f]{64}$/);
    const after1 = downloads();
    expect(after1).toBeGreaterThanOrEqual(2);

    const second = await gate('hf://acme/ok');
    expect(second.code).toBe(0);
    expect(second.o.evidence).toMatchObject({ id: first.o.evidence!.id, reused: true });
    expect(second.o.bytes_scanned).toBe(0);
    expect(downloads()).toBe(after1); // metadata was listed again, no byte was downloaded

    // --max-age 0 never reuses.
    const fresh = await gate('hf://acme/ok', '--max-age', '0');
    expect(fresh.o.evidence?.reused).toBe(false);
    expect(downloads()).toBeGreaterThan(after1);
  });

  it('reuses a block too, and a different policy does not reuse', async () => {
    const first = await gate('hf://acme/evil');
    expect(first.code).toBe(1);
    const before = downloads();
    const again = await gate('hf://acme/evil');
    expect(again).toMatchObject({ code: 1, o: { decision: 'block', evidence: { reused: true } } });
    expect(again.o.summary).toMatch(/\[(posix|os)\.system\]/);
    expect(downloads()).toBe(before);
    const strict = await gate('hf://acme/evil', '--policy', 'strict');
    expect(strict.o.evidence?.reused).toBe(false);
    expect(downloads()).toBeGreaterThan(before);
  });

  it('a tampered envelope is not reused: the model is scanned again', async () => {
    await gate('hf://acme/ok');
    const ok = await gate('hf://acme/ok');
    expect(ok.o.evidence?.reused).toBe(true);
    const recDir = join(evidenceDir, 'records');
    const file = readdirSync(recDir).find((n) => n.includes(ok.o.evidence!.id.slice(0, 16)))!;
    const env0 = JSON.parse(readFileSync(join(recDir, file), 'utf8')) as { payload: string };
    const stmt = JSON.parse(Buffer.from(env0.payload, 'base64').toString('utf8'));
    stmt.predicate.riskScore = 1; // a changed statement: the digest and the signature no longer match
    writeFileSync(
      join(recDir, file),
      JSON.stringify({ ...env0, payload: Buffer.from(JSON.stringify(stmt)).toString('base64') }) + '\n',
    );
    // every other record of this model must also fail: tamper them all the same way (newest first would be picked)
    for (const n of readdirSync(recDir)) {
      if (n === file) continue;
      const e = JSON.parse(readFileSync(join(recDir, n), 'utf8')) as { payload: string };
      const s = JSON.parse(Buffer.from(e.payload, 'base64').toString('utf8'));
      if (s.predicate.source.reference !== ok.o.resolved) continue;
      writeFileSync(
        join(recDir, n),
        readFileSync(join(recDir, n))
          .toString('utf8')
          .replace(/"payload":"./, '"payload":"A'),
      );
    }
    const before = downloads();
    const after = await gate('hf://acme/ok');
    expect(after.code).toBe(0);
    expect(after.o.evidence?.reused).toBe(false);
    expect(after.o.evidence_rejected).toMatch(/tampered|SIGNATURE_INVALID/);
    expect(downloads()).toBeGreaterThan(before);
    expect(after.err).toContain('not reused');
  });

  it('unknown revision: cannot decide, exit 2 with NOT_FOUND', async () => {
    const r = await gate('hf://acme/ok@nope');
    expect(r.code).toBe(2);
    expect(r.o.error?.code).toBe('NOT_FOUND');
  });
});
