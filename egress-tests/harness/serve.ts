/**
 * `node dist/egress-tests/harness/serve.js <config.json>`: the far side of the packet-layer test, run inside its
 * own network namespace. Role `registry`: the local Hugging Face hub (connectors/testkit) serving the laced repo;
 * the testkit binds 127.0.0.1 only, so a TCP forwarder exposes it on the namespace's veth address. Role
 * `control-plane`: the reference receiver bound to the veth address. Prints `{"ready":true}` when listening and
 * stops on SIGTERM.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { HfServer } from '../../connectors/testkit/hf-server.js';
import { createReceiver } from '../../evidence/receiver/server.js';
import { parseCanaries, type CanaryKind } from '../support/canaries.js';
import { commitOf, lacedFiles } from '../support/laced-repo.js';

interface ServeConfig {
  role: 'registry' | 'control-plane';
  bind: string;
  port: number;
  canaries?: Record<CanaryKind, string>;
  publicKeyPem?: string;
  storeDir?: string;
}

const cfg = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ServeConfig;
const closers: (() => Promise<void> | void)[] = [];

if (cfg.role === 'registry') {
  const hf = await HfServer.start({
    repos: [
      {
        id: 'egress/laced',
        sha: commitOf('egress/laced'),
        files: lacedFiles(parseCanaries(cfg.canaries!), false),
      },
    ],
  });
  const hub = new URL(hf.url);
  const forwarder = createServer((client) => {
    const upstream = connect(Number(hub.port), hub.hostname);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((r) => forwarder.listen(cfg.port, cfg.bind, r));
  closers.push(
    () => void forwarder.close(),
    () => hf.close(),
  );
} else {
  const server = createReceiver({
    storeDir: cfg.storeDir!,
    publicKeys: [createPublicKey(cfg.publicKeyPem!)],
  });
  await new Promise<void>((r) => server.listen(cfg.port, cfg.bind, r));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
}

process.on('SIGTERM', () => {
  void Promise.all(closers.map((c) => c())).finally(() => process.exit(0));
});
process.stdout.write(JSON.stringify({ ready: true, role: cfg.role, bind: cfg.bind, port: cfg.port }) + '\n');
