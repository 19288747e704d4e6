# The README's two commands: `make run` and `make test`. Each does all the set-up it needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MARQUEE := $(VENV)/bin/marquee
DATA ?= .data/library
QUICK ?= .data/quick

.PHONY: run test bench setup content content-quick clean

setup:
	@scripts/bootstrap.sh

content: setup
	@$(MARQUEE) content build --out $(DATA)

content-quick: setup
	@$(MARQUEE) content build --quick --out $(QUICK)

run: content
	@$(MARQUEE) --data $(DATA)

test: content-quick
	@MARQUEE_TEST_DATA=$(QUICK) scripts/with-display.sh $(PY) -m pytest $(PYTEST_ARGS)

bench: content-quick
	@MARQUEE_TEST_DATA=$(QUICK) $(PY) -m tests.benchmarks

clean:
	rm -rf .data
