# xrole: the two commands a newcomer needs are `make demo` and `make test`.
GO       ?= go
BIN      := bin/xrole
# urfave/cli's docs generation is dead weight in a credential_process.
TAGS     := urfave_cli_no_docs
export DBUS_SESSION_BUS_ADDRESS := unix:path=/nonexistent

.PHONY: all build test demo deps vet fuzz bench release-check clean

all: build

# Static (CGO_ENABLED=0): a dynamically linked binary spends ~1.5 ms more in
# the loader on every call.
build:
	CGO_ENABLED=0 $(GO) build -tags $(TAGS) -trimpath -o $(BIN) ./cmd/xrole

deps:
	@scripts/deps

vet:
	$(GO) vet ./...

# The whole suite: unit tests, and end-to-end tests of the real binary
# against moto_server, the IMDSv2 fake and the AWS CLI v1 and v2, in a
# network namespace with loopback only (scripts/offline).
test: deps vet
	$(GO) mod download
	scripts/offline $(GO) test -race -count=1 -timeout 15m ./...

demo: deps build
	$(GO) run ./internal/demo $(BIN)

# Fuzz each parser for a while (not part of test).
fuzz:
	$(GO) test ./internal/awsconfig -run '^$$' -fuzz FuzzParse -fuzztime 30s
	$(GO) test ./credproc -run '^$$' -fuzz FuzzSanitizeSessionName -fuzztime 30s
	$(GO) test ./credproc -run '^$$' -fuzz FuzzParseIMDSCreds -fuzztime 30s

# Warm-hit cost against hello-world baselines, init trace, herd (by hand).
bench: deps
	$(GO) run ./internal/bench -runs 200 -herd 64

# goreleaser (pinned v2.16.0, installed into bin/tools) check and a
# snapshot build of every target, with checks of the binaries, archives and
# packages; CI also installs the deb (scripts/release-check).
release-check: deps
	scripts/release-check

clean:
	rm -rf bin dist build
