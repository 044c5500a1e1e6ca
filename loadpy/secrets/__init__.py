"""Secrets: never printed, never written into a summary, an output or a report.

k6 has no such notion; loadpy's rule: a variable is secret when its NAME is given to `--secret NAME`
or ends in `_SECRET`, `_TOKEN` or `_PASSWORD` (any case; also exactly SECRET, TOKEN, PASSWORD),
whether it comes from `-e NAME=VALUE` or from the process environment (a scenario can read either).
Its value still reaches the scenario (requests carry it); only what loadpy prints or writes shows
`***` instead. Empty values are not secrets (they reveal nothing).

Two ways of masking, one per kind of destination:

* Structured data is masked before it is serialised (`Masker.mask_data`, `mask_pairs`), and
  only where user text can be: strings and object keys have each secret replaced, except
  - numbers, booleans and null, never touched: a secret like `0` or `1234` can't corrupt a JSON
    document or change a measurement — except in the user's own data (`setup_data`, the options),
    where a number that is exactly a secret (`${API_TOKEN}` alone in a YAML value is read as a
    number) becomes "***";
  - loadpy's own vocabulary (`is_fixed_word`): field names, built-in metric names (also at the
    start of a submetric's name), option names, system tag names, trend stats like `p(95)`,
    threshold expressions like `p(95)<500`, metric types — a secret like `e` must not turn
    `metrics` into `m***trics`, nor `0` turn `rate<0.01` into `rate<***.***1`;
  - the values of fields loadpy computes (`COMPUTED_FIELDS`: metric types, the status, method,
    proto, error_code... tags of a request; and ids that are md5 hashes: groups', checks').
  This covers the summary export, handle_summary's `data`, the HTML report and its data, the
  `--out json`/`csv` samples (tags, metadata, names), JUnit/GitHub reports and the REST API. When
  two keys of one object become equal once masked, the later ones get " (2)", " (3)"... so that
  nothing is dropped.
* Free text has no structure, so it is masked wherever the secret occurs (`Masker.mask`), inside
  a number too: the terminal (logs, errors) through `stdio()` — the end-of-test summary is
  rendered from masked names instead (loadpy.pipeline.finish) and printed past it —, the
  worker processes' logs, and text a handle_summary returns that is not JSON. Text that parses
  as JSON is masked as data (`mask_json_text`), so it stays a valid document.

Without secrets nothing is wrapped and the outputs get no masker, so samples cost nothing extra.
"""

from loadpy.secrets.masker import MASK, SECRET_SUFFIXES, Masker, is_secret_name, run_masker, secret_values
from loadpy.secrets.stdio import MaskingStream, mask_document, stdio, unmasked
from loadpy.secrets.vocabulary import COMPUTED_FIELDS, FIELD_NAMES, USER_DATA_FIELDS, is_fixed_word

__all__ = [
    "COMPUTED_FIELDS",
    "FIELD_NAMES",
    "MASK",
    "SECRET_SUFFIXES",
    "USER_DATA_FIELDS",
    "Masker",
    "MaskingStream",
    "is_fixed_word",
    "is_secret_name",
    "mask_document",
    "run_masker",
    "secret_values",
    "stdio",
    "unmasked",
]
