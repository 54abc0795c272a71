/**
 * Which functions of each TLS implementation tinytap watches, and with which programs
 * (bpf/tls_probes.h): the one list the attacher works from. An entry program saves the call's
 * arguments; an exit program (a uretprobe) records what moved. Go's crypto/tls is not here: its
 * returns are probed at each RET instruction instead (go-binary.ts finds them).
 */
export type TlsKind = 'openssl' | 'gnutls' | 'go';

export interface TlsFunction {
  symbol: string;
  entry: string;
  /** The return program; none for functions watched only to learn or forget a session's socket. */
  exit?: string;
  /** Without it nothing can be read: a file lacking it is not watched at all. */
  required?: boolean;
}

export const TLS_FUNCTIONS: Record<'openssl' | 'gnutls', readonly TlsFunction[]> = {
  // OpenSSL 1.1 and 3.x; Python uses the _ex forms
  openssl: [
    { symbol: 'SSL_write', entry: 'ssl_write_enter', exit: 'tls_int_exit', required: true },
    { symbol: 'SSL_read', entry: 'ssl_read_enter', exit: 'tls_int_exit', required: true },
    { symbol: 'SSL_write_ex', entry: 'ssl_write_ex_enter', exit: 'tls_int_exit' },
    { symbol: 'SSL_read_ex', entry: 'ssl_read_ex_enter', exit: 'tls_int_exit' },
    // the socket a session is given: reads served from OpenSSL's buffer make no syscall
    { symbol: 'SSL_set_fd', entry: 'ssl_set_fd_enter' },
    { symbol: 'SSL_set_rfd', entry: 'ssl_set_fd_enter' },
    { symbol: 'SSL_set_wfd', entry: 'ssl_set_fd_enter' },
    { symbol: 'SSL_free', entry: 'ssl_free_enter' },
  ],
  // gnutls_record_send tail-calls gnutls_record_send2: probing both would see each send twice
  gnutls: [
    { symbol: 'gnutls_record_send2', entry: 'gnutls_send_enter', exit: 'tls_long_exit', required: true },
    { symbol: 'gnutls_record_recv', entry: 'gnutls_recv_enter', exit: 'tls_long_exit', required: true },
    { symbol: 'gnutls_transport_set_int2', entry: 'gnutls_set_int2_enter' },
    { symbol: 'gnutls_transport_set_ptr', entry: 'gnutls_set_ptr_enter' },
    { symbol: 'gnutls_deinit', entry: 'gnutls_deinit_enter' },
  ],
};

/** Go crypto/tls: the entry programs of (*Conn).Read and Write, and the one at their RETs. */
export const GO_TLS_PROGRAMS = { read: 'go_tls_read_enter', write: 'go_tls_write_enter', ret: 'go_tls_return' } as const;

