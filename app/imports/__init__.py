"""Spreadsheet import and export of the agreement register (API.md, "Added in version 1.1",
Import): the template, reading .xlsx and .csv files, the all-or-nothing import through the
agreement and finance services, and the export in the template's columns.

- ``columns.py``  the template's columns and the Swedish names of kinds and roles
- ``files.py``    reading an uploaded file into rows of raw cells (no database)
- ``services.py`` pure cell parsers and the import service
- ``workbooks.py`` the template and the export as .xlsx
- ``views.py``    the import page and the export download; ``cli.py`` the ``flask import`` group
"""
