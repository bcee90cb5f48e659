"""run_all.py's figures in words: the machine, the Markdown tables, the README's section.

`table` gives one row per figure (the README's Performance section shows these), then the
limiter before and after issue 27 side by side when both were measured.
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

README_BEGIN, README_END = "<!-- run_all:begin -->", "<!-- run_all:end -->"
# issue 27's targets: share of rate_limit at every rate; auto's steady share and 429s
SHARE_TARGET, AUTO_SHARE_TARGET, AUTO_429_TARGET = 0.95, 0.90, 0.02


def machine() -> dict[str, Any]:
    memory = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_before": os.getloadavg(),
    }


def machine_line(results: dict[str, Any]) -> str:
    facts = results["machine"]
    before, after = facts["load_average_before"], facts["load_average_after"]
    pieces = "; ".join(
        f"{piece} {when['date']}"
        + (
            " (load {:.1f} -> {:.1f})".format(*when["load_average"])
            if "load_average" in when
            else ""
        )
        for piece, when in results.get("measured", {}).items()
    )
    return (
        f"{facts['date']}: {facts['nproc']} cores, {facts['memory_gib']} GiB, Python "
        f"{facts['python']} ({facts['platform']}); load average (1, 5, 15 min) "
        f"{before[0]:.1f}, {before[1]:.1f}, {before[2]:.1f} before and {after[0]:.1f}, "
        f"{after[1]:.1f}, {after[2]:.1f} after; {results['seconds'] / 60:.1f} min in all. "
        f"Measured: {pieces}."
        + (f" Command: `{results['command']}`." if "command" in results else "")
    )


def shown(contender: dict[str, Any], send: dict[str, Any]) -> bool:
    """Whether a contender has a row (and a line in the chart): the 'before' limiter's
    runs appear only in the side-by-side table when this checkout's were measured too."""
    return contender.get("limiter") != "before" or "after" not in send.get("limiters", {})


def table(results: dict[str, Any]) -> list[str]:
    """The figures as Markdown table rows (the README's Performance section shows these)."""
    lines = ["| what | figure |", "|---|---|"]
    send = results.get("send") or {}
    lines += [
        f"| {c['name']} | {_contender_text(c)} |"
        for c in send.get("contenders", [])
        if shown(c, send)
    ]
    for key in ("auto", "newman"):
        if "skipped" in send.get(key, {}):
            lines.append(f"| {key} | {send[key]['skipped']} |")
    lines += [_lost_row(run) for run in results.get("lost", [])]
    for run in results.get("plan", []):
        lines.append(
            f"| plan {run['input'].upper()} {run['rows']:,} rows | {run['plan_s']:.1f} s = "
            f"{run['ratio']:.1f}x {run['floor']} ({run['floor_s']:.2f} s); CPU ratio "
            f"{run['cpu_ratio']:.1f}; peak {run['peak_mib']:.0f} MiB |"
        )
    if "journal" in results:
        j = results["journal"]
        lines.append(
            f"| journal, per action | {j['per_action_ms']:.3f} ms "
            f"({j['share_of_a_request_at_200_per_s']:.1%} of a request's 5 ms at 200/s) |"
        )
    if "resume" in results:
        r = results["resume"]
        lines.append(
            f"| resume start-up, journal of {r['actions']:,} sent actions | open and decide "
            f"{r['open_and_decide_s']:.1f} s, CPU {r.get('open_and_decide_cpu_s', 0):.1f} s "
            f"(identities {r['identities_s']:.1f} s, journal "
            f"look-ups and decisions {r['decide_s']:.1f} s; planning before it "
            f"{r['plan_s']:.1f} s); {r['left_to_send']} left to send |"
        )
    lines += [_memory_row(run) for run in results.get("memory", [])]
    return lines + limiters_table(send)


def _contender_text(f: dict[str, Any]) -> str:
    if "share_of_limit" in f:
        return (
            f"{f['rate_per_s']:.1f}/s = {f['share_of_limit']:.1%} of the limit; busiest 1 s "
            f"window {f['busiest_1s_window']}; 429s {f['answers_429']}"
        )
    if "steady_rate_per_s" in f:
        steady = f["steady_rate_per_s"]
        return (
            f"steady {steady if steady is None else f'{steady:.1f}/s'} "
            f"({f['steady_share'] or 0:.0%} of {f['server_rate']}/s); 429s "
            f"{f['share_429']:.1%} of requests; first 429 after "
            f"{_seconds(f['first_429_s'])}, 90 % of the limit reached in second "
            f"{f['seconds_to_90pct']}"
        )
    text = f"{f['requests']} requests at {f['rate_per_s']:.1f}/s"
    if "exit_status" in f:
        text += f" (whole process {f['elapsed_s']:.1f} s incl. start-up)"
    return text


def _lost_row(run: dict[str, Any]) -> str:
    return (
        f"| lost answers {run['lost_share']:.0%} ({run['actions']} actions at "
        f"{run['rate_limit']:g}/s, settle {run['settle_s']:g} s) | {run['wall_s']:.1f} s "
        f"against a bound of {run['bound_s']:.1f} s ({run['wall_over_bound']:.2f}x); "
        f"every case started by {run['last_case_started_s']:.1f} s; settle floor "
        f"{run['settle_floor_s']:.1f} s |"
    )


def _memory_row(run: dict[str, Any]) -> str:
    client = run["commit"] or Path(run["checkout"]).name
    by = run["pauses_over_limit"]
    cause = {"client": "the client's collector", "sandbox": "the sandbox's collector"}.get(
        run["longest_pause_cause"], "no collector"
    )
    written = sorted(run["written_after_last_answer_s"].items(), key=lambda item: item[1])
    files = ", ".join(f"{name} {at:+.1f} s" for name, at in written if at >= 0)
    return (
        f"| run of {run['actions']:,} actions, unlimited (client {client}) | peak "
        f"{run['peak_rss_mib']:,.0f} MiB; {run['requests_at_sandbox']:,} requests at "
        f"{run['rate_per_s']:,.0f}/s (client CPU {run['client_cpu_s']:,.0f} s); longest "
        f"pause at the sandbox {run['longest_pause_s'] * 1000:.0f} ms ({cause}); "
        f"pauses over {run['pause_limit_s'] * 1000:.0f} ms: {by['client']} from the client's "
        f"collector (longest {run['longest_pause_from_client_collector_s'] * 1000:.0f} ms), "
        f"{by['sandbox']} from the sandbox's, {by['none']} from neither; longest client "
        f"collection while sending {run['longest_client_collection_while_sending_s'] * 1000:.0f}"
        f" ms; returned "
        f"{run['end_of_run_s']:.1f} s after the last answer ({files or 'no files'}) |"
    )


def limiters_table(send: dict[str, Any]) -> list[str]:
    """The fixed rates and auto, one row per limiter, when both limiters were measured."""
    described = send.get("limiters", {})
    if len(described) < 2:
        return []
    runs = [c for c in send.get("contenders", []) if "limiter" in c]
    rates = sorted({c["rate_limit"] for c in runs if "share_of_limit" in c})
    auto = any("steady_share" in c for c in runs)
    head = ["limiter", *(f"{rate}/s" for rate in rates), *(["auto vs 40/s"] if auto else [])]
    lines = [
        "",
        "Limiter before and after issue 27, one run (share of `rate_limit` achieved / busiest "
        "1 s window at the sandbox; auto: steady share of the server's rate / 429s / when "
        "the limit was found; ✗ = target missed):",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for name, description in described.items():
        cells = [f"{name}: {description}"]
        for rate in rates:
            found = [c for c in runs if c["limiter"] == name and c.get("rate_limit") == rate]
            cells.append(_rate_cell(found[0]) if found else "-")
        if auto:
            found = [c for c in runs if c["limiter"] == name and "steady_share" in c]
            cells.append(_auto_cell(found[0]) if found else "-")
        lines.append("| " + " | ".join(cells) + " |")
    targets = [f"≥ {SHARE_TARGET:.0%} / ≤ {rate}" for rate in rates]
    auto_target = [f"≥ {AUTO_SHARE_TARGET:.0%} / ≤ {AUTO_429_TARGET:.0%}"] if auto else []
    return [*lines, "| target | " + " | ".join([*targets, *auto_target]) + " |"]


def _rate_cell(run: dict[str, Any]) -> str:
    missed = run["share_of_limit"] < SHARE_TARGET or run["busiest_1s_window"] > run["rate_limit"]
    return (
        f"{run['share_of_limit']:.1%} / {run['busiest_1s_window']}"
        + (f", {run['answers_429']} 429s" if run["answers_429"] else "")
        + (" ✗" if missed else "")
    )


def _auto_cell(run: dict[str, Any]) -> str:
    share = run["steady_share"]
    missed = share is None or share < AUTO_SHARE_TARGET or run["share_429"] > AUTO_429_TARGET
    found = run.get("found_after_s")
    return (
        f"{'-' if share is None else f'{share:.1%}'} / {run['share_429']:.1%} / "
        f"{'not found' if found is None else f'{found:.1f} s'}" + (" ✗" if missed else "")
    )


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def with_figures(readme: str, summary: str) -> str:
    """The README with `summary` between the Performance section's markers."""
    head, rest = readme.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_BEGIN}\n{summary}\n{README_END}{tail}"
