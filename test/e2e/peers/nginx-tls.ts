/**
 * nginx serving HTTPS (HTTP/1.1) with a self-signed certificate made for the test, and what a
 * client needs to reach it and to let tshark decrypt the capture: the CA file for curl and a
 * TLS key log that curl fills (it honours SSLKEYLOGFILE).
 */
import { join } from 'node:path';

import { type Server, startNginx, tempDir } from '../harness.js';
import { type Finished, outputOf, runProgram, stopAtEnd } from '../programs.js';

export interface NginxTls extends Server {
  certFile: string;
  keyFile: string;
  /** Where clients run with `env` write their TLS secrets: tshark's tls.keylog_file. */
  keylogFile: string;
  /** curl arguments to trust the certificate and speak HTTP/1.1 (nginx here has no h2). */
  curlArgs: string[];
  /** Environment for clients, so that they log their TLS secrets to keylogFile. */
  env: NodeJS.ProcessEnv;
  url(path?: string): string;
}

/** A self-signed P-256 certificate for 127.0.0.1 and localhost (fast to make, unlike RSA). */
export async function makeCertificate(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await outputOf('openssl', [
    'req', '-x509', '-nodes',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', keyFile, '-out', certFile,
    '-days', '2',
    '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { certFile, keyFile };
}

/** nginx with TLS 1.2 and 1.3 on a free loopback port, serving `root` (readable by nobody). */
export async function startNginxTls(root: string, extra = '', { http2 = false }: { http2?: boolean } = {}): Promise<NginxTls> {
  const dir = tempDir('tinytap-tls-');
  const { certFile, keyFile } = await makeCertificate(dir);
  const tls = `ssl_certificate ${certFile};\n    ssl_certificate_key ${keyFile};\n    ssl_protocols TLSv1.2 TLSv1.3;`;
  // nginx 1.22: `listen ... ssl http2` offers h2 by ALPN
  const server = await startNginx(root, `${tls}\n    ${extra}`, { listen: http2 ? 'ssl http2' : 'ssl' });
  const keylogFile = join(dir, 'keylog.txt');
  return {
    ...server,
    stop: stopAtEnd(server.stop),
    certFile,
    keyFile,
    keylogFile,
    curlArgs: ['--cacert', certFile, '--http1.1'],
    env: { ...process.env, SSLKEYLOGFILE: keylogFile },
    url: (path = '/') => `https://127.0.0.1:${server.port}${path}`,
  };
}

/** curl against the TLS nginx: trusting its certificate, logging TLS secrets for tshark. */
export function curlTls(nginx: NginxTls, ...args: string[]): Promise<Finished<string>> {
  return runProgram('curl', ['-sS', '--noproxy', '*', ...nginx.curlArgs, ...args], { env: nginx.env });
}
