// The event layout as this build compiled it (offsets and sizes from formats/tinytap_events.h),
// so the TypeScript decoder can be checked against the header instead of trusted to match it.
#pragma once
#include <napi.h>

namespace tinytap {
Napi::Object EventLayout(Napi::Env env);
}
