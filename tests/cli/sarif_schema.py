"""sarif_schema.py - every SARIF log the tests make is checked against
docs/sarif-2.1.0-shmcheck.schema.json (the SARIF 2.1.0 objects shmcheck
writes, as the standard defines them) with Debian's python3-jsonschema.

validate(log) raises AssertionError with the first problem's path and
message; check_file(path) loads and validates, returning the log. Run as
a program, it validates the log on its standard input: exit 0, or 1 with
the problem on stderr (the C tests' python_check).
"""
import json
import os

import jsonschema

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "..", "..", "docs", "sarif-2.1.0-shmcheck.schema.json")
with open(SCHEMA_PATH) as _f:
    SCHEMA = json.load(_f)
jsonschema.Draft7Validator.check_schema(SCHEMA)
_VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def validate(log):
    """Raises AssertionError naming where log breaks the schema."""
    errors = sorted(_VALIDATOR.iter_errors(log), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path) or "(top)"
        raise AssertionError("SARIF schema: %s: %s (%d problem(s))"
                             % (where, e.message, len(errors)))


def check_file(path):
    """The SARIF log at path, validated."""
    with open(path, "rb") as f:
        log = json.loads(f.read().decode("utf-8"))
    validate(log)
    return log


if __name__ == "__main__":
    import sys
    try:
        validate(json.load(sys.stdin))
    except AssertionError as e:
        sys.exit("sarif_schema.py: %s" % e)
