#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS, seeded from the
# golden files. Any crash fails the run and leaves the crashing input in the build dir.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-20}
shift $(( $# < 2 ? $# : 2 ))  # the rest: extra cmake flags (the Makefile's generator and linker)
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_FUZZ=ON -DSKIFF_BUILD_TESTS=OFF -DSKIFF_WERROR=ON "$@" >/dev/null
targets=(config_loader_fuzz http_response_parser_fuzz bulk_response_fuzz line_splitter_fuzz
         event_assembler_fuzz ring_frame_fuzz)
cmake --build "$root/$build" -j"$(nproc)" --target "${targets[@]}"

declare -A seeds=(
  [config_loader_fuzz]="$root/examples"
  [http_response_parser_fuzz]="$root/tests/golden/transport"
  [bulk_response_fuzz]="$root/tests/golden/transport"
  [line_splitter_fuzz]="$root/tests/golden/agent"
  [event_assembler_fuzz]="$root/tests/golden/agent/parsing"
  [ring_frame_fuzz]="$root/tests/golden/buffer"
)
passed=0 failed=0
for t in "${targets[@]}"; do
  corpus="$root/$build/corpus/$t"
  mkdir -p "$corpus"
  seed_dir=${seeds[$t]}
  [ -d "$seed_dir" ] && find "$seed_dir" -maxdepth 1 -type f -size -64k -exec cp -n {} "$corpus/" \;
  echo "== fuzz $t for ${seconds}s"
  if (cd "$root/$build" && "./tests/fuzz/$t" -max_total_time="$seconds" -max_len=65536 \
        -print_final_stats=0 "$corpus" 2>"$root/$build/$t.log"); then
    passed=$((passed + 1))
    tail -n 1 "$root/$build/$t.log"
  else
    failed=$((failed + 1))
    tail -n 40 "$root/$build/$t.log"
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
