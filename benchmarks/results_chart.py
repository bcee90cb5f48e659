"""run_all.py's chart: accepted requests per second over time, one line per contender."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lost_answers import LOST_CONCURRENCY, LOST_RATE
from results_table import shown
from sandbox_runs import LATENCY_MS


def chart(results: dict[str, Any], path: Path) -> str:
    """Accepted requests per second over time, one line per contender; "" or why not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return "no chart: matplotlib is not installed (pip install -e '.[bench]')"
    send = results.get("send", {})
    contenders = [c for c in send.get("contenders", []) if shown(c, send)]
    lost = results.get("lost", [])
    panels = [
        ("same input, one sandbox", [(c["name"], c["accepted_per_s"]) for c in contenders]),
        (
            f"answers lost ({LOST_RATE:g}/s, concurrency {LOST_CONCURRENCY})",
            [(f"{r['lost_share']:.0%} lost", r["accepted_per_s"]) for r in lost],
        ),
    ]
    panels = [(title, series) for title, series in panels if series]
    if not panels:
        return "no chart: nothing was sent"
    figure, axes_list = plt.subplots(
        1, max(1, len(panels)), figsize=(7 * max(1, len(panels)), 5.5), squeeze=False
    )
    for axes, (title, series) in zip(axes_list[0], panels, strict=False):
        for name, counts in series:
            if counts:
                axes.step(range(len(counts)), counts, where="post", label=name, linewidth=1.4)
        axes.set_yscale("symlog", linthresh=5, linscale=0.5)  # 0 (a stall) stays visible
        axes.set_yticks([0, 5, 10, 25, 40, 100, 200, 500, 1000, 2000])
        axes.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        axes.set_xlabel("seconds from the first request")
        axes.set_ylabel("accepted requests per second")
        axes.set_title(title)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8, loc="best")
    facts = results["machine"]
    figure.suptitle(
        f"backfill against its sandbox ({LATENCY_MS:g} ms latency): {facts['nproc']} cores, "
        f"Python {facts['python']}, {facts['date']}"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return ""
