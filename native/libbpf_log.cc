#include "libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <deque>
#include <mutex>

namespace tinytap {
namespace {

std::mutex log_mutex;
std::deque<std::string> log_lines;
std::string partial_line;
bool verbose = false;
constexpr size_t kMaxLines = 400;

// libbpf_set_print takes a plain function: the log is process-wide, like libbpf's own setting.
int OnLibbpfPrint(enum libbpf_print_level level, const char* format, va_list args) {
  char buf[4096];
  va_list copy;
  va_copy(copy, args);
  vsnprintf(buf, sizeof(buf), format, copy);
  va_end(copy);

  std::lock_guard<std::mutex> lock(log_mutex);
  // libbpf's debug level is thousands of lines per start (every relocation): kept for the tail
  // a failure shows under --verbose, not printed
  if (verbose && level != LIBBPF_DEBUG) fputs(buf, stderr);
  if (level == LIBBPF_DEBUG && !verbose) return 0;
  partial_line += buf;
  size_t start = 0, nl;
  while ((nl = partial_line.find('\n', start)) != std::string::npos) {
    log_lines.emplace_back(partial_line.substr(start, nl - start));
    if (log_lines.size() > kMaxLines) log_lines.pop_front();
    start = nl + 1;
  }
  partial_line.erase(0, start);
  return 0;
}

}  // namespace

void InstallLibbpfLog() { libbpf_set_print(OnLibbpfPrint); }

void SetLibbpfVerbose(bool v) {
  std::lock_guard<std::mutex> lock(log_mutex);
  verbose = v;
}

void ClearLibbpfLog() {
  std::lock_guard<std::mutex> lock(log_mutex);
  log_lines.clear();
  partial_line.clear();
}

std::string LibbpfLogTail(size_t lines) {
  std::lock_guard<std::mutex> lock(log_mutex);
  std::string out;
  size_t first = log_lines.size() > lines ? log_lines.size() - lines : 0;
  for (size_t i = first; i < log_lines.size(); i++) {
    out += log_lines[i];
    out += '\n';
  }
  return out;
}

}  // namespace tinytap
