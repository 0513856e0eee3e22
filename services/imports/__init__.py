"""Spreadsheets in: HXL-tagged CSV or XLSX uploads of requests and offers, previewed row by row and
posted through Concord's own commands."""
