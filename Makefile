# hotline — `make run` starts the demo server, `make test` runs every test.
GO      ?= go
CONFIG  ?= configs/hotline.yaml
BIN     := bin/hotline
# Opus is built in where libopus is installed (scripts/deps.sh installs
# libopus-dev); `make TAGS=` builds without it. Expanded when a recipe runs,
# so after deps have been installed.
TAGS    ?= $(shell pkg-config --exists opus 2>/dev/null && echo opus)
TAGFLAG  = $(if $(TAGS),-tags $(TAGS))

.PHONY: run build test unit e2e bench soak fuzz deps deps-test vet clean

run: deps build
	./$(BIN) serve -config $(CONFIG)

build:
	$(GO) build $(TAGFLAG) -o $(BIN) ./cmd/hotline

deps:
	@scripts/deps.sh run
	@$(GO) mod download

deps-test:
	@scripts/deps.sh test
	@$(GO) mod download

vet:
	$(GO) vet $(TAGFLAG) ./...

# Unit tests, fuzz seeds and end-to-end tests against the real server with
# sipp and baresip over loopback.
test: deps-test vet
	$(GO) test $(TAGFLAG) -count=1 -timeout 15m ./...
	$(MAKE) fuzz FUZZTIME=5s

unit:
	$(GO) test $(TAGFLAG) -count=1 -short ./...

e2e: deps-test
	$(GO) test $(TAGFLAG) -count=1 -timeout 15m -v ./e2e/...

# Short fuzzing runs of every parser (longer: make fuzz FUZZTIME=5m).
FUZZTIME ?= 20s
FUZZ    = TAGFLAG="$(TAGFLAG)" GO="$(GO)" scripts/fuzz.sh
fuzz:
	$(FUZZ) FuzzParse ./dialplan $(FUZZTIME)
	$(FUZZ) FuzzReadWAV ./media $(FUZZTIME)
	$(FUZZ) FuzzUnmarshalDTMF ./media $(FUZZTIME)
	$(FUZZ) FuzzParseDTMFRelay ./media $(FUZZTIME)
	$(FUZZ) FuzzParseOffer ./sip $(FUZZTIME)
	$(FUZZ) FuzzCheckRequest ./sip $(FUZZTIME)
	$(FUZZ) FuzzPeekRequest ./sip $(FUZZTIME)
	$(FUZZ) FuzzParseCrypto ./sip $(FUZZTIME)
	$(FUZZ) FuzzGuardStream ./sip $(FUZZTIME)
	$(FUZZ) FuzzParseScript ./dialplan/sim $(FUZZTIME)
	$(FUZZ) FuzzDesktopMessage ./web $(FUZZTIME)
	$(FUZZ) FuzzParse ./rules $(FUZZTIME)
	$(FUZZ) FuzzText ./redact $(FUZZTIME)
	$(FUZZ) FuzzParseHeader ./recording $(FUZZTIME)
	$(FUZZ) FuzzParseSignature ./webhook $(FUZZTIME)
	$(FUZZ) FuzzParseReply ./analysis $(FUZZTIME)
	$(FUZZ) FuzzParseDigest ./sip $(FUZZTIME)
	$(FUZZ) FuzzRegister ./sip $(FUZZTIME)
	$(FUZZ) FuzzParse ./config $(FUZZTIME)
	$(FUZZ) FuzzCallsSearchQuery ./web $(FUZZTIME)
	$(FUZZ) FuzzInsightsQuery ./web $(FUZZTIME)
	$(FUZZ) FuzzAnalysisRerun ./web $(FUZZTIME)
	$(FUZZ) FuzzDialplanValidate ./web $(FUZZTIME)
	$(FUZZ) FuzzDialplanDeploy ./web $(FUZZTIME)
	$(FUZZ) FuzzDialplanSimulate ./web $(FUZZTIME)
	$(FUZZ) FuzzLogin ./web $(FUZZTIME)
	$(FUZZ) FuzzChatAPI ./web $(FUZZTIME)
	$(FUZZ) FuzzVerify ./chat $(FUZZTIME)
	$(FUZZ) FuzzEvents ./campaign/pacing $(FUZZTIME)

# Benchmarks and sipp load runs; writes BENCHMARKS.md.
bench: deps-test build
	$(GO) run $(TAGFLAG) ./bench -out BENCHMARKS.md

# Soak: 500 concurrent calls of churn (IVR, DTMF, queue, bridge to scripted
# agents) held for SOAK, then the memory after it; writes SOAK.md. Not part
# of `make test`. Longer: make soak SOAK=2h.
SOAK    ?= 15m
soak: deps-test build
	$(GO) run $(TAGFLAG) ./bench -only soak -soak $(SOAK) -soak-out SOAK.md

clean:
	rm -rf bin data
