import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { trustedKey, verifyEnvelope } from '../dsse/verify.js';
import { validateOutbound } from '../emit/validate-outbound.js';
import { writeFileAtomic } from '../ledger/atomic-write.js';
import { EVIDENCE_LIMITS } from '../limits.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../statement/types.js';

export interface ReceiverOptions {
  /** Where accepted envelopes are stored, one `<idempotency-key>.dsse.json` each. */
  storeDir: string;
  /** Keys whose signatures are accepted. */
  publicKeys: readonly KeyObject[];
  /** Bearer token required from senders, if set. */
  token?: string;
  maxBodyBytes?: number;
}

/** What the receiver did with one request (for logs and tests). */
export interface ReceiverEvent {
  status: number;
  key?: string;
  reason: string;
}

function reply(res: ServerResponse, status: number, reason: string): ReceiverEvent {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ status: reason }) + '\n');
  return { status, reason };
}

function tokenOk(header: string | undefined, token: string): boolean {
  const got = Buffer.from(header ?? '');
  const want = Buffer.from(`Bearer ${token}`);
  return got.length === want.length && timingSafeEqual(got, want);
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reference control-plane receiver for tests and demos: `POST /v1/evidence` checks the bearer token, the
 * Idempotency-Key (must be the body's SHA-256), the outbound schema and the DSSE signature, then stores the
 * envelope once (201; a replay of a stored key gets 200).
 */
export function createReceiver(
  opts: ReceiverOptions,
  onEvent: (e: ReceiverEvent) => void = () => undefined,
): Server {
  mkdirSync(opts.storeDir, { recursive: true });
  const keys = opts.publicKeys.map(trustedKey);
  const max = opts.maxBodyBytes ?? EVIDENCE_LIMITS.maxEnvelopeBytes;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<ReceiverEvent> => {
    if (req.method === 'GET' && req.url === '/healthz') return reply(res, 200, 'ok');
    if (req.method !== 'POST' || req.url !== '/v1/evidence') return reply(res, 404, 'not found');
    if (opts.token !== undefined && !tokenOk(req.headers.authorization, opts.token))
      return reply(res, 401, 'unauthorized');
    const body = await readBody(req, max);
    if (!body) return reply(res, 413, 'too large');
    const key = String(req.headers['idempotency-key'] ?? '');
    if (key !== createHash('sha256').update(body).digest('hex'))
      return reply(res, 400, 'Idempotency-Key must be the SHA-256 of the body');
    const file = `${key}.dsse.json`;
    if (existsSync(join(opts.storeDir, file))) return { ...reply(res, 200, 'duplicate'), key };
    const schema = validateOutbound(body);
    if (!schema.ok) return reply(res, 422, `schema: ${schema.error}`);
    const v = verifyEnvelope(JSON.parse(body.toString('utf8')), keys, [IN_TOTO_PAYLOAD_TYPE]);
    if (!v.ok) return reply(res, 422, `signature: ${v.code}`);
    writeFileAtomic(opts.storeDir, file, body, 0o644);
    return { ...reply(res, 201, 'stored'), key };
  };
  return createServer((req, res) => {
    handle(req, res).then(onEvent, (err: unknown) => {
      if (!res.headersSent) onEvent(reply(res, 500, `error: ${(err as Error).message}`));
      else res.destroy();
    });
  });
}
