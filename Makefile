# Two commands on a fresh machine with Python 3.11 and make:  make demo  /  make test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
OUT    := out

.PHONY: demo test smoke lint schema bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/allocator solve scenarios/rural-county.json -o $(OUT)/rural-county --time-limit 30
	$(BIN)/allocator verify scenarios/rural-county.json $(OUT)/rural-county
	$(BIN)/allocator map $(OUT)/rural-county -o $(OUT)/rural-county/map.html
	$(BIN)/allocator map $(OUT)/rural-county -o $(OUT)/rural-county/map.png
	$(BIN)/allocator export $(OUT)/rural-county -o $(OUT)/rural-county/plan.xlsx --lang zh
	@echo "demo outputs in $(OUT)/rural-county (map.html: open in a browser, works offline;"
	@echo "plan.xlsx: the Excel report in Chinese)"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# bounded smoke of the slow tests (CI runs it after `make test`)
smoke: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m slow -x

lint: $(VENV)/.installed-test
	$(BIN)/ruff check allocator api geo tests benchmarks scenarios
	$(BIN)/lint-imports

schema: $(VENV)/.installed
	$(BIN)/allocator schema -o scenarios/scenario.schema.json
	$(BIN)/allocator schema --result -o scenarios/result.schema.json

clean:
	rm -rf $(OUT) .pytest_cache
