# The two commands a newcomer needs: `make test` and `make demo` (see README).
# Only python3 (3.11) and make are required: uv is bootstrapped into .tools/ from PyPI and
# installs the exact versions in uv.lock into .venv/.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: install test lint simulators clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $$(command -v $(PYTHON))
	touch $@

install: $(VENV)/.installed

lint: install
	$(VENV)/bin/ruff check .

test: install lint
	$(VENV)/bin/pytest

simulators: install
	$(VENV)/bin/python -m simulators serve

clean:
	rm -rf $(VENV) .tools data
