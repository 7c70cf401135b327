{
  "targets": [
    {
      "target_name": "genrep_native",
      "sources": [
        "src/addon.cc",
        "src/augment.cc",
        "src/contrastive.cc",
        "src/conv.cc",
        "src/copies.cc",
        "src/matmul.cc",
        "src/optim.cc",
        "src/pointwise.cc",
        "src/pool.cc",
        "src/peak.cc",
        "src/engine.cc",
        "src/precision.cc",
        "src/probe.cc",
        "src/probeAddon.cc"
      ],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-fexceptions", "-Wall", "-Wextra", "-ffp-contract=off"],
      "libraries": ["-ldnnl", "-fopenmp"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
