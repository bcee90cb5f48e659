"""The API documents' own curl examples, host (and placeholders) replaced, run against the
sandbox with the real curl. Skipped only where curl is not installed.

The examples are copied verbatim from ../shared/seeds/000_* (token) and 003_* (v4.1); when
those documents are present, a test checks the copies have not drifted from them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from backfill.sandbox import SandboxSettings, ThreadedSandbox

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"

# seed 000, "Authentication": the command spans three lines in the document
TOKEN_EXAMPLE = """curl -X POST -H "Content-Type: application/x-www-form-urlencoded"
-d "grant_type=client_credentials&client_id={{ Client ID }}&client_secret={{ Client Secret }} "
https://auth.{{ apiRegion }}.customergauge.com/oauth2/token"""

# seed 003, "Example Requests"
WORKFLOW_EXAMPLE = (
    'curl -H "Authorization: api_key XXXXX" -X POST '
    "https://api.eu.customergauge.com/v4.1/workflow.json -d number_customergauge=12 "
    '-d status=CLOSE -d comment="Solved the issue" -d assigned_to=des.patch@directness.net'
)

# seed 000 has no curl line for the PUT itself, only its JSON example parameters, verbatim
# (its indentation is the web page's non-breaking spaces, which are not JSON whitespace:
# they are turned into spaces before sending, as the page displays them)
PUT_JSON_EXAMPLE = (
    '{\n"number_customergauge": "53499",\n"status": "progress",\n'
    '"happened_at": "2023-07-31 08:50:15",\n"note": "Will get in touch about this",\n'
    '\xa0 \xa0 "assignee": "john.doe@company.com"\n\n}'
)
PUT_JSON = PUT_JSON_EXAMPLE.replace("\xa0", " ")

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def run_curl(command: str) -> str:
    # the document's line breaks are plain spaces to a shell, as a reader pasting it intends
    result = subprocess.run(
        ["bash", "-c", " ".join(command.splitlines()) + " --silent --show-error"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout


@pytest.fixture
def sb() -> Iterator[ThreadedSandbox]:
    with ThreadedSandbox(SandboxSettings()) as sandbox:
        sandbox.seed_responses({"53499": "2023-07-01 09:00:00", "12": "2024-01-01 00:00:00"})
        sandbox.add_users(["john.doe@company.com", "des.patch@directness.net"])
        yield sandbox


def token_command(sb: ThreadedSandbox) -> str:
    return (
        TOKEN_EXAMPLE.replace("{{ Client ID }}", sb.settings.client_id)
        .replace("{{ Client Secret }}", sb.settings.client_secret)
        .replace("https://auth.{{ apiRegion }}.customergauge.com", sb.base_url)
    )


@needs_curl
def test_token_example(sb: ThreadedSandbox) -> None:
    answer = json.loads(run_curl(token_command(sb)))
    assert answer["expires_in"] == 3600 and answer["access_token"]


@needs_curl
def test_put_example_bodies_with_the_token_from_the_token_example(
    sb: ThreadedSandbox, tmp_path: Path
) -> None:
    token = json.loads(run_curl(token_command(sb)))["access_token"]
    body = tmp_path / "body.json"
    body.write_text(PUT_JSON)
    answer = run_curl(
        f'curl -X PUT -H "Authorization: Bearer {token}" -H "Content-Type: application/json" '
        f"--data-binary @{body} {sb.base_url}/v7/rest/close-loop/status"
    )
    assert json.loads(answer) == {"data": {"status": True, "note": True, "assignee": True}}
    # the x-www-form-urlencoded example: the same parameters as form fields
    form = " ".join(
        f'--data-urlencode "{key}={value}"' for key, value in json.loads(PUT_JSON).items()
    )
    answer = run_curl(
        f'curl -X PUT -H "Authorization: Bearer {token}" {form} '
        f"{sb.base_url}/v7/rest/close-loop/status"
    )
    assert json.loads(answer)["data"]["status"] is True
    assert len(sb.state.cases["53499"].history) == 2


@needs_curl
def test_workflow_example(sb: ThreadedSandbox) -> None:
    command = WORKFLOW_EXAMPLE.replace("XXXXX", sb.settings.api_key).replace(
        "https://api.eu.customergauge.com", sb.base_url
    )
    assert json.loads(run_curl(command)) == {"Data": {"number_customergauge": 12}}
    case = sb.state.cases["12"]
    assert (case.status, case.assignee) == ("closed", "des.patch@directness.net")
    assert case.history[0].note == "Solved the issue"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside the repo")
def test_examples_are_verbatim_copies_of_the_documents() -> None:
    v7 = next(SEEDS.glob("000_*")).read_text()
    v41 = next(SEEDS.glob("003_*")).read_text()
    assert TOKEN_EXAMPLE in v7
    assert PUT_JSON_EXAMPLE in v7
    assert WORKFLOW_EXAMPLE in v41
