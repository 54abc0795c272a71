/**
 * Real third-party peers for the capture tests: servers a test starts (each isolated in a temp
 * dir, on a free loopback port, with stop()) and the real client programs that talk to them.
 * `python3 -m http.server` is startPythonHttp in harness.ts, curl is curl there too.
 */
export { type Postgres, type PsqlOptions, psql, startPostgres } from './peers/postgres.js';
export { type Redis, redisCli, startRedis } from './peers/redis.js';
export { type Mariadb, type MariadbOptions, mariadb, startMariadb } from './peers/mariadb.js';
export { type NginxTls, curlTls, makeCertificate, startNginxTls } from './peers/nginx-tls.js';
export { type ForkingHttp, patternBody, startForkingHttp } from './peers/forking-http.js';
export { SHAPES, startHttpShapes } from './peers/http-shapes.js';
export { type AbReport, ab, pipeline, urllibPost, urllibPostBody, wget } from './peers/clients.js';
