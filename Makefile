# Two commands do all set-up on a fresh machine with Python 3.11:
#   make app    create .venv on first use, install, run the app on :8501
#   make test   the same set-up, then lint and the whole test suite
# CI runs `make test` (see .ci/run).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: app test lint bench clean catalog

# The project itself goes in editable (`import landscape` from anywhere); its
# dependencies are requirements.txt, so `-e .` adds nothing to download.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt -e .
	rm -f $(VENV)/.installed-* && touch $@

app: $(STAMP)
	$(BIN)/streamlit run app.py

test: $(STAMP)
	bash tools/ensure-chromium.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2

bench: $(STAMP)
	$(BIN)/python bench/loss_curves.py
	$(BIN)/python bench/swarm.py
	$(BIN)/python bench/app_latency.py

# A class: REPLICAS Streamlit processes on 127.0.0.1:PORT+1.., haproxy on PORT of
# all interfaces, sticky by cookie. Foreground; Ctrl-C stops all (tools/classroom.py).
REPLICAS ?= 2
PORT     ?= 8500
.PHONY: class
class: $(STAMP)
	bash tools/ensure-debian.sh haproxy /usr/sbin/haproxy
	$(BIN)/python tools/classroom.py --replicas $(REPLICAS) --port $(PORT)

# After marking strings with _() or N_(): new msgids enter the catalogs (untranslated,
# which tests/test_i18n.py refuses until each has its translation).
catalog: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location -o landscape/locale/landscape-lab.pot .
	$(BIN)/pybabel update -i landscape/locale/landscape-lab.pot -d landscape/locale -D landscape-lab --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
