"""The file runs behind ``driftline analyze`` and ``driftline baseline suggest``.

Data files (CSV, JSON Lines, Parquet) read in column batches, label files, the data-quality
analysis of capture files, and the labelled runs (model quality, bias, attribution) over them.
"""
