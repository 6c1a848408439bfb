"""KetaCare's pytest plugin: the test builders more than one app needs, as fixtures.

Registered by `-p ketacare.testing.plugin` (pyproject.toml, pytest addopts). The package sits on the
top floor (ARCHITECTURE.md, "Floors"), so a test inside an app never imports it, nor another app's
tests: it asks for a fixture by name (`staff`, `make_patient`, `receive`, `make_chart`, ...).

  plugin.py    the entry point: test settings, the protocol and consent-text reseed after transactional tests,
               `--database-tests-only` (the PostgreSQL pass), registers the modules below
  personas.py  two organisations with two locations each, one user per role, patients, the password,
               signing a test client in, the audit entries a test wrote
  mail.py      a real SMTP server on loopback, free ports
  browser.py   Debian's chromium for pytest-playwright; signing in and out, vital signs on a session page
  intake.py    a complete candidacy intake's answers
  plans.py     the built-in IV template, a weighed patient, an IV candidate; plans made through the actions
               (candidacy approved for the route, weighed today, consent signed: make_plan_ready, make_treatment_plan)
  consents.py  consents signed in person through the signing action (sign_consents_for_route), a drawn PNG
  clinic.py    a staffed clinic: opening hours, chairs, shifts, skills, appointment types (scheduling)
  stock.py     controlled-substance products and receipts (ledger)
  sessions.py  session appointments, a stepped clock, an esketamine chart, REMS certification and enrollment
  pdf.py       the text of a generated PDF
  audit_trail.py  a small audit trail at known times (access history, the trail's pages and API)
  migrations.py  `migrate_to`: the test database moved to a migration and back (data migrations' tests)
  api_schema.py  schemathesis' coverage cases built when a fuzz test runs; the API schema loaded once
  throwaway.py the test settings' directories (documents, the OpenID key), removed when their maker ends
"""
