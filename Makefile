# wabiz.onprem build/test entry points.  `make help` lists the targets.
#
# Everything runs from a fresh clone: `make venv` creates .venv (Python 3.12, requirements-dev.txt)
# and .venv-2.20 (ansible-core 2.20 line, sanity only); `make collection` builds the symlink farm
# .build/collections/ansible_collections/wabiz/onprem -> repo root.

SHELL := /bin/bash
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

NAMESPACE := wabiz
NAME := onprem
COLLECTIONS_DIR := .build/collections
FARM := $(COLLECTIONS_DIR)/ansible_collections/$(NAMESPACE)/$(NAME)

# Python >= 3.12 for the venvs: newest pyenv 3.12.x (its shims are broken, use the real binary),
# else python3 if it is new enough.  Override with `make PYTHON=/path/to/python3.12 ...`.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell hacking/find-python.sh)
endif

VENV := .venv
VENV_STAMP := $(VENV)/.stamp-requirements-dev
VENV220 := .venv-2.20
VENV220_STAMP := $(VENV220)/.stamp-requirements-dev-2.20
VENVTOOLS := .venv-tools
VENVTOOLS_STAMP := $(VENVTOOLS)/.stamp-requirements-tools
VENVMUT := .venv-mutate
VENVMUT_STAMP := $(VENVMUT)/.stamp-requirements-mutate

export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(COLLECTIONS_DIR)

.PHONY: help venv venv-main venv-2.20 venv-tools distclean collection test sanity units pytest molecule lint build changelog galaxy ee docs readmes demo bench fuzz mutate clean

help: ## list the targets
	@echo "wabiz.onprem make targets:"
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-11s %s\n", $$1, $$2}'
	@echo "Single stages: hacking/test.sh [setup|sanity|sanity-2.21|sanity-2.20|pytest|molecule|lint|build|changelog|galaxy|ee|docs]..."

venv: $(VENV_STAMP) $(VENV220_STAMP) ## create/update .venv (3.12, requirements-dev.txt) and .venv-2.20

venv-main: $(VENV_STAMP)
venv-2.20: $(VENV220_STAMP)
venv-tools: $(VENVTOOLS_STAMP) ## create/update .venv-tools (requirements-tools.txt: galaxy-importer, ansible-builder, antsibull)

# $(1)=venv dir, $(2)=requirements file, $(3)=stamp
define make_venv
	@test -n "$(PYTHON)" || { echo "make: no Python >= 3.12 found (pyenv versions/3.12*, python3); set PYTHON=" >&2; exit 1; }
	@if [ -x $(1)/bin/python ] && ! $(1)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' 2>/dev/null; then \
	  echo ">>> $(1): wrong Python, recreating"; rm -rf $(1); fi
	@if [ ! -x $(1)/bin/python ]; then echo ">>> creating $(1) with $(PYTHON)"; $(PYTHON) -m venv $(1); fi
	@echo ">>> installing $(2) into $(1)"
	@$(1)/bin/python -m pip install -q --disable-pip-version-check -r $(2)
	@touch $(3)
	@echo ">>> $(1) ready: $$($(1)/bin/ansible --version 2>/dev/null | sed -n 1p)"
endef

$(VENV_STAMP): requirements-dev.txt
	$(call make_venv,$(VENV),requirements-dev.txt,$@)

$(VENV220_STAMP): requirements-dev-2.20.txt
	$(call make_venv,$(VENV220),requirements-dev-2.20.txt,$@)

$(VENVTOOLS_STAMP): requirements-tools.txt
	$(call make_venv,$(VENVTOOLS),requirements-tools.txt,$@)

collection: ## symlink farm .build/collections/ansible_collections/wabiz/onprem -> repo root
	@mkdir -p $(dir $(FARM))
	@if [ "$$(readlink $(FARM))" != "$(CURDIR)" ]; then rm -rf $(FARM); ln -s $(CURDIR) $(FARM); \
	  echo ">>> $(FARM) -> $(CURDIR)"; fi
	@echo ">>> use: export ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/$(COLLECTIONS_DIR)"

test: ## everything: sanity (2.21 + 2.20), pytest, molecule, lint, build, changelog, galaxy, ee, docs; last line = counts
	@hacking/test.sh all

sanity: ## ansible-test sanity with ansible-core 2.21 and 2.20
	@hacking/test.sh sanity

units: ## pytest over tests/unit, tests/simulator, tests/integration (-n 2)
	@hacking/test.sh pytest

pytest: units

molecule: ## molecule test --all (extensions/molecule, roles/*/molecule)
	@hacking/test.sh molecule

lint: ## ansible-lint (production profile, .ansible-lint)
	@hacking/test.sh lint

build: ## galaxy build + install into a temp dir + ansible-doc of every plugin and role
	@hacking/test.sh build

changelog: ## antsibull-changelog lint (if available)
	@hacking/test.sh changelog

galaxy: ## role READMEs up to date + galaxy-importer on the built tarball
	@hacking/test.sh galaxy

ee: ## ansible-builder introspect + create (execution environment build context, no container engine)
	@hacking/test.sh ee

docs: ## collection docs site with antsibull-docs + Sphinx into docs/build/html, and its lint
	@hacking/test.sh docs

readmes: venv-tools ## regenerate roles/*/README.md from roles/*/meta/argument_specs.yml
	@$(VENVTOOLS)/bin/python hacking/role_readmes.py

demo: venv-main collection ## run hacking/demo.sh with the venv and collection path
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" VIRTUAL_ENV="$(CURDIR)/$(VENV)" bash hacking/demo.sh

bench: venv-main collection ## run benchmarks/bench.py
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PYTHONPATH="$(CURDIR)/$(COLLECTIONS_DIR):$(CURDIR)/tests/simulator" \
	  $(VENV)/bin/python benchmarks/bench.py

fuzz: venv-main collection ## property tests (tests/**/test_prop_*.py) under the hypothesis profile fuzz; WABIZ_FUZZ_EXAMPLES per property (100000)
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/python hacking/fuzz.py

mutate: $(VENVMUT_STAMP) ## mutation testing of the core (slow, not in CI; docs/mutation.md): FILES=_checks.py JOBS=2 MAX_TIME=7200
	@$(VENVMUT)/bin/python hacking/mutate.py --files "$(FILES)" --jobs $(or $(JOBS),2) --max-time $(or $(MAX_TIME),7200)

$(VENVMUT_STAMP): requirements-mutate.txt
	$(call make_venv,$(VENVMUT),requirements-mutate.txt,$@)

clean: ## remove .build, tests/output, caches (keeps the venvs; `make distclean` removes them too)
	rm -rf .build tests/output .pytest_cache .ansible collections *.tar.gz docs/build
	find . -path ./.venv -prune -o -path ./.venv-2.20 -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## clean + remove .venv, .venv-2.20, .venv-tools and .venv-mutate
	rm -rf $(VENV) $(VENV220) $(VENVTOOLS) $(VENVMUT)
