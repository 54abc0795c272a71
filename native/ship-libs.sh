#!/bin/sh
# Puts the shared libraries the prebuilt addon needs beyond glibc and libstdc++ beside it, so a
# machine without libbpf, libelf or zstd installed (no -dev packages, no compiler) loads it: the
# addon is linked with RPATH $ORIGIN (binding.gyp), which the dynamic loader also searches for the
# libraries these libraries need. Debian's static archives of libbpf and libelf are not built as
# position-independent code, so they cannot be linked into a shared object; shipping the shared
# ones is what `npm i` from a prebuild needs. Prints the newest glibc symbol version anything
# shipped requires: that is the package's glibc minimum (README.md states it).
set -eu
dir=${1:?usage: ship-libs.sh PREBUILD_DIR}
addon=$(ls "$dir"/*.node)
# glibc's own libraries, libstdc++ and libgcc_s are on every system Node.js runs on
system='^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s)\.'
ldd "$addon" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | while read -r name path; do
  if echo "$name" | grep -Eq "$system"; then continue; fi
  cp -L "$path" "$dir/$name"
  chmod 0644 "$dir/$name"
done
for f in "$dir"/*; do objdump -T "$f"; done | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1
