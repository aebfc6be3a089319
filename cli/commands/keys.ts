import { Option, type Command } from 'commander';
import { generateSigningKeys, type KeyType } from '../../evidence/signing/generate.js';
import type { CommandModule } from '../command-module.js';
import { EXIT } from '../exit-codes.js';

/** `cavra-scan keys generate --out DIR`. */
export const keysCommand: CommandModule = {
  register(program: Command, io, done) {
    const keys = program.command('keys').description('manage evidence signing keys');
    keys
      .command('generate')
      .description(
        'create a signing key pair: DIR/signing.key (PKCS#8 PEM, mode 0600) and DIR/signing.pub (SPKI PEM)',
      )
      .requiredOption('--out <dir>', 'directory to write the key files to')
      .addOption(
        new Option(
          '--type <type>',
          'ed25519 (evidence) or ecdsa-p256 (OpenSSF model signing: model-signing.key/.pub)',
        )
          .choices(['ed25519', 'ecdsa-p256'])
          .default('ed25519'),
      )
      .option('--force', 'replace existing key files')
      .action((opts: { out: string; type: KeyType; force?: boolean }) => {
        const k = generateSigningKeys(opts.out, opts.type, Boolean(opts.force));
        io.stdout(
          `private key: ${k.privatePath} (keep secret; mode 0600)\npublic key:  ${k.publicPath}\nkeyid:       ${k.keyid}\n`,
        );
        done(EXIT.OK);
      });
  },
};
