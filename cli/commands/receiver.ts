import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { createReceiver } from '../../evidence/receiver/server.js';
import { loadPublicKey } from '../../evidence/signing/keys.js';
import { CavraError } from '../../scanner/errors.js';
import type { CommandModule } from '../command-module.js';
import { EXIT } from '../exit-codes.js';
import { collect } from './evidence.js';

interface ReceiverOpts {
  port: string;
  host: string;
  publicKey: string[];
  store: string;
  tokenFile?: string;
}

/** `cavra-scan receiver`: the reference control-plane receiver (tests and demos). Runs until SIGINT/SIGTERM. */
export const receiverCommand: CommandModule = {
  register(program: Command, io, done) {
    program
      .command('receiver')
      .description(
        'run a reference control-plane receiver: verifies DSSE signatures and stores envelopes (POST /v1/evidence)',
      )
      .requiredOption('--public-key <file>', 'public key whose signatures are accepted (repeatable)', collect)
      .requiredOption('--store <dir>', 'directory to store accepted envelopes in')
      .option('--port <port>', 'port to listen on (0 = any free port)', '8080')
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option('--token-file <file>', 'require this bearer token from senders')
      .action(async (opts: ReceiverOpts) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new CavraError('USAGE', `invalid --port ${opts.port}`);
        const publicKeys = opts.publicKey.map(loadPublicKey);
        let token: string | undefined;
        if (opts.tokenFile) {
          try {
            token = readFileSync(opts.tokenFile, 'utf8').trim();
          } catch (err) {
            throw new CavraError(
              'CONFIG_INVALID',
              `cannot read --token-file ${opts.tokenFile}: ${(err as Error).message}`,
            );
          }
        }
        const server = createReceiver(
          { storeDir: opts.store, publicKeys, ...(token !== undefined ? { token } : {}) },
          (e) => io.stdout(JSON.stringify(e) + '\n'),
        );
        await new Promise<void>((resolve, reject) => {
          server.once('error', (err) =>
            reject(new CavraError('IO_ERROR', `cannot listen on ${opts.host}:${port}: ${err.message}`)),
          );
          server.listen(port, opts.host, resolve);
        });
        const addr = server.address() as AddressInfo;
        io.stderr(
          `cavra-scan receiver listening on http://${opts.host}:${addr.port}/v1/evidence, storing in ${opts.store}\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => server.close(() => resolve());
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        done(EXIT.OK);
      });
  },
};
