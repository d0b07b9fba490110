# marsim: the two commands a new machine needs are `make demo` and `make test`.
# Both install the C libraries first when they are missing (Debian: libhdf5-dev, libopenblas-dev;
# librsvg2-bin renders the plots in the tests).

SWIFT ?= swift
# Release builds for anything timed; AVX2/FMA code generation for this machine's CPU.
RELEASE_FLAGS = -c release -Xswiftc -target-cpu -Xswiftc native
MARSIM = .build/release/marsim
CHECKPOINT = checkpoints/tiny-llamba-bytes

.PHONY: deps build release test demo bench install clean

deps:
	@if ! pkg-config --exists hdf5-serial 2>/dev/null || ! pkg-config --exists openblas 2>/dev/null || ! command -v rsvg-convert >/dev/null; then \
		echo "installing libhdf5-dev, libopenblas-dev (HDF5 and OpenBLAS C libraries) and librsvg2-bin (the plot tests' SVG renderer) ..." >&2; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libhdf5-dev libopenblas-dev pkg-config librsvg2-bin >/dev/null; \
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

# A self-contained install: the Swift runtime linked in (--static-swift-stdlib, its own build
# folder), the embedded checkpoint, the shipped profiles and the helper scripts under
# $(PREFIX)/share/marsim, where the binary finds them (see README "Install").
PREFIX ?= /usr/local
INSTALL_BUILD = $(SWIFT) build $(RELEASE_FLAGS) --static-swift-stdlib --scratch-path .build/install
install: deps
	$(INSTALL_BUILD)
	install -d "$(PREFIX)/bin" "$(PREFIX)/share/marsim/checkpoints" "$(PREFIX)/share/marsim/scripts"
	install -m 755 "$$($(INSTALL_BUILD) --show-bin-path)/marsim" "$(PREFIX)/bin/marsim"
	rm -rf "$(PREFIX)/share/marsim/checkpoints/tiny-llamba-bytes" "$(PREFIX)/share/marsim/hardware-profiles"
	cp -R checkpoints/tiny-llamba-bytes "$(PREFIX)/share/marsim/checkpoints/"
	cp -R hardware-profiles "$(PREFIX)/share/marsim/"
	install -m 755 scripts/check_trace.py scripts/check_nir.py scripts/convert_mc.py "$(PREFIX)/share/marsim/scripts/"
	@echo "installed $(PREFIX)/bin/marsim (resources in $(PREFIX)/share/marsim)"

clean:
	rm -rf .build
