{
  "targets": [
    {
      "target_name": "tinytap",
      "sources": [
        "native/addon.cc",
        "native/batch.cc",
        "native/block_codec.cc",
        "native/layout.cc",
        "native/libbpf_log.cc",
        "native/recorder.cc",
        "native/system.cc"
      ],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include\")",
        "bpf/.output",
        "formats"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').gyp\")"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wno-missing-field-initializers"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "actions": [
        {
          "action_name": "bpf_skeleton",
          "message": "Building the BPF object and its skeleton (bpf/Makefile)",
          "inputs": [
            "bpf/Makefile",
            "bpf/tinytap.bpf.c",
            "bpf/maps.h",
            "bpf/records.h",
            "bpf/sendfile_body.h",
            "bpf/sockets.h",
            "bpf/tls_calls.h",
            "bpf/tls_probes.h",
            "formats/tinytap_events.h"
          ],
          "outputs": ["bpf/.output/tinytap.skel.h"],
          "action": ["make", "-s", "-C", "bpf"]
        }
      ],
      "libraries": ["-lbpf", "-lzstd"],
      "ldflags": ["-Wl,--disable-new-dtags", "-Wl,-rpath,'$$ORIGIN'"]
    }
  ]
}
