// The rule for what outputs meant for sharing leave out (src/export/secrets.ts), and every
// such output (HAR, Postman, the --json of ls, show, search, info and diff) applied to a session
// where `curl -H 'Authorization: Bearer SECRET' '...?access_token=SECRET'` ran.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  REDACTED,
  SecretFilter,
  isSecretHeader,
  isSecretName,
  nameWords,
  redactParams,
  redactUrl,
  sharedCommandLine,
} from '../../src/export/secrets.js';
import { runCli } from '../helpers/run-cli.js';
import { type Party, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

describe('the rule: a value is a secret when its name says so', () => {
  it('splits names into words at punctuation and camelCase', () => {
    expect(nameWords('access_token')).toEqual(['access', 'token']);
    expect(nameWords('X-Api-Key')).toEqual(['x', 'api', 'key']);
    expect(nameWords('apiKey')).toEqual(['api', 'key']);
    expect(nameWords('XAmzSignature')).toEqual(['x', 'amz', 'signature']);
    expect(nameWords('AWSAccessKeyId')).toEqual(['aws', 'access', 'key', 'id']);
  });

  it('names credentials by whole words', () => {
    for (const name of [
      'access_token',
      'refresh_token',
      'id_token',
      'api_key',
      'apikey',
      'apiKey',
      'key',
      'password',
      'passwd',
      'pwd',
      'client_secret',
      'sig',
      'X-Amz-Signature',
      'X-Amz-Security-Token',
      'X-Amz-Credential',
      'oauth_token',
      'auth',
      'session_id',
      'sessionid',
      'PHPSESSID'.toLowerCase() === 'phpsessid' ? 'sid' : 'sid',
      'jwt',
      'ticket',
    ])
      expect(isSecretName(name), name).toBe(true);
    for (const name of ['q', 'page', 'author', 'authority', 'keyword', 'monkey', 'design', 'signal', 'sort', 'passthrough', 'Access-Control-Allow-Credentials', 'Content-Type'])
      expect(isSecretName(name), name).toBe(false);
  });

  it('headers: DevTools\' four, any named like a credential, and any value with an auth scheme', () => {
    for (const name of ['Authorization', 'Proxy-Authorization', 'Cookie', 'Set-Cookie', 'X-Api-Key', 'X-Auth-Token', 'X-CSRF-Token'])
      expect(isSecretHeader(name, 'x'), name).toBe(true);
    expect(isSecretHeader('X-Upstream', 'Bearer abc')).toBe(true);
    expect(isSecretHeader('X-Upstream', 'basic dXNlcjpwYXNz')).toBe(true);
    for (const name of ['Host', 'User-Agent', 'Accept', 'Content-Type', 'WWW-Authenticate', 'Location'])
      expect(isSecretHeader(name, 'text/html'), name).toBe(false);
  });

  it('query strings, forms and fragments: the values of secret parameters, the rest byte for byte', () => {
    expect(redactParams('q=caf%C3%A9&access_token=abc&x=1+2&flag')).toBe(`q=caf%C3%A9&access_token=${REDACTED}&x=1+2&flag`);
    // the name as its reader decodes it
    expect(redactParams('access%5Ftoken=abc&pass+word=x')).toBe(`access%5Ftoken=${REDACTED}&pass+word=${REDACTED}`);
    expect(redactParams('a=1&api_key=', (n) => `{{${n}}}`)).toBe('a=1&api_key={{api_key}}');
  });

  it('URLs: the password, and secret parameters of the query and the fragment', () => {
    expect(redactUrl('https://me:hunter2@h.test/p?token=t&page=2#access_token=z&state=s')).toBe(
      `https://me:${REDACTED}@h.test/p?token=${REDACTED}&page=2#access_token=${REDACTED}&state=s`,
    );
    expect(redactUrl('http://h.test/no/query')).toBe('http://h.test/no/query');
    expect(redactUrl('/cb?code=1&sig=abc')).toBe(`/cb?code=1&sig=${REDACTED}`);
    expect(redactUrl('http://u:p@h/x?key=k')).toBe(`http://u:${REDACTED}@h/x?key=${REDACTED}`);
  });

  it('command lines: the program only, with how many arguments were left out', () => {
    expect(sharedCommandLine(['curl', '-H', 'Authorization: Bearer x', 'http://h/'])).toEqual({ argv: ['curl'], argumentsLeftOut: 3 });
    expect(sharedCommandLine(['mysql'])).toEqual({ argv: ['mysql'], argumentsLeftOut: 0 });
    expect(sharedCommandLine(null)).toEqual({ argv: null, argumentsLeftOut: 0 });
  });

  it('SecretFilter: the switch, and a count of what it left out', () => {
    const left = new SecretFilter(false);
    expect(left.header('Authorization', 'Bearer x')).toBeNull();
    expect(left.header('Location', '/next?token=t')).toBe(`/next?token=${REDACTED}`);
    expect(left.headerLines('Host: h\nCookie: a=1\nX-Key: k')).toBe(`Host: h\nCookie: ${REDACTED}\nX-Key: ${REDACTED}`);
    expect(left.bodyText('user=me&password=pw', 'application/x-www-form-urlencoded')).toBe(`user=me&password=${REDACTED}`);
    expect(left.bodyText('{ "user": {"password": "pw", "n": [1]} }', 'application/json')).toBe(`{"user":{"password":"${REDACTED}","n":[1]}}`);
    // a JSON body with no secret is kept byte for byte; other bodies are kept
    expect(left.bodyText('{ "tokens": 3 }', 'application/problem+json')).toBe('{ "tokens": 3 }');
    expect(left.bodyText('password=pw', 'text/plain')).toBe('password=pw');
    expect(left.bodyText('{"token": "x"', 'application/json')).toBe('{"token": "x"');
    expect(left.jsonAt('$.auth.user', 'me')).toBe(REDACTED);
    expect(left.jsonAt('$["api-key"]', 'k')).toBe(REDACTED);
    expect(left.jsonAt('$.items[2]', { id: 1, secret: 's' })).toEqual({ id: 1, secret: REDACTED });
    expect(left.leftOut).toBe(9);
    const kept = new SecretFilter(true);
    expect(kept.header('Authorization', 'Bearer x')).toBe('Bearer x');
    expect(kept.url('http://u:p@h/?token=t')).toBe('http://u:p@h/?token=t');
    expect(kept.commandLine(['curl', '-u', 'a:b'])).toEqual({ argv: ['curl', '-u', 'a:b'], argumentsLeftOut: 0 });
    expect(kept.leftOut).toBe(0);
  });
});

const CURL_WITH_TOKEN: Party = {
  pid: 7001,
  comm: 'curl',
  argv: ['curl', '-H', 'Authorization: Bearer SECRET', 'http://127.0.0.1:8080/api/items?access_token=SECRET&page=2'],
};
const SERVER: Party = { pid: 7002, comm: 'node', argv: ['node', 'server.js', '--db-password=SECRET'] };

async function sessionWithSecrets(path: string, apiKey: string): Promise<void> {
  const s = new ScriptedSession(path);
  const c = s.tcp(CURL_WITH_TOKEN, SERVER, { serverPort: 8080 });
  c.send(
    'c2s',
    `GET /api/items?access_token=SECRET&page=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer SECRET\r\nX-Api-Key: ${apiKey}\r\n` +
      'Referer: http://127.0.0.1:8080/login?password=SECRET\r\n\r\n',
  );
  s.wait(1);
  c.send('s2c', 'HTTP/1.1 302 Found\r\nLocation: /next?token=SECRET&page=3\r\nSet-Cookie: sid=SECRET; HttpOnly\r\nContent-Length: 0\r\n\r\n');
  s.wait(1);
  const form = 'user=me&password=SECRET&remember=1';
  c.send('c2s', `POST /login HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}`);
  s.wait(1);
  c.send('s2c', 'HTTP/1.1 204 No Content\r\n\r\n');
  // an OAuth token response: a JSON body whose members are credentials
  s.wait(1);
  c.send('c2s', 'POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 0\r\n\r\n');
  s.wait(1);
  const token = `{"access_token":"${apiKey}","token_type":"Bearer","expires_in":3600}`;
  c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${token.length}\r\n\r\n${token}`);
  c.close();
  await s.finish();
  // the recording's own command line ran the curl above
  const db = new Database(path);
  db.prepare("UPDATE meta SET value = ? WHERE key = 'command_line'").run(JSON.stringify(['tinytap', 'record', '--', ...(CURL_WITH_TOKEN.argv ?? [])]));
  db.close();
}

describe('outputs meant for sharing leave the secrets of a session out, unless --include-secrets', () => {
  const dir = tempDir('tinytap-secrets-');
  const file = join(dir, 's.tinytap');
  const other = join(dir, 'o.tinytap');
  beforeAll(async () => {
    await sessionWithSecrets(file, 'SECRET');
    await sessionWithSecrets(other, 'SECRET2');
  });

  const outputs: [string, string[], number][] = [
    ['HAR', ['export', file, '--har'], 0],
    ['Postman', ['export', file, '--postman'], 0],
    ['ls --json', ['ls', file, '--json'], 0],
    ['show --json (the request with the token)', ['show', file, '1', '--json'], 0],
    ['show --json (the form)', ['show', file, '2', '--json'], 0],
    ['show --json (the token response)', ['show', file, '3', '--json'], 0],
    ['search --json', ['search', file, 'SECRET', '--json'], 0],
    ['info --json', ['info', file, '--json'], 0],
    ['diff --json', ['diff', file, other, '--json'], 1],
  ];

  for (const [name, args, code] of outputs) {
    it(name, async () => {
      const shared = await runCli(...args);
      expect(shared.code, shared.err).toBe(code);
      expect(shared.out.length).toBeGreaterThan(0);
      expect(shared.out).not.toContain('SECRET');
      expect(shared.err).toMatch(/^tinytap: credentials were left out .*(export with|add) --include-secrets to keep them\n$/);
      const whole = await runCli(...args, '--include-secrets');
      expect(whole.code, whole.err).toBe(code);
      expect(whole.out).toContain('SECRET');
      expect(whole.err).toBe('');
    });
  }

  it('the HAR says what it left out where, and keeps what is not a secret', async () => {
    const { out } = await runCli('export', file, '--har');
    const [get, post, token] = JSON.parse(out).log.entries;
    expect(get.request.url).toBe(`http://127.0.0.1:8080/api/items?access_token=${REDACTED}&page=2`);
    expect(get.request.queryString).toEqual([
      { name: 'access_token', value: REDACTED },
      { name: 'page', value: '2' },
    ]);
    expect(get.request.headers.find((h: any) => h.name === 'X-Api-Key').value).toBe('');
    expect(get.request.headers.find((h: any) => h.name === 'Referer').value).toBe(`http://127.0.0.1:8080/login?password=${REDACTED}`);
    expect(get.response.redirectURL).toBe(`/next?token=${REDACTED}&page=3`);
    expect(get._client).toMatchObject({ comm: 'curl', commandLine: ['curl'], commandLineArgumentsLeftOut: 3 });
    expect(post.request.postData.text).toBe(`user=me&password=${REDACTED}&remember=1`);
    expect(post.request.postData.params).toContainEqual({ name: 'password', value: REDACTED });
    // token_type is named like one too: the rule goes by names, and errs on the side of leaving out
    expect(JSON.parse(token.response.content.text)).toEqual({ access_token: REDACTED, token_type: REDACTED, expires_in: 3600 });
  });

  it('the curl script keeps them: it is for sending the requests again', async () => {
    const { code, out } = await runCli('export', file, '--curl');
    expect(code).toBe(0);
    expect(out).toContain("-H 'Authorization: Bearer SECRET'");
  });

  it('the text for a person keeps them: it is their own terminal', async () => {
    const { out } = await runCli('show', file, '1');
    expect(out).toContain('Authorization: Bearer SECRET');
  });
});
