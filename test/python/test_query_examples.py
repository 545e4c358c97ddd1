"""Small runs of the query examples (examples/python): associative memory
and classification/generation by inference. The full runs and their
numbers are in the README."""

import os
import re
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                        "examples", "python")

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/usr/share/datasets/fashion-mnist"),
    reason="Debian's dataset-fashion-mnist is not installed")


def run_example(name, *args):
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, name)] +
                       list(args), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_associative_memory_retrieves_half_masked_images(tmp_path):
    out = run_example("associative_memory.py", "--n", "20", "--epochs", "200",
                      "--ae-epochs", "200", "--out", str(tmp_path))
    rows = {}
    for line in out.splitlines():
        m = re.match(r"(pc|hopfield|ae)\s+20\s+([0-9.]+) %\s+([0-9.]+) %\s+"
                     r"([0-9.]+)\s+([0-9.]+) %\s+([0-9.]+)", line)
        if m:
            rows[m.group(1)] = [float(v) for v in m.groups()[1:]]
    assert set(rows) == {"pc", "hopfield", "ae"}, out
    fit, half, half_mse = rows["pc"][:3]
    assert fit == 100.0 and half >= 90.0 and half_mse < 0.005, out
    assert half >= rows["hopfield"][1], out
    assert (tmp_path / "memory_20.png").stat().st_size > 1000


def test_classification_and_generation_by_inference(tmp_path):
    out = run_example("classify_by_inference.py", "--limit", "6000", "--test",
                      "500", "--steps", "50", "--out", str(tmp_path))
    m = re.search(r"classification by inference: ([0-9.]+) %", out)
    assert m, out
    assert float(m.group(1)) > 40, out  # 10 classes: chance is 10 %
    assert (tmp_path / "generated.png").stat().st_size > 1000


def test_examples_refuse_bad_sizes():
    for name, args, what in (
            ("associative_memory.py", ["--n", "0"], "--n 0"),
            ("classify_by_inference.py", ["--test", "150"], "--test 150")):
        r = subprocess.run([sys.executable, os.path.join(EXAMPLES, name)] +
                           args, capture_output=True, text=True, timeout=120)
        assert r.returncode != 0 and what in r.stderr, r.stderr
