import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake control plane does with the next request. */
export type Fault = 'reset' | 'hang-after-store' | 429 | 500 | 503 | 408 | 401 | 422;

/** A control plane on 127.0.0.1 that misbehaves on cue and stores envelopes once per Idempotency-Key. */
export class FaultServer {
  readonly stored = new Map<string, Buffer>();
  readonly requests: { key: string; auth: string | undefined; fault: Fault | 'ok' }[] = [];
  faults: Fault[] = [];
  private server: Server;
  private hung: ServerResponse[] = [];

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const key = String(req.headers['idempotency-key'] ?? '');
    const fault = this.faults.shift() ?? 'ok';
    this.requests.push({ key, auth: req.headers.authorization, fault });
    if (req.url !== '/v1/evidence' || req.method !== 'POST') return void res.writeHead(404).end();
    if (fault === 'reset') return void req.socket.destroy();
    if (typeof fault === 'number') {
      res.writeHead(fault, fault === 429 ? { 'retry-after': '2' } : {}).end();
      return;
    }
    if (createHash('sha256').update(body).digest('hex') !== key) return void res.writeHead(400).end();
    const fresh = !this.stored.has(key);
    if (fresh) this.stored.set(key, body);
    if (fault === 'hang-after-store') return void this.hung.push(res);
    res.writeHead(fresh ? 201 : 200).end();
  }

  async close(): Promise<void> {
    for (const r of this.hung) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
