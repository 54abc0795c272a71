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
      "libraries": ["-lbpf", "-lzstd"]
    }
  ]
}
