"""A clinic arriving with its data: FHIR R4 import (docs/fhir.md "Import").

reader.py turns a Bundle, an NDJSON file or a directory of NDJSON files into resources (or one clear file
error); mapping.py checks each resource and turns it into what KetaCare records; actions.py writes it through
the registry's and measures' actions, one transaction per patient; models.py keeps the source-id map that
makes a second import create nothing, the historical scores and the page's import runs; runs.py, views.py
and urls.py are the clinic admin's page (/clinic/import/); `ketacare import fhir` is
fhir/management/commands/import.py.
"""
