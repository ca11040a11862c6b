# Flexio Billing. A fresh machine needs only `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint unit fuzz soak bench bench-large migrate worker services clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@scripts/ensure-wkhtmltopdf
	@scripts/ensure-pdfbox
	@scripts/ensure-dovecot
	@scripts/ensure-chromium
	@scripts/ensure-prism
	@touch $(STAMP)

migrate: install
	$(BIN)/billing migrate

# Serves on SQLite (var/billing.db) with the demo data loaded and the past demo months closed.
# Demo identities for `make run` only (each overridden by the environment): FLEXIO's VAT number derived
# from its SIREN, the EPC's example creditor identifier and IBAN. Production sets its own (README, Settings).
DEMO_ENV := BILLING_ADMIN_TOKEN=$${BILLING_ADMIN_TOKEN:-demo-admin-token} \
	BILLING_SELLER_VAT_NUMBER=$${BILLING_SELLER_VAT_NUMBER:-FR94820015006} \
	BILLING_SEPA_CREDITOR_ID=$${BILLING_SEPA_CREDITOR_ID:-FR72ZZZ123456} \
	BILLING_SEPA_CREDITOR_IBAN=$${BILLING_SEPA_CREDITOR_IBAN:-FR7630006000011234567890189} \
	BILLING_SEPA_CREDITOR_BIC=$${BILLING_SEPA_CREDITOR_BIC:-AGRIFRPP}

run: install
	$(BIN)/billing migrate
	$(DEMO_ENV) $(BIN)/billing demo
	$(DEMO_ENV) $(BIN)/billing render-documents
	$(DEMO_ENV) $(BIN)/billing serve --host 127.0.0.1 --port 8000

worker: install
	$(BIN)/billing worker

lint: install
	$(BIN)/ruff check billing ledger pricing invoices exports cases einvoicing tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Unit, integration (SQLite and PostgreSQL) and end-to-end tests, then ruff and mypy.
test: install
	$(BIN)/pytest -q -n 2 --dist loadgroup tests
	$(MAKE) --no-print-directory lint

unit: install
	$(BIN)/pytest -q tests/unit

# The mail parser fuzzed with 4 x 34,000 = 136,000 inputs (the default test run tries 150 per generator).
fuzz: install
	FUZZ_EXAMPLES=34000 $(BIN)/pytest -q -p no:randomly tests/unit/cases/test_mail_fuzz.py

# The model-based test of issue 18 (every invariant after every step of random billing) for SOAK_MINUTES
# (default 30) on each backend; the default test run tries MODEL_EXAMPLES x MODEL_STEPS (4 x 12).
soak: install
	SOAK_MINUTES=$${SOAK_MINUTES:-30} $(BIN)/pytest -q -p no:randomly tests/integration/test_ledger_model.py

bench: install
	$(BIN)/python -m bench.run

bench-large: install
	$(BIN)/python -m bench.run --large

services:
	@scripts/ensure-services

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
