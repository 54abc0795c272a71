// libbpf's messages: kept (the last lines explain a load failure) and echoed under --verbose.
#pragma once
#include <string>

namespace tinytap {

void InstallLibbpfLog();
void SetLibbpfVerbose(bool verbose);
void ClearLibbpfLog();
// The last `lines` lines libbpf printed (warnings and the verifier log), oldest first.
std::string LibbpfLogTail(size_t lines);

}  // namespace tinytap
