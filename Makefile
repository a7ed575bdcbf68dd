# promha. `make run` and `make test` work on a fresh machine (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

# Outside the clone, so repeated CI runs on one machine stay warm.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/promha-target
# Cargo caches rustc's target probe in the target directory, failures too: one
# failed probe (seen for wasm32-unknown-unknown) then fails every later run on
# the machine. Probing afresh costs milliseconds.
export CARGO_CACHE_RUSTC_INFO := 0
CARGO ?= cargo
PROMHA := $(CARGO_TARGET_DIR)/release/promha
KWRUN := $(CARGO_TARGET_DIR)/debug/kwrun
POLICY_BUILD := $(CARGO_TARGET_DIR)/wasm32-wasip1/policy/promha_policy.wasm
NOOP_BUILD := $(CARGO_TARGET_DIR)/wasm32-wasip1/policy/promha_noop_policy.wasm
NOOP_OPTIMIZED := $(CARGO_TARGET_DIR)/noop-policy.wasm
NOOP_POLICY := $(CARGO_TARGET_DIR)/noop-policy.annotated.wasm

.PHONY: run test setup setup-rust cli harness policy.wasm annotated-policy.wasm noop-policy \
        lint actionlint unit e2e e2e-tests cli-test wheel package-check web web-test serve-web \
        bench profile fuzz fuzz-ci mutants readme clean

## run: build the CLI and the policy, lint the bundled examples, evaluate the example admission requests
run: setup-rust cli annotated-policy.wasm
	@echo "== promha lint examples/manifests/good"
	@$(PROMHA) lint examples/manifests/good
	@echo
	@echo "== promha lint examples/manifests/broken   (finds the classic mistakes; exit status 1)"
	@$(PROMHA) lint examples/manifests/broken || [ $$? -eq 1 ]
	@echo
	@echo "== promha lint examples/cluster   (what a cluster runs, as kubectl get ... -o yaml reports it; exit status 1)"
	@$(PROMHA) lint examples/cluster || [ $$? -eq 1 ]
	@echo
	@for request in examples/requests/*.json; do \
	  echo "== policy: $$request"; \
	  $(KWRUN) run annotated-policy.wasm --request-path "$$request" --cluster-state examples/requests/cluster.yaml \
	    | python3 scripts/verdict.py; \
	done

## test: install what is missing, then formatting, lints, unit, end-to-end, CLI and browser tests, and each fuzz target briefly
test: setup lint unit e2e cli-test package-check web-test fuzz-ci

setup:
	scripts/setup.sh

setup-rust:
	@rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1

cli:
	$(CARGO) build --release -p promha

# Built the way `cargo test` builds it (dev-dependency features unified), so
# the e2e tests reuse this build of wasmtime instead of compiling it again.
harness:
	$(CARGO) test -p promha-e2e --no-run

## policy.wasm: the Kubewarden policy (wasm32-wasip1, [profile.policy], then wasm-opt -Oz) at the repository root
policy.wasm: setup-rust
	$(CARGO) build --profile policy -p promha-policy --target wasm32-wasip1
	$(call wasm_opt,$(POLICY_BUILD),policy.wasm)

# wasm-opt -Oz $(1) into $(2): measured under callgrind (make bench), it
# makes the policy 11% smaller and 8% cheaper per request. Without binaryen
# (`make setup` installs it) the module is used as rustc wrote it.
WASM_OPT_FEATURES := --enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int
define wasm_opt
	@if command -v wasm-opt >/dev/null; then \
	  echo "wasm-opt -Oz $(1) -o $(2)"; \
	  wasm-opt -Oz $(WASM_OPT_FEATURES) $(1) -o $(2); \
	else \
	  echo "wasm-opt not found: $(2) is not size-optimized (make setup installs binaryen)"; \
	  cp $(1) $(2); \
	fi
endef

## annotated-policy.wasm: policy.wasm with metadata.yml and README.md (as usage) embedded
# As `kwctl annotate -m metadata.yml -u README.md` does (e2e-tests/tests/kwctl.rs
# checks they embed the same document). kwrun keeps every key of metadata.yml,
# where a kwctl older than 1.36 (as Kubewarden's workflows install) would drop
# hostCapabilities.
annotated-policy.wasm: policy.wasm harness
	$(KWRUN) annotate policy.wasm --metadata metadata.yml --usage README.md -o annotated-policy.wasm

lint: actionlint
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p promha-policy --target wasm32-wasip1 -- -D warnings
	$(CARGO) clippy -p promha-web --target wasm32-unknown-unknown -- -D warnings

unit:
	$(CARGO) test --workspace --exclude promha-e2e

## actionlint: lint the GitHub workflows (and check action.yml's structure)
actionlint:
	scripts/actionlint.sh

e2e: annotated-policy.wasm
	PROMHA_POLICY_WASM=$(CURDIR)/annotated-policy.wasm $(CARGO) test -p promha-e2e

## e2e-tests: the end-to-end tests with the real kwctl required (the target Kubewarden's workflows run)
e2e-tests: export PROMHA_REQUIRE_KWCTL = 1
e2e-tests:
	scripts/setup.sh e2e
	$(MAKE) e2e

# The CLI's wheel (maturin, bindings = "bin"), as PyPI gets it.
WHEEL_DIR := $(CARGO_TARGET_DIR)/promha-wheels
## wheel: build the promha wheel into $(WHEEL_DIR)
wheel:
	rm -rf $(WHEEL_DIR)
	maturin build --release --locked --out $(WHEEL_DIR)

# The wheel in a clean virtualenv without Rust, and the pre-commit hooks
# (pre-commit/ installs that wheel; promha-system runs it from the PATH).
cli-test: cli wheel
	PROMHA_REQUIRE_TOOLS=1 scripts/wheel-test.sh $(WHEEL_DIR)
	PROMHA_REQUIRE_TOOLS=1 crates/promha/tests/pre-commit.sh $(WHEEL_DIR)

## package-check: `cargo publish --dry-run` for promha-core, and the packaged promha crate built against it
package-check:
	scripts/package-check.sh

## web: build web/dist (wasm-bindgen + wasm-opt)
web:
	web/scripts/build.sh

serve-web: web
	web/scripts/serve.sh

web-test:
	web/scripts/test.sh

# The benchmark's baseline: a policy from the same SDK that accepts everything,
# built with the same profile and annotated the same way.
noop-policy: setup-rust harness
	$(CARGO) build --profile policy -p promha-noop-policy --target wasm32-wasip1
	$(call wasm_opt,$(NOOP_BUILD),$(NOOP_OPTIMIZED))
	$(KWRUN) annotate $(NOOP_OPTIMIZED) --metadata e2e-tests/noop-policy/metadata.yml -o $(NOOP_POLICY)

## bench: one table: admission as policy-server runs it beside a no-op policy, sizes, the CLI on generated corpora (and policy-server when on PATH)
bench: cli annotated-policy.wasm noop-policy web
	$(CARGO) build --profile measure -p promha-bench
	PROMHA_POLICY_WASM=$(CURDIR)/annotated-policy.wasm PROMHA_NOOP_WASM=$(NOOP_POLICY) \
	  PROMHA_POLICY_MODULE=$(CURDIR)/policy.wasm PROMHA_NOOP_MODULE=$(NOOP_OPTIMIZED) \
	  PROMHA_CLI=$(PROMHA) PROMHA_WEB_WASM=$(CURDIR)/web/dist/promha_web_bg.wasm \
	  $(CARGO_TARGET_DIR)/measure/promha-bench

## profile: where an admission request's instructions go: the policy's path run natively under callgrind, costliest functions first (REQUEST=0|1|2, as in make bench)
REQUEST ?= 1
profile:
	$(CARGO) build --profile measure -p promha-bench
	valgrind --tool=callgrind --collect-atstart=no '--toggle-collect=*native_call*' \
	  --callgrind-out-file=$(CARGO_TARGET_DIR)/profile.callgrind --quiet $(CARGO_TARGET_DIR)/measure/promha-bench native $(REQUEST) 20
	callgrind_annotate --inclusive=yes $(CARGO_TARGET_DIR)/profile.callgrind | grep -E 'promha_(core|policy)|PROGRAM TOTALS' | awk 'NR <= 40'

## fuzz: run each cargo-fuzz target (fuzz/) for FUZZ_SECONDS (default 60); a crash fails, its input kept in fuzz/artifacts/
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# What `make test` runs: each target briefly, from the seed corpora (skipped,
# with a message, where nightly or cargo-fuzz is missing).
fuzz-ci:
	FUZZ_SECONDS=15 FUZZ_SKIP_MISSING=1 scripts/fuzz.sh

## mutants: how many of promha-core's mutants its own tests catch (cargo-mutants; long: not in `make test`)
# SHARD=k/n runs every n-th mutant from the k-th (e.g. SHARD=0/5 for a fifth,
# spread over every file, so a shard is a fair sample of the whole).
SHARD ?= 0/1
mutants:
	@command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
	$(CARGO) mutants -p promha-core --sharding round-robin --shard $(SHARD) --timeout 300 --output $(CARGO_TARGET_DIR)/mutants

## readme: regenerate README.md's rule and settings tables and schema/promha.schema.json from the declarations
readme:
	PROMHA_BLESS=1 $(CARGO) test -p promha-core --lib catalogue

clean:
	rm -f policy.wasm annotated-policy.wasm
	rm -rf web/dist
