"""Export time and peak memory on a synthetic model with >= 100 M parameters.

Builds an MLP of six 4096x4096 Gemm layers (100.7 M parameters, 403 MB of float32) with its
weights as ONNX external data, then measures, each in a fresh subprocess so peak RSS is the
run's own:

* ``tlean export`` (import + payload + Lean module) -- time and peak RSS;
* the peer: ``onnx.load`` of the same model (external data included) + writing the weight
  bytes to a file -- time and peak RSS.

Prints the ratios (targets: export time <= 3x the peer's; export peak RSS <= 1.5x the payload
size) as a table, and as JSON with --json FILE.

    python scripts/bench_export.py [--layers 6] [--width 4096] [--json FILE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from rich.console import Console
from rich.table import Table

# Peak RSS is VmHWM from /proc/self/status (Linux): ru_maxrss would carry the parent's peak
# across fork/exec.
HWM = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) * 1024"

CHILD_EXPORT = """
import sys, time
t = time.perf_counter()
from tlean.export import export_onnx
r = export_onnx(sys.argv[1], name="BenchBig", out_dir=sys.argv[2], force=True)
dt = time.perf_counter() - t
print(dt, HWM, r.payload_path.stat().st_size)
""".replace("HWM", HWM)

CHILD_PEER = """
import sys, time
t = time.perf_counter()
import onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
with open(sys.argv[2], "wb") as f:
    for init in m.graph.initializer:
        f.write(init.raw_data if init.raw_data else numpy_helper.to_array(init).tobytes())
dt = time.perf_counter() - t
print(dt, HWM, 0)
""".replace("HWM", HWM)

CHILD_BASELINE = """
import onnx, numpy, tlean.export
print(0, HWM, 0)
""".replace("HWM", HWM)


def build(path: Path, layers: int, width: int) -> int:
    rng = np.random.default_rng(0)
    inits, nodes, prev = [], [], "x"
    for k in range(layers):
        w = rng.standard_normal((width, width), dtype=np.float32) * np.float32(1 / np.sqrt(width))
        b = np.zeros(width, np.float32)
        inits += [numpy_helper.from_array(w, f"layer{k}.weight"), numpy_helper.from_array(b, f"layer{k}.bias")]
        nodes.append(helper.make_node("Gemm", [prev, f"layer{k}.weight", f"layer{k}.bias"], [f"h{k}"], transB=1))
        nodes.append(helper.make_node("Relu", [f"h{k}"], [f"r{k}"]))
        prev = f"r{k}"
    graph = helper.make_graph(
        nodes,
        "bench",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
        [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, width])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="bench.weights",
        size_threshold=1024,
    )
    return layers * (width * width + width)


def run_child(code: str, *args: str) -> tuple[float, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True, check=True
    )
    t, rss, size = out.stdout.split()
    return float(t), int(rss), int(size)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--width", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json")
    args = ap.parse_args()
    console = Console()
    work = Path(tempfile.mkdtemp(prefix="tlean-bench-export-"))
    try:
        with console.status("building the synthetic model"):
            n_params = build(work / "big.onnx", args.layers, args.width)
        runs = {"tlean export": [], "onnx.load + write": []}
        for _ in range(args.repeat):
            with console.status("tlean export"):
                runs["tlean export"].append(run_child(CHILD_EXPORT, str(work / "big.onnx"), str(work / "out")))
            with console.status("onnx.load + write"):
                runs["onnx.load + write"].append(run_child(CHILD_PEER, str(work / "big.onnx"), str(work / "peer.bin")))
        _, base_rss, _ = run_child(CHILD_BASELINE)
        exp_t = min(r[0] for r in runs["tlean export"])
        exp_rss = max(r[1] for r in runs["tlean export"])
        payload = runs["tlean export"][0][2]
        peer_t = min(r[0] for r in runs["onnx.load + write"])
        peer_rss = max(r[1] for r in runs["onnx.load + write"])
        result = {
            "format": "tlean.bench.export.v1",
            "parameters": n_params,
            "payload_bytes": payload,
            "export_seconds": exp_t,
            "peer_seconds": peer_t,
            "time_ratio": exp_t / peer_t,
            "export_peak_rss": exp_rss,
            "peer_peak_rss": peer_rss,
            "baseline_rss": base_rss,
            "rss_over_payload": exp_rss / payload,
            "rss_above_baseline_over_payload": (exp_rss - base_rss) / payload,
        }
        table = Table(
            title=f"tlean export of a {n_params / 1e6:.1f} M-parameter model ({payload / 2**20:.0f} MiB payload)"
        )
        for col in ("run", "seconds (best)", "peak RSS (MiB)"):
            table.add_column(col)
        table.add_row("tlean export", f"{exp_t:.2f}", f"{exp_rss / 2**20:.0f}")
        table.add_row("onnx.load + write bytes", f"{peer_t:.2f}", f"{peer_rss / 2**20:.0f}")
        table.add_row("interpreter + imports only", "—", f"{base_rss / 2**20:.0f}")
        console.print(table)
        console.print(f"time: export / (onnx.load + write) = {result['time_ratio']:.2f}x (target <= 3x)")
        console.print(
            f"memory: export peak RSS / payload = {result['rss_over_payload']:.2f}x (target <= 1.5x); "
            f"above the interpreter baseline: {result['rss_above_baseline_over_payload']:.2f}x"
        )
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
