#!/usr/bin/env bash
# VNN-COMP run_instance.sh for tlean.
#   run_instance.sh v1 CATEGORY ONNX VNNLIB RESULT_FILE TIMEOUT
# Writes RESULT_FILE: first line sat / unsat / timeout / unknown / error; after sat the witness
# ((X_0 v) ... (Y_0 v) ...). Exits 0 once the result file is written. Runs from any directory once
# tlean is installed (`tlean` on PATH, else `python -m tlean` with TLEAN_PYTHON, default python3).
set -u
if [ "$#" -ne 6 ]; then
    echo "usage: $0 v1 CATEGORY ONNX VNNLIB RESULT_FILE TIMEOUT" >&2
    exit 2
fi
if [ "$1" != "v1" ]; then
    echo "expected interface version v1 as first argument, got '$1'" >&2
    exit 2
fi
if command -v tlean >/dev/null 2>&1; then
    exec tlean vnncomp-run "$1" "$2" "$3" "$4" "$5" "$6"
fi
exec "${TLEAN_PYTHON:-python3}" -m tlean vnncomp-run "$1" "$2" "$3" "$4" "$5" "$6"
