import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mlflowSignature, verifyMlflowDelivery } from './mlflow-signature.js';
import { webhookJob } from './mlflow-event.js';

describe('MLflow webhook signatures', () => {
  const body = Buffer.from(
    '{"entity": "model_version_alias", "action": "created", "data": {"name": "m", "alias": "prod", "version": "2"}}',
  );
  const now = 1_750_000_000_000;
  const ts = String(now / 1000);

  it('matches the documented scheme: v1,base64(HMAC-SHA256(secret, "<id>.<ts>.<payload>"))', () => {
    const expected =
      'v1,' + createHmac('sha256', 's3cret').update(`abc.${ts}.${body.toString()}`).digest('base64');
    expect(mlflowSignature('s3cret', 'abc', ts, body)).toBe(expected);
  });

  it('accepts a fresh signed delivery and refuses wrong secrets, edits, stale or future timestamps, missing headers', () => {
    const h = (over: Record<string, string> = {}): Record<string, string> => ({
      'x-mlflow-delivery-id': 'abc',
      'x-mlflow-timestamp': ts,
      'x-mlflow-signature': mlflowSignature('s3cret', 'abc', ts, body),
      ...over,
    });
    expect(verifyMlflowDelivery(h(), body, 's3cret', now)).toEqual({
      ok: true,
      deliveryId: 'abc',
      timestamp: now,
    });
    expect(verifyMlflowDelivery(h(), body, 'other', now)).toMatchObject({
      ok: false,
      status: 401,
      code: 'BAD_SIGNATURE',
    });
    expect(verifyMlflowDelivery(h(), Buffer.concat([body, Buffer.from(' ')]), 's3cret', now)).toMatchObject({
      code: 'BAD_SIGNATURE',
    });
    expect(verifyMlflowDelivery(h({ 'x-mlflow-delivery-id': 'abd' }), body, 's3cret', now)).toMatchObject({
      code: 'BAD_SIGNATURE',
    });
    expect(verifyMlflowDelivery(h(), body, 's3cret', now + 301_000)).toMatchObject({
      status: 400,
      code: 'STALE',
    });
    expect(verifyMlflowDelivery(h(), body, 's3cret', now - 301_000)).toMatchObject({ code: 'STALE' });
    expect(verifyMlflowDelivery(h(), body, 's3cret', now + 299_000)).toMatchObject({ ok: true });
    expect(verifyMlflowDelivery(h({ 'x-mlflow-timestamp': '1.5' }), body, 's3cret', now)).toMatchObject({
      code: 'BAD_TIMESTAMP',
    });
    const unsigned: Record<string, string> = h();
    delete unsigned['x-mlflow-signature'];
    expect(verifyMlflowDelivery(unsigned, body, 's3cret', now)).toMatchObject({
      status: 400,
      code: 'MISSING_HEADERS',
    });
  });

  it('maps events to gate jobs', () => {
    expect(
      webhookJob({
        entity: 'model_version_alias',
        action: 'created',
        data: { name: 'a b', alias: 'prod', version: '2' },
      }),
    ).toEqual({
      kind: 'gate',
      event: 'model_version_alias.created',
      name: 'a b',
      version: '2',
      reference: 'models:/a%20b/2',
      alias: 'prod',
    });
    expect(
      webhookJob({
        entity: 'model_version_tag',
        action: 'set',
        data: { name: 'm', version: '7', key: 'stage', value: 'prod' },
      }),
    ).toMatchObject({ kind: 'gate', reference: 'models:/m/7' });
    expect(
      webhookJob({
        entity: 'model_version_tag',
        action: 'set',
        data: { name: 'm', version: '7', key: 'cavra.gate.decision', value: 'allow' },
      }),
    ).toMatchObject({ kind: 'ignore' });
    expect(
      webhookJob({ entity: 'model_version', action: 'created', data: { name: 'm', version: '7' } }),
    ).toMatchObject({ kind: 'ignore' });
    expect(
      webhookJob({
        entity: 'model_version_alias',
        action: 'created',
        data: { name: 'm', alias: 'x', version: 'latest' },
      }),
    ).toMatchObject({ kind: 'invalid' });
    expect(webhookJob({ data: {} })).toMatchObject({ kind: 'invalid' });
  });
});
