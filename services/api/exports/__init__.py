"""The exports, named by format. HXL-tagged CSV: ``hxl`` (requests, offers, coverage, safe havens,
flows), ``hxl_field`` (movements and the 3W), ``hxl_files`` (the same, to a file, for ``concord
export``), written by ``hxl_csv``. IATI 2.03 XML: ``iati``, of activities made by ``iati_activities``."""
