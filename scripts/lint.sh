#!/usr/bin/env bash
# make lint: clang-format check, clang-tidy over our sources, a clang build with
# -Wthread-safety. Not part of `make test`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
status=0
echo "== clang-format"
if ! git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror 2>&1 | tail -20; then status=1; fi
echo "== clang build (-Wthread-safety)"
cmake -S . -B build-clang -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS=-Wthread-safety -DSKIFF_WERROR=ON >/dev/null && cmake --build build-clang -j"$(nproc)" || status=1
echo "== clang-tidy"
git ls-files 'agent/*.cc' 'buffer/*.cc' 'transport/*.cc' 'auth/*.cc' 'config/*.cc' 'platforms/*.cc' |
  xargs -P"$(nproc)" -n4 clang-tidy -p build-clang --quiet 2>/dev/null | grep -E 'warning:|error:' | sort -u | head -200
exit $status
