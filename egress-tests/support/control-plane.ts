import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createReceiver, type ReceiverEvent } from '../../evidence/receiver/server.js';

/** The reference control-plane receiver, plus every raw byte its sockets received (headers and bodies). */
export interface TestControlPlane {
  url: string;
  events: ReceiverEvent[];
  raw: Buffer[];
  close(): Promise<void>;
}

export async function startControlPlane(
  storeDir: string,
  publicKey: KeyObject,
  host = '127.0.0.1',
  port = 0,
): Promise<TestControlPlane> {
  const events: ReceiverEvent[] = [];
  const raw: Buffer[] = [];
  const server: Server = createReceiver({ storeDir, publicKeys: [publicKey] }, (e) => events.push(e));
  server.on('connection', (socket) => socket.on('data', (d: Buffer) => raw.push(Buffer.from(d))));
  await new Promise<void>((r) => server.listen(port, host, r));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    events,
    raw,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A fresh Ed25519 evidence key written as PEM to `dir/evidence-key.pem`. */
export function writeSigningKey(dir: string): { keyFile: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = join(dir, 'evidence-key.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { keyFile, publicKey };
}
