# Hearth: one entry point for people and CI.
#   make run    set up, build, and open the app (the demo community is created on first start)
#   make test   every check: fmt, clippy, core tests, binding drift, shell tests, svelte-check,
#               vitest, and the end-to-end tests of the real window under Xvfb
# `setup` installs only what is missing, so a warm `make test` calls neither apt nor npm.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

export CARGO_TARGET_DIR ?= $(HOME)/.cache/hearth/target
export HEARTH_DATASETS ?= $(abspath ../shared/datasets)

TOOLS_DIR := $(HOME)/.cache/hearth/tools
TAURI_DRIVER := $(TOOLS_DIR)/bin/tauri-driver
export TAURI_DRIVER
APP := $(CARGO_TARGET_DIR)/debug/hearth-desktop
CLI := $(CARGO_TARGET_DIR)/debug/hearth
UI_STAMP := $(CARGO_TARGET_DIR)/hearth-ui-sources.sha256
NODE_MAJOR := 20
NODE_MINOR := 19

# Build: WebKitGTK for the window. Tests: Xvfb (+ xauth, which xvfb-run needs and
# no-recommends would skip) and WebKitWebDriver. ImageMagick (`import`) and xdotool take
# screenshots and clicks outside WebDriver; librsvg draws the icons for bundles; Noto CJK
# draws the Simplified Chinese interface (Debian ships no CJK font by default).
APT_PACKAGES := git time pkg-config libwebkit2gtk-4.1-dev librsvg2-dev xvfb xauth webkit2gtk-driver imagemagick xdotool fonts-noto-cjk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

XVFB_RUN := xvfb-run -a -s '-screen 0 1280x800x24'
NO_DISPLAY_MESSAGE := hearth: no display found (DISPLAY is not set); run it under a desktop session or with: xvfb-run make run

.PHONY: help setup check-node system-packages ui-deps tauri-driver ui-build app cli run dev \
	test check-datasets fmt clippy core-test check-bindings shell-test svelte-check vitest e2e bench bench-screens clean-ui

help:
	@echo "make run    build and open Hearth (xvfb-run make run without a display)"
	@echo "make test   every check, end-to-end tests included"
	@echo "make setup  install what is missing (apt packages, npm packages, tauri-driver)"
	@echo "make e2e    only the end-to-end tests of the real window"
	@echo "make bench  time the core's heavy paths on the demo community (for BENCHMARKS.md)"

# ---------------------------------------------------------------------------- setup

setup: check-node system-packages ui-deps tauri-driver

check-node:
	@command -v node >/dev/null || { echo "setup: Node.js >= $(NODE_MAJOR).$(NODE_MINOR) is needed to build the UI and run the tests; install it (e.g. apt-get install nodejs npm, or from nodejs.org)"; exit 1; }
	@version=$$(node -p 'process.versions.node'); major=$${version%%.*}; rest=$${version#*.}; minor=$${rest%%.*}; \
	if [ "$$major" -lt $(NODE_MAJOR) ] || { [ "$$major" -eq $(NODE_MAJOR) ] && [ "$$minor" -lt $(NODE_MINOR) ]; }; then \
	  echo "setup: Node.js >= $(NODE_MAJOR).$(NODE_MINOR) is needed (Vite 8 requires it), this is $$version; install a newer Node.js"; exit 1; \
	fi

system-packages:
	@missing=$$(for package in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' "$$package" 2>/dev/null | grep -qx 'install ok installed' || echo "$$package"; \
	  done | xargs); \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing system packages: $$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

# npm writes node_modules/.package-lock.json on every install: older than the lockfile
# means the lockfile changed since.
ui-deps: ui/node_modules/.package-lock.json
ui/node_modules/.package-lock.json: ui/package-lock.json ui/package.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

tauri-driver: $(TAURI_DRIVER)
$(TAURI_DRIVER):
	cargo install tauri-driver --version '^2' --locked --root $(TOOLS_DIR)

# ---------------------------------------------------------------------------- build

# The UI is rebuilt only when its sources changed (by content: `cargo test` rewrites the
# generated bindings' files even when they say the same), because a new ui/dist makes
# cargo re-embed it and relink the shell.
ui-build: ui-deps
	@sources=$$(cd ui && find src public index.html package-lock.json vite.config.ts svelte.config.js tsconfig.json \
	    -type f ! -name '*.test.ts' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1); \
	if [ -f ui/dist/index.html ] && [ "$$(cat $(UI_STAMP) 2>/dev/null)" = "$$sources" ]; then \
	  echo "ui: dist is up to date"; \
	else \
	  npm --prefix ui run build --silent; \
	  mkdir -p $(dir $(UI_STAMP)) && echo "$$sources" > $(UI_STAMP); \
	fi

# One cargo call builds the CLI and the shell (with the UI embedded, `custom-protocol`),
# sharing the core's artifacts; the e2e tests drive both.
app: setup ui-build
	cargo build -p hearth -p hearth-desktop --features hearth-desktop/custom-protocol

cli:
	cargo build -p hearth --bin hearth

run:
	@if [ "$$(uname -s)" = Linux ] && [ -z "$${DISPLAY:-}" ] && [ -z "$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "$(NO_DISPLAY_MESSAGE)" >&2; exit 1; fi
	@$(MAKE) app
	"$(APP)"

# Hot-reloading development window (Vite dev server + a shell built without custom-protocol).
dev: setup
	ui/node_modules/.bin/tauri dev

# ---------------------------------------------------------------------------- checks

test: setup check-datasets
	@$(MAKE) fmt
	@$(MAKE) ui-build
	@$(MAKE) clippy
	@$(MAKE) core-test
	@$(MAKE) check-bindings
	@$(MAKE) shell-test
	@$(MAKE) svelte-check
	@$(MAKE) vitest
	@$(MAKE) e2e

check-datasets:
	@[ -d "$(HEARTH_DATASETS)" ] || { echo "test: the sample datasets folder $(HEARTH_DATASETS) does not exist; put shared/datasets beside the repository or set HEARTH_DATASETS=PATH"; exit 1; }

fmt:
	cargo fmt --all --check

# After ui-build: the shell embeds ui/dist at compile time.
clippy:
	cargo clippy --workspace --all-targets -- -D warnings

# The core's tests; they also regenerate the UI's TypeScript bindings (ts-rs).
core-test:
	cargo test

check-bindings:
	@changes=$$(git status --porcelain -- ui/src/lib/api/bindings); \
	if [ -n "$$changes" ]; then \
	  echo "check-bindings: the TypeScript bindings generated by cargo test differ from the committed ones:"; \
	  echo "$$changes"; \
	  echo "The Rust types changed: review the diff (git diff ui/src/lib/api/bindings), adapt the UI, and commit the bindings."; \
	  exit 1; \
	fi

shell-test:
	cargo test -p hearth-desktop --features custom-protocol

svelte-check: ui-deps
	cd ui && npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings

vitest: ui-deps
	cd ui && npx vitest run

# The real window under Xvfb: tauri-driver -> WebKitWebDriver -> hearth-desktop, on a
# fresh temporary store. Missing prerequisites fail the run; nothing is skipped.
e2e: app
	@command -v xvfb-run >/dev/null || { echo "e2e: xvfb-run is missing (apt package xvfb); run make setup"; exit 1; }
	@command -v WebKitWebDriver >/dev/null || { echo "e2e: WebKitWebDriver is missing (apt package webkit2gtk-driver); run make setup"; exit 1; }
	@[ -x "$(TAURI_DRIVER)" ] || { echo "e2e: tauri-driver is missing at $(TAURI_DRIVER); run make setup"; exit 1; }
	cargo build -p hearth --example generate_export
	$(XVFB_RUN) node --test --test-concurrency=1 tests/e2e/app.test.mjs

# Timings, not checks: not part of `make test`.
bench:
	cargo bench --bench core
	HEARTH_TOOLS_DIR=$(TOOLS_DIR) bash benches/import.sh
	@$(MAKE) bench-screens

# Each screen of the real window on the demo scaled to about a million messages (the store
# is made by the release CLI; the window is the one `make e2e` drives).
bench-screens: app
	cargo build --release --bin hearth
	HEARTH_APP=$${HEARTH_APP:-$(APP)} HEARTH_CLI=$${HEARTH_CLI:-$(CARGO_TARGET_DIR)/release/hearth} $(XVFB_RUN) node tests/e2e/screens.bench.mjs

clean-ui:
	rm -rf ui/dist $(UI_STAMP)
