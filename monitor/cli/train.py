"""`monitor train-sentiment`: rebuild the sentiment model. Needs the training extra
(`pip install 'monitor[train]'`: scikit-learn); nothing else in the command line does."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from ..errors import MonitorError
from ..judge.sentiment import MODEL_PATH

try:
    from ..judge import sentiment_train
except ImportError as e:           # scikit-learn is an extra: training only
    sentiment_train = None
    MISSING = str(e)


@click.command("train-sentiment")
@click.option("--data", "data_dir", default=None, metavar="DIR",
              help="已标注数据所在目录 (默认 ../shared/data/sentiment)。")
@click.option("--out", "out_path", default=None, metavar="PATH", help="模型表的输出路径。")
def train_sentiment(data_dir, out_path):
    """用已标注的新闻和网民言论重新训练情感模型 (写出模型表及其来源说明)。

    \b
    示例:
      monitor train-sentiment --data ../shared/data/sentiment --out /tmp/sentiment.tsv.gz
    """
    if sentiment_train is None:
        raise MonitorError(f"训练需要安装 scikit-learn: pip install 'monitor[train]' ({MISSING})")
    out = Path(out_path) if out_path else MODEL_PATH
    data = Path(data_dir) if data_dir else sentiment_train.DATA
    # a child process, so that NumPy and OpenBLAS load with the fixed kernels (sentiment_train.NUMERICS)
    done = subprocess.run([sys.executable, "-m", "monitor.judge.sentiment_train", str(data), str(out)],
                          env={**os.environ, **sentiment_train.NUMERICS}, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise MonitorError(f"训练失败: {lines[-1] if lines else done.returncode}")
    meta = json.loads(done.stdout.strip().splitlines()[-1])
    click.echo(f"已训练: {meta['rows']} 条 ({meta['rows_per_kind_and_label']}) → {out}")
