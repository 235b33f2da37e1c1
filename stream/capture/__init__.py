"""SageMaker capture records: bytes to records, records to feature rows, and what rides along.

Decoding and validation (``records``; one side's payload and the error a bad record raises,
``event_data``; the merge job's batch-transform records, ``batch_transform``), payload rows
and column naming (``payloads``, ``rows``), the fast paths for whole messages of plain
records (``plain_records``, with ``plain_csv`` and ``plain_json``), plain CSV rows split
into text columns (``csv_rows``), Deequ's types for a whole text column (``arrow_columns``,
``number_texts``: the worker and ``analyze`` classify columns alike), the
``preprocess_handler`` and ``postprocess_handler`` contracts (``preprocess``,
``postprocess``), the prediction, score and SHAP values in an output (``predictions``; a
Clarify online explainability response's, ``explainer_response``),
capture files on disk, what an input path is when it is not the file expected
(``file_kinds``: every command's inputs are refused alike), and the decisions made from a
record's key alone (``partitioning``). No Kafka, no worker, no batch run.
"""
