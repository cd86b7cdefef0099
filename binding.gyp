{
  "targets": [
    {
      "target_name": "quorate_native",
      "sources": [
        "native/addon.cc",
        "native/errors.cc",
        "native/event_pump.cc",
        "native/cpg.cc",
        "native/quorum.cc",
        "native/votequorum.cc",
        "native/cmap.cc",
        "native/watchdog.cc",
        "native/sd_notify.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fexceptions"],
      "libraries": ["-lcpg", "-lquorum", "-lvotequorum", "-lcmap"]
    }
  ]
}
