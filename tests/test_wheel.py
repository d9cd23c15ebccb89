"""The project as an operator installs it: the built wheel, in a fresh virtual environment, runs the
drill with the templates and the sentiment model it carries (no checkout beside it)."""
from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_built_wheel_carries_templates_and_model_and_runs_the_drill(tmp_path):
    dist = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    wheel = next(dist.glob("monitor-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for stage in ("remind", "breach", "overdue", "detected", "provisional", "source"):
        assert f"monitor/notify/templates/{stage}.txt" in names
    assert "monitor/models/sentiment.tsv.gz" in names

    fresh = tmp_path / "fresh"
    venv.create(fresh, with_pip=False)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(fresh), "platbase": str(fresh)}))
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                        str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    # the dependencies come from the test environment; the package itself only from the wheel
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    python = fresh / "bin" / "python"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(python), "-c", "import monitor; print(monitor.__file__)"], cwd=elsewhere,
                           capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr
    drill = subprocess.run([str(python), "-m", "monitor", "--db", "drill.db", "demo"], cwd=elsewhere,
                           capture_output=True, text=True, timeout=300)
    assert drill.returncode == 0, drill.stderr[-3000:]
    assert "【舆情时限提醒】发布权威信息还剩2小时" in drill.stdout and "演练结束" in drill.stdout
