/**
 * `tinytap --version`: what a bug report needs to say which tinytap this is: the package, the
 * native addon in use (a prebuild or built here) with the libbpf and zstd it runs with, the BPF
 * object it embeds (by digest: two builds of the same sources differ only if their toolchains do)
 * and the versions of the session format it writes and reads.
 */
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { LAYOUT_VERSION } from '../events/layout.js';
import { bindingPath, loadBinding } from '../record/binding.js';
import { DERIVED_VERSION } from '../session/build-exchanges.js';
import { SCHEMA_VERSION } from '../session/format.js';
import { TINYTAP_VERSION } from '../version.js';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

function addonLines(): string[] {
  let path: string;
  try {
    path = bindingPath();
  } catch (err) {
    return [`addon: none (${(err as Error).message.split('\n')[0]}): run npm rebuild tinytap, or ./setup.sh in a checkout`];
  }
  const where = relative(packageRoot, path);
  const kind = where.startsWith('prebuilds/') ? 'prebuilt' : 'built from source';
  try {
    const built = loadBinding().builtWith();
    const digest = createHash('sha256').update(built.bpfObject).digest('hex').slice(0, 12);
    return [
      `addon: ${where} (${kind}), libbpf ${built.libbpf}, zstd ${built.zstd}`,
      `BPF object: ${built.bpfObject.length} bytes, sha256 ${digest}… (CO-RE: one object for every kernel with BTF)`,
    ];
  } catch (err) {
    return [`addon: ${where} (${kind}) does not load: ${(err as Error).message.split('\n')[0]}`];
  }
}

export function versionText(): string {
  return [
    `tinytap ${TINYTAP_VERSION}`,
    ...addonLines(),
    `session format: schema ${SCHEMA_VERSION}, event layout ${LAYOUT_VERSION}, derived ${DERIVED_VERSION}`,
    `node ${process.version}`,
  ].join('\n');
}
