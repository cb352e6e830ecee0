#!/usr/bin/env bash
# Creates the Python venv of `rhetor bench analyze --python` (PyTorch f32 and ONNX Runtime int8
# references, scripts/bench_reference.py) with the pinned packages of scripts/bench-requirements.txt,
# from PyPI. For the benchmark only: no test or CI step needs it.
#
#   bash scripts/bench-python-venv.sh            # creates .venv at the repository root
#   VENV=/some/dir bash scripts/bench-python-venv.sh
#   RHETOR_BENCH_PYTHON=/some/dir/bin/python rhetor bench analyze ARTICLES/ --python
#
# Size: about 3 GB downloaded and 5.5 GB on disk (Linux x86-64: PyPI's torch wheel brings the
# CUDA libraries, which it loads at import even on a CPU-only machine). PYTHON picks the
# interpreter (default python3, 3.10 or newer).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$root/.venv}"
python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer needed")'
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --upgrade pip
"$venv/bin/python" -m pip install -r "$root/scripts/bench-requirements.txt"
"$venv/bin/python" - <<'PY'
import onnxruntime, torch
print(f"ok: torch {torch.__version__} (CPU capability {torch.backends.cpu.get_cpu_capability()}), "
      f"onnxruntime {onnxruntime.__version__}")
PY
echo "venv ready: $venv (rhetor bench analyze finds $root/.venv/bin/python, or set RHETOR_BENCH_PYTHON)"
