{
  "targets": [
    {
      "target_name": "hv_native",
      "sources": ["hv_native.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
