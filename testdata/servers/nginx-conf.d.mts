// The types of nginx-conf.mjs, for the TypeScript capture tests that import it (the benchmarks
// import it from plain JavaScript).
export interface NginxConfOptions {
  /** Directory every file nginx writes goes under. */
  prefix: string;
  port: number;
  /** The body of the one server block. */
  server: string;
  /** Directives added to the http block. */
  http?: string;
  /** Parameters added to the listen directive (`ssl`). */
  listen?: string;
}

export function nginxConf(options: NginxConfOptions): string;
