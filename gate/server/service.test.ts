import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_JSON, EVIL_PICKLE } from '../../connectors/testkit/fixtures.js';
import { HfServer } from '../../connectors/testkit/hf-server.js';
import { loadPolicy } from '../../scanner/policy/load.js';
import { runGate } from '../engine.js';
import { sourceOpener } from '../sources/open-source.js';
import type { GateOutcome } from '../types.js';
import { listen, type Listening } from './listen.js';
import { mlflowSignature } from './mlflow-signature.js';
import { mlflowTagWriter } from './mlflow-tags.js';
import { GateService } from './service.js';
import type { GateRunner, GateServiceOptions } from './types.js';

const TOKEN = 'test-token-0123456789abcdef';
const SECRET = 'webhook-secret-123';
const policy = loadPolicy('baseline');
const auth = { authorization: `Bearer ${TOKEN}` };

function outcome(reference: string, over: Partial<GateOutcome> = {}): GateOutcome {
  return {
    reference,
    resolved: reference,
    decision: 'allow',
    exit_code: 0,
    risk_score: 0,
    summary: 'no blocking findings; every file fully scanned',
    reasons: [],
    policy: { id: policy.id, sha256: policy.sha256 },
    evidence: null,
    artifacts: [],
    bytes_scanned: 10,
    checked_at: new Date().toISOString(),
    ...over,
  };
}

let open: Listening[] = [];
let extra: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.map((l) => l.shutdown(100)));
  await Promise.all(extra.map((s) => s.close()));
  open = [];
  extra = [];
});

async function start(
  runGate: GateRunner,
  over: Partial<GateServiceOptions> = {},
): Promise<{ url: string; service: GateService; listening: Listening }> {
  const service = new GateService({
    token: TOKEN,
    runGate,
    defaultPolicy: policy,
    resolvePolicy: (n) => loadPolicy(n),
    ready: () => null,
    evidencePending: () => 3,
    limits: { maxBodyBytes: 2048 },
    ...over,
  });
  const listening = await listen(service, { host: '127.0.0.1', port: 0 });
  open.push(listening);
  return { url: listening.url, service, listening };
}

const post = (url: string, body: unknown, headers: Record<string, string> = auth): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('serve: routes, auth and bad input', () => {
  it('health and readiness answer without a token; everything else needs it', async () => {
    let ready: string | null = null;
    const { url } = await start(async (c) => outcome(c.reference), { ready: () => ready });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    ready = 'no key';
    const r = await fetch(`${url}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ reason: 'no key' });
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer wrong-token-0123456789' },
      { authorization: `Basic ${TOKEN}` },
      { authorization: `Bearer ${TOKEN}x` },
    ]) {
      expect((await post(`${url}/v1/gate`, { reference: 'hf://a/b' }, headers)).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers })).status).toBe(401);
    }
    const ok = await post(`${url}/v1/gate`, { reference: 'hf://a/b' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ decision: 'allow', reference: 'hf://a/b' });
  });

  it('malformed, oversized and unexpected bodies get JSON errors (400/413/415), unknown routes 404, wrong methods 405', async () => {
    const { url } = await start(async (c) => outcome(c.reference));
    const cases: [Response, number][] = [
      [await post(`${url}/v1/gate`, '{"reference": '), 400],
      [await post(`${url}/v1/gate`, '[1,2]'), 400],
      [await post(`${url}/v1/gate`, { reference: 'hf://a/b', extra: 1 }), 400],
      [await post(`${url}/v1/gate`, { reference: 42 }), 400],
      [await post(`${url}/v1/gate`, { reference: 'hf://a/b', policy: '/etc/passwd' }), 400],
      [await post(`${url}/v1/gate`, { reference: 'x'.repeat(5000) }), 413],
      [
        await fetch(`${url}/v1/gate`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'text/plain' },
          body: '{}',
        }),
        415,
      ],
      [await fetch(`${url}/nope`, { headers: auth }), 404],
      [await fetch(`${url}/v1/gate`, { headers: auth }), 405],
    ];
    for (const [res, status] of cases) {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toMatch(/^[A-Z_]+$/);
    }
  });

  it('an answer the gate could not decide is a block with the status of the cause', async () => {
    const { url } = await start(async (c) =>
      outcome(c.reference, {
        decision: 'block',
        exit_code: 2,
        error: { code: c.reference.includes('gone') ? 'NOT_FOUND' : 'UNAVAILABLE', message: 'x' },
      }),
    );
    const gone = await post(`${url}/v1/gate`, { reference: 'hf://a/gone' });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ decision: 'block', exit_code: 2 });
    expect((await post(`${url}/v1/gate`, { reference: 'hf://a/down' })).status).toBe(502);
  });

  it('concurrent requests for one reference share one gate run; metrics count it', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { url } = await start(async (c) => {
      calls++;
      await gate;
      return outcome(c.reference, { decision: 'block', exit_code: 1, risk_score: 95 });
    });
    const pending = Array.from({ length: 5 }, () => post(`${url}/v1/gate`, { reference: 'hf://a/same' }));
    const other = post(`${url}/v1/gate`, { reference: 'hf://a/other' });
    await new Promise((r) => setTimeout(r, 100));
    release();
    const answers = await Promise.all(pending.map(async (p) => (await p).json() as Promise<GateOutcome>));
    await other;
    expect(calls).toBe(2);
    expect(new Set(answers.map((a) => a.checked_at)).size).toBe(1);
    const metrics = await (await fetch(`${url}/metrics`, { headers: auth })).text();
    expect(metrics).toContain('cavra_gate_shared_requests_total 4');
    expect(metrics).toMatch(/cavra_gate_decisions_total\{decision="block",source="scan"\} 2/);
    expect(metrics).toContain('cavra_evidence_pending 3');
    expect(metrics).toMatch(/cavra_gate_scan_duration_seconds_count 2/);
    expect(metrics).toMatch(/cavra_http_requests_total\{route="\/v1\/gate",status="200"\} 6/);
  });
});

describe('serve: real gate runs on a local hub', () => {
  it('shares one scan between concurrent requests (one download per file)', async () => {
    const hub = await HfServer.start({
      repos: [
        {
          id: 'acme/evil',
          sha: 'c'.repeat(40),
          files: [
            { path: 'model.pkl', bytes: EVIL_PICKLE, lfs: true },
            { path: 'config.json', bytes: CONFIG_JSON },
          ],
        },
      ],
    });
    extra.push(hub);
    hub.cdn.inject({ path: /.*/, times: 1, delayMs: 300 });
    const openSource = sourceOpener({
      env: { HF_ENDPOINT: hub.url, CAVRA_EGRESS_ALLOW: hub.cdn.url },
      allowLocal: false,
      retry: { attempts: 1 },
    });
    const { url } = await start((c) =>
      runGate({ reference: c.reference, policy: c.policy, maxAgeMs: 0, signal: c.signal }, { openSource }),
    );
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => post(`${url}/v1/gate`, { reference: 'hf://acme/evil' })),
    );
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as GateOutcome[];
    for (const b of bodies)
      expect(b).toMatchObject({
        decision: 'block',
        exit_code: 1,
        resolved: `hf://acme/evil@${'c'.repeat(40)}`,
      });
    expect(hub.cdn.requests).toHaveLength(1);
    expect(hub.hub.seen(/\/resolve\//)).toHaveLength(2);
    // local paths are refused by the service
    const local = await post(`${url}/v1/gate`, { reference: '/etc/passwd' });
    expect(local.status).toBe(400);
    expect(await local.json()).toMatchObject({ decision: 'block', error: { code: 'BAD_REFERENCE' } });
  });
});

/** A stand-in MLflow tracking server that records set-tag calls. */
async function mlflowStub(): Promise<{
  url: string;
  tags: Record<string, string>[];
  close(): Promise<void>;
}> {
  const tags: Record<string, string>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (
        req.method === 'POST' &&
        req.url === '/api/2.0/mlflow/model-versions/set-tag' &&
        req.headers.authorization === 'Bearer mlflow-token'
      ) {
        tags.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else res.writeHead(404).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tags,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function signed(
  body: string,
  at = Math.floor(Date.now() / 1000),
  id = `d-${Math.random()}`,
  secret = SECRET,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-mlflow-delivery-id': id,
    'x-mlflow-timestamp': String(at),
    'x-mlflow-signature': mlflowSignature(secret, id, String(at), body),
  };
}

describe('serve: MLflow webhook receiver', () => {
  const aliasEvent = JSON.stringify({
    entity: 'model_version_alias',
    action: 'created',
    timestamp: new Date().toISOString(),
    data: { name: 'fraud', alias: 'champion', version: '3' },
  });

  it('verifies the HMAC and timestamp, gates alias events and writes the decision back as tags', async () => {
    const mlflow = await mlflowStub();
    extra.push(mlflow);
    const calls: { reference: string; alias?: string }[] = [];
    const { url, listening } = await start(
      async (c) => {
        calls.push({ reference: c.reference, ...(c.scope?.alias ? { alias: c.scope.alias } : {}) });
        return outcome(c.reference, {
          decision: 'block',
          exit_code: 1,
          risk_score: 97,
          evidence: { id: 'e'.repeat(64), seq: 1, reused: false, recorded_at: 'x' },
        });
      },
      {
        mlflow: {
          secret: SECRET,
          writer: mlflowTagWriter({ trackingUri: mlflow.url, token: 'mlflow-token' }),
        },
      },
    );
    const hook = `${url}/v1/webhooks/mlflow`;
    // no bearer token needed, but the signature is
    expect(
      (
        await fetch(hook, {
          method: 'POST',
          headers: signed(aliasEvent, undefined, 'a', 'wrong-secret'),
          body: aliasEvent,
        })
      ).status,
    ).toBe(401);
    const tampered = signed(aliasEvent);
    expect(
      (await fetch(hook, { method: 'POST', headers: tampered, body: aliasEvent.replace('"3"', '"4"') }))
        .status,
    ).toBe(401);
    const stale = await fetch(hook, {
      method: 'POST',
      headers: signed(aliasEvent, Math.floor(Date.now() / 1000) - 3600),
      body: aliasEvent,
    });
    expect(stale.status).toBe(400);
    expect(await stale.json()).toMatchObject({ error: { code: 'STALE' } });
    expect(
      (
        await fetch(hook, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: aliasEvent,
        })
      ).status,
    ).toBe(400);
    expect(calls).toHaveLength(0);

    const headers = signed(aliasEvent, undefined, 'delivery-1');
    const ok = await fetch(hook, { method: 'POST', headers, body: aliasEvent });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toMatchObject({ status: 'accepted', reference: 'models:/fraud/3' });
    const again = await fetch(hook, { method: 'POST', headers, body: aliasEvent });
    expect(await again.json()).toMatchObject({ status: 'duplicate' });

    const ownTag = JSON.stringify({
      entity: 'model_version_tag',
      action: 'set',
      timestamp: 'x',
      data: { name: 'fraud', version: '3', key: 'cavra.gate.decision', value: 'block' },
    });
    expect(
      await (await fetch(hook, { method: 'POST', headers: signed(ownTag), body: ownTag })).json(),
    ).toMatchObject({ status: 'ignored' });
    const created = JSON.stringify({
      entity: 'registered_model',
      action: 'created',
      timestamp: 'x',
      data: { name: 'fraud' },
    });
    expect(
      await (await fetch(hook, { method: 'POST', headers: signed(created), body: created })).json(),
    ).toMatchObject({ status: 'ignored' });

    await listening.shutdown(1000); // waits for the accepted job and its write-back
    expect(calls).toEqual([{ reference: 'models:/fraud/3', alias: 'champion' }]);
    expect(mlflow.tags).toEqual([
      { name: 'fraud', version: '3', key: 'cavra.gate.decision', value: 'block' },
      {
        name: 'fraud',
        version: '3',
        key: 'cavra.gate.detail',
        value: expect.stringMatching(/^risk=97 exit=1 evidence=e{64} policy=baseline at=/),
      },
    ]);
  });

  it('answers 404 when no webhook secret is configured', async () => {
    const { url } = await start(async (c) => outcome(c.reference));
    expect(
      (
        await fetch(`${url}/v1/webhooks/mlflow`, {
          method: 'POST',
          headers: signed(aliasEvent),
          body: aliasEvent,
        })
      ).status,
    ).toBe(404);
  });
});

describe('serve: graceful shutdown', () => {
  it('finishes in-flight requests, refuses new connections, then closes', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const { url, listening } = await start(async (c) => {
      await slow;
      return outcome(c.reference);
    });
    const inflight = post(`${url}/v1/gate`, { reference: 'hf://a/slow' });
    await new Promise((r) => setTimeout(r, 50));
    const stopping = listening.shutdown(5000);
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    release();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ decision: 'allow' });
    await stopping;
  });
});

describe('serve: MLflow webhook end to end on a faithful local MLflow server', () => {
  it('an alias event gates the real model version and writes the decision back as tags', async () => {
    const { MlflowServer } = await import('../../connectors/testkit/mlflow-server.js');
    const mlflow = await MlflowServer.start({
      models: [
        {
          name: 'fraud',
          versions: [{ version: '3', source: 'runs:/run1/model', run_id: 'run1', aliases: ['champion'] }],
        },
      ],
      artifacts: {
        '0/run1/artifacts/model/MLmodel': CONFIG_JSON,
        '0/run1/artifacts/model/data/model.pkl': EVIL_PICKLE,
      },
      runs: { run1: '0/run1/artifacts' },
      token: 'mlflow-token',
    });
    extra.push(mlflow);
    const openSource = sourceOpener({
      env: { MLFLOW_TRACKING_URI: mlflow.url, MLFLOW_TRACKING_TOKEN: 'mlflow-token' },
      allowLocal: false,
      retry: { attempts: 1 },
    });
    const { url, listening } = await start(
      (c) =>
        runGate({ reference: c.reference, policy: c.policy, maxAgeMs: 0, signal: c.signal }, { openSource }),
      {
        mlflow: {
          secret: SECRET,
          writer: mlflowTagWriter({ trackingUri: mlflow.url, token: 'mlflow-token' }),
        },
      },
    );
    const event = JSON.stringify({
      entity: 'model_version_alias',
      action: 'created',
      timestamp: new Date().toISOString(),
      data: { name: 'fraud', alias: 'champion', version: '3' },
    });
    const res = await fetch(`${url}/v1/webhooks/mlflow`, {
      method: 'POST',
      headers: signed(event),
      body: event,
    });
    expect(res.status).toBe(202);
    await listening.shutdown(10_000); // waits for the gate run and its write-back
    // The gate really read the version's files from the registry...
    expect(
      mlflow.http.seen(/mlflow-artifacts|artifacts\/list|get-download-uri|model-versions\/get/).length,
    ).toBeGreaterThan(0);
    // ...and blocked the payload in data/model.pkl, writing the answer back to the version.
    expect(
      mlflow.tagWrites.map((t) => [t.key, t.key === 'cavra.gate.decision' ? t.value : 'detail']),
    ).toEqual([
      ['cavra.gate.decision', 'block'],
      ['cavra.gate.detail', 'detail'],
    ]);
    expect(mlflow.tagWrites[1]!.value).toMatch(/^risk=\d+ exit=1 .*policy=baseline/);
  });
});
