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


def test_the_wheel_declares_what_article_extraction_imports_and_extracts_an_article(tmp_path):
    """trafilatura imports lxml.html.clean, which lxml 6 moved to its own package: the wheel must ask
    for it, or every `article: true` source fails in a production install."""
    dist = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    wheel = zipfile.ZipFile(next(dist.glob("monitor-*.whl")))
    metadata = wheel.read(next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    requires = [line.split(":", 1)[1].strip().lower().replace("-", "_") for line in metadata.splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert any(r.startswith("lxml_html_clean") for r in requires), requires
    page = ("<html><head><title>通报</title></head><body><nav>首页 | 通知公告</nav><article><h1>青禾县审计局关于"
            "审计组下乡接受吃请问题的情况通报</h1>" + "<p>3月16日，有网民反映我局审计组在东坪镇接受吃请。我局高度重视，"
            "立即成立核查组，经初步核实，已责令当事人退还餐费并停职检查。</p>" * 4 + "</article>"
            "<footer>版权所有</footer></body></html>")
    code = ("import sys; from monitor.collect.parse import extract_article; "
            "print(extract_article(sys.stdin.buffer.read(), 'text/html; charset=utf-8', 'http://x.gov.cn/1.html'))")
    out = subprocess.run([sys.executable, "-c", code], input=page.encode(), capture_output=True, timeout=120)
    assert out.returncode == 0 and "成立核查组" in out.stdout.decode() and "版权所有" not in out.stdout.decode(), \
        out.stderr.decode()[-2000:]
