# Rust workspace: build, lint and test.

.PHONY: build-debug lint-rust test-rust

build-debug:
	$(CARGO) build --quiet --workspace --bins

lint-rust:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --quiet --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace
