"""The four monitors' baseline folders on disk and their runs over joined records.

Data quality (``statistics.json`` + ``constraints.json``), model quality (``model_quality/``),
bias (``bias/``) and attribution (``attribution/``): how each baseline is read and written,
and the accumulator each monitor feeds — one code path for ``batch`` and ``worker``.
"""
