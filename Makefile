PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check install clean system-deps

# Debian packages the tests need: Chromium for the console's browser tests (Playwright drives it;
# Playwright's own browser download does not work here), CJK fonts so pages and charts render Chinese,
# pango, which WeasyPrint uses to set PDF reports, and PostgreSQL, which scripts/with-postgres starts
# for the tests when no server answers.
DEBIAN_PACKAGES := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/monitor demo

system-deps:
	@dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1 || { \
	  echo "installing $(DEBIAN_PACKAGES) (Debian packages)"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; }

# the whole suite: what CI runs (.ci/run)
test: $(STAMP) system-deps
	scripts/with-postgres $(BIN)/python -m pytest -q

# the quick tier for every edit: no browser, no reliability runs, no byte-for-byte model rebuild; on both cores
check: $(STAMP)
	scripts/with-postgres $(BIN)/python -m pytest -q -n 2 -m "not browser and not reliability and not rebuild"

clean:
	rm -rf $(VENV)
