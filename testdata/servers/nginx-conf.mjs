// nginx.conf for a private nginx on loopback, shared by the capture tests and the benchmarks: one
// worker in the foreground, sendfile on, every file it writes under `prefix`, no access log.
// `http` adds directives to the http block, `server` is the body of the one server block, and
// `listen` adds parameters to its listen directive (`ssl`).
export function nginxConf({ prefix, port, server, http = '', listen = '' }) {
  return `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  sendfile on;
  keepalive_requests 1000000;
  ${http}
  server {
    listen 127.0.0.1:${port}${listen ? ` ${listen}` : ''};
    ${server}
  }
}
`;
}
