"""Reading: CSV/TSV/TXT and Excel exports, and failures files of earlier runs, into one table
of text cells with the source file and spreadsheet row of every row; and the pager of
CustomerGauge's GET sync endpoints (close-loop, responses), shared by planning and verify.

Owns encodings, delimiters, sheets, header mapping, paging. May import the kernel only
(config, errors, model, and formula_guard to undo its guard on a failures file).
"""
