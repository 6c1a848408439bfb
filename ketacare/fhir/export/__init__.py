"""The clinic's right to leave: `ketacare export --format fhir|csv OUTDIR --organisation SLUG` writes the
whole organisation to a directory (docs/leaving.md).

    fhir   one NDJSON file per resource type (Patient.ndjson, ...), every resource the registry serves
    csv    flat CSV tables for spreadsheets (patients.csv, diagnoses.csv, ...)
    both   documents/<patient id>/*.pdf (signed consents, session records, REMS forms, consultation notes,
           uploaded files) with documents.csv, and manifest.json (what was written, counts, when, version)

Everything streams (querysets iterated in chunks, one PDF at a time), so memory stays flat as the clinic
grows. The export is run by the operator at the server, not by a user: it reads as `OPERATOR` (every
source, the role matrix is for users) and is audited as one export entry of the organisation with no actor.
"""
