# skiff: the two commands a newcomer needs are `make demo` and `make test`.
# Each installs missing Debian packages (scripts/install-deps.sh), configures, builds, runs.

JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
CMAKE_FLAGS ?=
# Development builds (build, build-asan, build-fuzz): Ninja and lld when a build directory is
# first configured (an existing one keeps its generator), and line tables only (-g1) in
# RelWithDebInfo: backtraces, sanitizer reports and perf keep file:line, and the build takes
# about half the time of full -g. Release builds (install, deb, minimal) keep CMake's defaults.
generator = $(if $(wildcard $(1)/CMakeCache.txt),,-G Ninja)
DEV_FLAGS = -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld \
  '-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG' '-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG'

.PHONY: all deps build demo test test-unit test-asan fuzz-smoke fuzz bench soak lint format clean
.PHONY: install deb minimal

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(call generator,$(BUILD)) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_WERROR=ON \
	  $(DEV_FLAGS) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# Generates a log, starts the bundled Elasticsearch test server on loopback, runs skiff on
# examples/demo.toml and a task under `skiff exec`, and prints what arrived.
demo: build
	@scripts/demo.sh $(BUILD)

# Every test, once normally (GCC) and once more under AddressSanitizer +
# UndefinedBehaviorSanitizer (clang: it builds the unoptimized, instrumented tree in less
# than half GCC's time, and -Werror then holds for both compilers).
test: fuzz-smoke test-asan test-unit

test-unit: build
	@echo "== tests (GCC, -Werror)"
	@cd $(BUILD) && ctest --output-on-failure -j3 --timeout 600

test-asan: deps
	@echo "== tests under ASan+UBSan"
	@cmake -S . -B $(ASAN_BUILD) $(call generator,$(ASAN_BUILD)) -DCMAKE_BUILD_TYPE=Debug -DSKIFF_WERROR=ON \
	  -DSKIFF_SANITIZE=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  $(DEV_FLAGS) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j3 --timeout 900 -LE no-sanitizer

# libFuzzer targets (clang): a short fixed run each in CI, longer in `make fuzz`.
FUZZ_SECONDS ?= 10
fuzz-smoke: deps
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(call generator,$(FUZZ_BUILD)) $(DEV_FLAGS)

fuzz: deps
	@scripts/fuzz.sh $(FUZZ_BUILD) 600 $(call generator,$(FUZZ_BUILD)) $(DEV_FLAGS)

# Benchmarks: ship a generated log set to the test server; prints MB/s, CPU s/GiB, peak RSS.
bench: build
	@scripts/bench.sh $(BUILD)

# Full-size long tests (the CI-sized versions run in `make test`).
soak: build
	@cd $(BUILD) && SKIFF_SOAK=1 ctest --output-on-failure --timeout 7200 -L soak

lint: deps
	@scripts/lint.sh

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

# Release build without tests, installed with cmake --install: `make install PREFIX=/opt/skiff
# DESTDIR=/tmp/stage`. The unit and config paths follow PREFIX (platforms/debian/packaging.cmake).
PREFIX ?= /usr/local
RELEASE_BUILD ?= build-release
install: deps
	@cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release -DSKIFF_BUILD_TESTS=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(RELEASE_BUILD) -j$(JOBS) --target skiff
	@cmake --install $(RELEASE_BUILD) --prefix $(PREFIX) --strip

# The Debian package (/usr/bin/skiff, the unit, /etc/skiff/skiff.toml, the skiff user) in
# $(RELEASE_BUILD)/.
deb: deps
	@cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release -DSKIFF_BUILD_TESTS=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(RELEASE_BUILD) -j$(JOBS) --target skiff
	@cd $(RELEASE_BUILD) && cpack -G DEB

# The smallest binary for edge nodes: static archives, nothing optional, stripped.
MINIMAL_BUILD ?= build-minimal
minimal: deps
	@cmake -S . -B $(MINIMAL_BUILD) -DCMAKE_BUILD_TYPE=Release -DSKIFF_MINIMAL=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(MINIMAL_BUILD) -j$(JOBS) --target skiff
	@ls -l $(MINIMAL_BUILD)/agent/skiff

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
