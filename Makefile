# The two commands a newcomer needs: `make demo` and `make test`. Everything else is below.
UV_VERSION := 0.13.8
UV := .tools/bin/uv
PY := .venv/bin/python
PORT ?= 8000

.PHONY: demo test install lint format messages check-locale bench clean system-deps

demo: install
	$(PY) -m ronghe.cli demo --port $(PORT)

test: install system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

install: .venv/.synced ronghe/core/static/vendor/versions.json var/ronghe.env

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked
	touch $@

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

ronghe/core/static/vendor/versions.json: node_modules/.package-lock.json scripts/copy_assets.py
	$(PY) scripts/copy_assets.py

var/ronghe.env:
	$(PY) scripts/init_env.py

system-deps:
	@scripts/system-deps.sh

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy ronghe

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

messages: install
	$(PY) manage.py makemessages --locale zh_Hans --no-obsolete --no-location --ignore=.venv --ignore=node_modules --ignore=.tools --ignore=bench
	$(PY) manage.py compilemessages --locale zh_Hans --ignore=.venv --ignore=node_modules --ignore=.tools

check-locale: install
	$(PY) scripts/check_locale.py

bench: install
	$(PY) bench/run.py

clean:
	rm -rf .venv .tools node_modules ronghe/core/static/vendor
