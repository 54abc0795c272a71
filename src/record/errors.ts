/**
 * The one line a user sees when recording cannot start or goes wrong, from the error codes the
 * addon and the recorder throw (native/recorder.cc ThrowCoded, preflight.ts).
 */
export interface CodedError {
  code?: string;
  message: string;
  libbpfLog?: string;
}

/** What went wrong and what to do about it, apart: `tinytap doctor` prints them in two places. */
export interface ErrorParts {
  what: string;
  fix: string | null;
}

export function recordErrorParts(err: CodedError): ErrorParts {
  switch (err.code) {
    case 'EPERM':
      return {
        what: "the kernel refused to load tinytap's eBPF programs (permission denied)",
        fix: 'run as root; if you are root, kernel lockdown or a security module may forbid eBPF',
      };
    case 'ELOAD':
    case 'EBPF':
      return { what: `the kernel rejected tinytap's eBPF programs (${err.message})`, fix: "run with --verbose to see the verifier's last lines" };
    case 'ENOTRACEFS':
    case 'ENOENT':
      return {
        what: `cannot attach to the syscall tracepoints (${err.message})`,
        fix: "mount tracefs with 'mount -t tracefs tracefs /sys/kernel/tracing'",
      };
    default:
      return { what: err.message, fix: null };
  }
}

/** The failures `tinytap doctor` looks into: the kernel, the privileges, the addon. */
const SETUP_CODES: ReadonlySet<string> = new Set(['EPERM', 'ELOAD', 'EBPF', 'ENOTRACEFS', 'ENOENT', 'EKERNEL', 'ENOBTF', 'ENOADDON']);

export function isSetupFailure(err: unknown): err is CodedError {
  const code = (err as CodedError | null)?.code;
  return typeof code === 'string' && SETUP_CODES.has(code);
}

/** Said after a reason `record` could not start that doctor explains, with the rest it checks. */
export const DOCTOR_HINT = '; tinytap doctor checks everything record needs';

export function describeRecordError(err: CodedError, verbose: boolean): string {
  const { what, fix } = recordErrorParts(err);
  // verbose shows the verifier's log rather than saying to ask for it
  const verifier = err.code === 'ELOAD' || err.code === 'EBPF';
  const advice = fix && !(verbose && verifier) ? `: ${fix}` : '';
  const log = verbose && err.libbpfLog ? `\n${err.libbpfLog.trimEnd()}` : '';
  return what + advice + (isSetupFailure(err) ? DOCTOR_HINT : '') + log;
}
