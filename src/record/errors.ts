/**
 * The one line a user sees when recording cannot start or goes wrong, from the error codes the
 * addon and the recorder throw (native/recorder.cc ThrowCoded, preflight.ts).
 */
export interface CodedError {
  code?: string;
  message: string;
  libbpfLog?: string;
}

export function describeRecordError(err: CodedError, verbose: boolean): string {
  const detail = verbose && err.libbpfLog ? `\n${err.libbpfLog.trimEnd()}` : '';
  switch (err.code) {
    case 'EPERM':
      return (
        'the kernel refused to load tinytap\'s eBPF programs (permission denied): run as root; ' +
        'if you are root, kernel lockdown or a security module may forbid eBPF' +
        detail
      );
    case 'ELOAD':
    case 'EBPF':
      return (
        `the kernel rejected tinytap's eBPF programs (${err.message})` +
        (verbose ? detail : ': run with --verbose to see the verifier\'s last lines')
      );
    case 'ENOTRACEFS':
    case 'ENOENT':
      return (
        `cannot attach to the syscall tracepoints (${err.message}): mount tracefs with ` +
        "'mount -t tracefs tracefs /sys/kernel/tracing'" +
        detail
      );
    default:
      return err.message + detail;
  }
}
