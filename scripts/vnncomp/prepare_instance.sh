#!/usr/bin/env bash
# VNN-COMP prepare_instance.sh for tlean.
#   prepare_instance.sh v1 CATEGORY ONNX VNNLIB
# Checks that the model imports and the property fits it (exit 0), else exits non-zero so the
# harness skips the instance. Runs from any directory once tlean is installed: it calls the `tlean`
# console script, or `python -m tlean` with TLEAN_PYTHON (default: python3) when that is not on PATH.
set -u
if [ "$#" -ne 4 ]; then
    echo "usage: $0 v1 CATEGORY ONNX VNNLIB" >&2
    exit 2
fi
if [ "$1" != "v1" ]; then
    echo "expected interface version v1 as first argument, got '$1'" >&2
    exit 2
fi
if command -v tlean >/dev/null 2>&1; then
    exec tlean vnncomp-prepare "$1" "$2" "$3" "$4"
fi
exec "${TLEAN_PYTHON:-python3}" -m tlean vnncomp-prepare "$1" "$2" "$3" "$4"
