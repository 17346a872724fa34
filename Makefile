# Two commands do all set-up on a fresh machine with Python 3.11:
#   make app    create .venv on first use, install, run the app on :8501
#   make test   the same set-up, then lint and the whole test suite
# CI runs `make test` (see .ci/run).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: app test lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

app: $(STAMP)
	$(BIN)/streamlit run app.py

test: $(STAMP)
	bash tools/ensure-chromium.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2

bench: $(STAMP)
	$(BIN)/python bench/landscape.py
	$(BIN)/python bench/swarm.py
	$(BIN)/python bench/app_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
