# fedops.peertube: the one entry point for building, testing and the lab.
#   make lab      the main job: a disposable lab host through the PeerTube lifecycle
#   make test     everything a change must pass (lint, unit, every molecule scenario)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# The collection is resolved from this working tree through a symlink farm.
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.cache/collections
export ANSIBLE_FORCE_COLOR := false
export PY_COLORS := 0

# Every scenario `make test` runs. install_trixie (Debian 13) runs on demand
# (make molecule S=install_trixie): it repeats the install scenario on the next release.
SCENARIOS ?= harness upgrade upgrade_modern upgrade_faults rollback incident modules hls_migration \
	docker_switch fleet standin install
STAGE := tests/stage.sh

.PHONY: help test lab lab-down lint unit molecule molecule-all images standin bench clean \
	venv docker collections prerequisites host-tools fixtures

help:
	@echo "make lab                the main job: a lab host through the PeerTube lifecycle"
	@echo "make lab-down           remove the lab host"
	@echo "make test               lint + unit + every molecule scenario ($(SCENARIOS))"
	@echo "make lint | unit        one part of the tests"
	@echo "make molecule S=<name>  one molecule scenario"
	@echo "make images | standin   the test images / the PeerTube stand-in"
	@echo "make bench B=<name>     one benchmark (tests/bench/<name>.*), figures printed"
	@echo "make clean              remove caches, the venv and the test containers"

$(VENV)/.installed: requirements-dev.txt
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

collections: .cache/collections/ansible_collections/fedops/peertube
.cache/collections/ansible_collections/fedops/peertube:
	mkdir -p $(@D)
	ln -sfn ../../../.. $@

docker:
	tests/ensure-docker.sh

host-tools:
	tests/ensure-host-tools.sh

prerequisites: venv collections docker host-tools
	mkdir -p .cache/apt-archives/partial

images: prerequisites
	tests/images/build.sh bookworm

standin: images
	STANDIN_IMAGES=1 tests/peertube_standin/build.sh

# Hosts converged once and committed, so scenarios start from "3.4.0 installed".
FIXTURES ?= peertube-3.4.0
fixtures: standin
	tests/peertube_standin/serve.sh start >/dev/null
	for f in $(FIXTURES); do $(STAGE) fixture-$$f tests/fixtures/build.sh $$f; done

lint: venv collections
	$(STAGE) yamllint yamllint --strict .
	$(STAGE) ansible-lint ansible-lint --profile production
	$(STAGE) ruff ruff check .
	$(STAGE) sanity tests/sanity.sh

unit: venv collections host-tools
	$(STAGE) unit tests/run-pytest.sh tests/unit tests/peertube_standin/tests

molecule: prerequisites fixtures
	@test -n "$(S)" || { echo "usage: make molecule S=<scenario>"; exit 2; }
	eval "$$(tests/harness-env.sh)"; $(STAGE) molecule-$(S) molecule test -s $(S)

molecule-all: prerequisites images standin fixtures
	eval "$$(tests/harness-env.sh)"; for s in $(SCENARIOS); do $(STAGE) molecule-$$s molecule test -s $$s; done

test: prerequisites
	rm -f .cache/stage-times.txt
	$(STAGE) images $(MAKE) --no-print-directory images
	$(STAGE) standin $(MAKE) --no-print-directory standin
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory molecule-all
	@echo "=== stage durations"; cat .cache/stage-times.txt

lab: prerequisites images standin
	tests/lab/lab.sh up

lab-down:
	tests/lab/lab.sh down

bench: prerequisites fixtures
	@test -n "$(B)" || { echo "usage: make bench B=<name>; available: $$(ls tests/bench | sed 's/\..*//' | sort -u | xargs)"; exit 2; }
	@script=$$(ls tests/bench/$(B).* 2>/dev/null | head -1); \
	test -n "$$script" || { echo "no benchmark named $(B) in tests/bench"; exit 2; }; \
	eval "$$(tests/harness-env.sh)"; "$$script"

clean:
	-tests/lab/lab.sh down
	-for s in $$(ls molecule); do molecule destroy -s $$s >/dev/null 2>&1; done
	-docker volume rm -f fedops-molecule-docker-switch-lib >/dev/null
	rm -rf .cache .pytest_cache .ruff_cache fedops-peertube-*.tar.gz
