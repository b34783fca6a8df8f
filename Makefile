# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
PORT ?= 5000
export PORT  # outward links (mail, calendar, PDFs) use it when PUBLIC_BASE_URL is unset
export FLASK_APP := wsgi

.PHONY: install run test lock chromium redis perl-csv poppler vnu bench messages

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Each language's catalogue, compiled for the app (translations/<code>/LC_MESSAGES/messages.mo, not committed).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ >/dev/null
	@test -s $@

install: $(STAMP) $(CATALOGUES)

## make run: set up, migrate SQLite (instance/tracker.db), load the demo once, serve on PORT (5000).
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask clauses seed
	$(BIN)/flask seed-demo
	@echo ""
	@echo "  Library Partnership Tracker: open http://127.0.0.1:$(PORT)/ and sign in with an account above."
	@echo ""
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

chromium:
	@scripts/ensure-chromium

perl-csv:
	@scripts/ensure-perl-csv

redis:
	@scripts/ensure-redis

poppler:
	@scripts/ensure-poppler

vnu:
	@scripts/ensure-vnu

## make test: set up and run the whole suite (TEST_DATABASE_URL=postgresql://... for PostgreSQL).
test: install chromium redis perl-csv poppler vnu
	$(BIN)/pytest

lock:
	$(PYTHON) -m venv /tmp/tracker-lock && /tmp/tracker-lock/bin/pip install -q -r requirements.in \
	  && (echo "# Full pinned set: pip freeze of requirements.in. Regenerate with: make lock"; /tmp/tracker-lock/bin/pip freeze) > requirements.txt

bench: install
	$(BIN)/python bench/run.py

## make messages: extract every marked string into translations/messages.pot, bring each language's catalogue up to
## date with it (new strings empty, changed ones marked fuzzy), and compile them. README "Translations" says the rest.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-wrap --sort-by-file --omit-header -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d translations --statistics
