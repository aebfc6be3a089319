import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEvidence } from '../record.js';
import { createKeySigner } from '../signing/key-signer.js';
import { fakeResult } from '../statement/fixtures.test-support.js';
import { createReceiver, type ReceiverEvent } from './server.js';

const signer = createKeySigner(generateKeyPairSync('ed25519').privateKey);
let dir: string;
let server: Server;
let url: string;
let events: ReceiverEvent[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cavra-recv-'));
  events = [];
  server = createReceiver(
    { storeDir: join(dir, 'store'), publicKeys: [signer.publicKey], token: 's3cret' },
    (e) => events.push(e),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('reference receiver', () => {
  it('verifies and stores what the outbox sends, once', async () => {
    const s = await openEvidence({
      env: { CAVRA_CONTROL_PLANE_TOKEN: 's3cret' },
      evidenceDir: join(dir, 'ev'),
      signer,
      url,
    });
    const rec = await s.record([fakeResult('/m/a.bin', 'a'), fakeResult('/m/b.bin', 'b')], undefined, {
      reference: '/m',
    });
    expect(await s.flush()).toEqual({ delivered: 1, pending: 0, rejected: 0 });
    expect(readdirSync(join(dir, 'store'))).toEqual([`${rec.digest}.dsse.json`]);
    await s.close();
    expect(events).toEqual([{ status: 201, reason: 'stored', key: rec.digest }]);
  });

  it('answers a replay with 200 and refuses bad tokens, keys and bodies', async () => {
    const s = await openEvidence({ env: {}, evidenceDir: join(dir, 'ev'), signer });
    const rec = await s.record([fakeResult('/m/a.bin', 'a')], undefined, { reference: '/m' });
    await s.close();
    const { readFileSync } = await import('node:fs');
    const body = readFileSync(join(dir, 'ev', 'records', rec.file));
    const post = async (b: Buffer, headers: Record<string, string>) =>
      (await request(`${url}/v1/evidence`, { method: 'POST', body: b, headers })).statusCode;
    const auth = { authorization: 'Bearer s3cret', 'idempotency-key': rec.digest };
    expect(await post(body, { ...auth, authorization: 'Bearer nope' })).toBe(401);
    expect(await post(body, { ...auth, 'idempotency-key': 'f'.repeat(64) })).toBe(400);
    expect(await post(body, auth)).toBe(201);
    expect(await post(body, auth)).toBe(200);
    const other = createKeySigner(generateKeyPairSync('ed25519').privateKey);
    const s2 = await openEvidence({ env: {}, evidenceDir: join(dir, 'ev2'), signer: other });
    const rec2 = await s2.record([fakeResult('/m/a.bin', 'a')], undefined, { reference: '/m' });
    await s2.close();
    const body2 = readFileSync(join(dir, 'ev2', 'records', rec2.file));
    expect(await post(body2, { ...auth, 'idempotency-key': rec2.digest })).toBe(422);
    expect(events.at(-1)?.reason).toBe('signature: KEY_UNTRUSTED');
    expect(readdirSync(join(dir, 'store'))).toHaveLength(1);
  });
});
