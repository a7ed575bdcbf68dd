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
POLICY_BUILD := $(CARGO_TARGET_DIR)/wasm32-wasip1/release/promha_policy.wasm

.PHONY: run test setup setup-rust cli harness policy.wasm annotated-policy.wasm \
        lint actionlint unit e2e e2e-tests cli-test wheel package-check web web-test serve-web \
        bench mutants readme clean

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

## test: install what is missing, then formatting, lints, unit, end-to-end, CLI and browser tests
test: setup lint unit e2e cli-test package-check web-test

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

## policy.wasm: the Kubewarden policy (release, wasm32-wasip1) at the repository root
policy.wasm: setup-rust
	$(CARGO) build --release -p promha-policy --target wasm32-wasip1
	cp $(POLICY_BUILD) policy.wasm

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

## bench: lint a generated corpus of 10,000 documents
bench:
	$(CARGO) bench -p promha

## mutants: how many of promha-core's mutants its own tests catch (cargo-mutants; long: not in `make test`)
# SHARD=k/n runs the k-th of n slices (e.g. SHARD=0/5 for a fifth).
SHARD ?= 0/1
mutants:
	@command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
	$(CARGO) mutants -p promha-core --shard $(SHARD) --timeout 300 --output $(CARGO_TARGET_DIR)/mutants

## readme: regenerate README.md's rule and settings tables and schema/promha.schema.json from the declarations
readme:
	PROMHA_BLESS=1 $(CARGO) test -p promha-core --lib catalogue

clean:
	rm -f policy.wasm annotated-policy.wasm
	rm -rf web/dist
