"""Reading exports: CSV/TSV/TXT and Excel files, and failures files of earlier runs, into one
table of text cells with the source file and spreadsheet row of every row.

Owns encodings, delimiters, sheets, header mapping. May import the kernel only (config, errors,
model, and formula_guard to undo its guard on a failures file).
"""
