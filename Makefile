# marsim: the two commands a new machine needs are `make demo` and `make test`.
# Both install the C libraries first when they are missing (Debian: libhdf5-dev, libopenblas-dev).

SWIFT ?= swift
# Release builds for anything timed; AVX2/FMA code generation for this machine's CPU.
RELEASE_FLAGS = -c release -Xswiftc -target-cpu -Xswiftc native
MARSIM = .build/release/marsim
CHECKPOINT = checkpoints/tiny-llamba-bytes

.PHONY: deps build release test demo bench clean

deps:
	@if ! pkg-config --exists hdf5-serial 2>/dev/null || ! pkg-config --exists openblas 2>/dev/null; then \
		echo "installing libhdf5-dev and libopenblas-dev (HDF5 and OpenBLAS C libraries) ..." >&2; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libhdf5-dev libopenblas-dev pkg-config >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

test: deps
	$(SWIFT) test
	$(SWIFT) build
	timeout 1200 bash scripts/slurm-test.sh .build/debug/marsim

demo: release
	@bash scripts/demo.sh $(MARSIM) $(CHECKPOINT)

bench: release
	$(MARSIM) bench --shape llamba-1b

clean:
	rm -rf .build
