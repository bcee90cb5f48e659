"""Many actions' request bodies at once, from columns: what requests.jsonl shows.

`encode_bodies` follows the same `request_shape` and `sent_status` as `build_request`, the
sender's one-action builder, so each body it writes is the body that goes out (the file's
test holds the two side by side). It works on whole pyarrow columns: the distinct texts of
a column are JSON-encoded in one call of the standard library's encoder and the bodies are
joined from those pieces by pyarrow's string kernels: no Action, dict or json.dumps per
action.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote_plus

import pyarrow as pa
import pyarrow.compute as pc

from backfill.config import ApiConfig
from backfill.send.protocol import UnsendableError, request_shape, sent_status

FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class EncodedBodies:
    """Per action: its body as a JSON value (an object, or a string for a form body) and
    the reason it cannot be sent (null when it can; its body is null then)."""

    bodies: pa.Array
    errors: pa.Array
    content_type: str


def encode_bodies(columns: Mapping[str, pa.Array], api: ApiConfig) -> EncodedBodies:
    """The bodies of the actions given as columns named like `Action`'s attributes (case,
    status, happened_at, note, assignee; text, "" or null = none)."""
    shape = request_shape(api)
    statuses, errors = _sent_statuses(columns["status"], api)
    values = {name: pc.fill_null(_text(column), "") for name, column in columns.items()}
    values["status"] = statuses
    parts = []
    for body_field in shape.fields:
        value = values[body_field.source]
        present = pa.scalar(True) if body_field.always else pc.not_equal(value, "")
        if shape.form:  # name=value, percent-encoded as aiohttp's form data does
            encoded = _per_distinct(value, quote_plus)
            part = pc.binary_join_element_wise(quote_plus(body_field.name) + "=", encoded, "")
        else:
            part = pc.binary_join_element_wise(
                json.dumps(body_field.name) + ":", json_texts(value), ""
            )
        parts.append(pc.if_else(present, part, pa.scalar(None, pa.string())))
    joined = pc.binary_join_element_wise(*parts, "&" if shape.form else ",", null_handling="skip")
    bodies = json_texts(joined) if shape.form else pc.binary_join_element_wise("{", joined, "}", "")
    bodies = pc.if_else(pc.is_null(errors), bodies, pa.scalar(None, pa.string()))
    return EncodedBodies(bodies, errors, FORM_TYPE if shape.form else JSON_TYPE)


def json_texts(values: pa.Array) -> pa.Array:
    """Each text as a JSON string literal, quotes included (null stays null)."""
    return _per_distinct(values, None)


def _per_distinct(values: pa.Array, encode: Callable[[str], str] | None) -> pa.Array:
    """`encode` (JSON when None) applied to each distinct text once, spread to every row."""
    encoded = pc.dictionary_encode(_text(values))
    distinct = encoded.dictionary.to_pylist()
    if encode is None:
        # one call of the C encoder for the whole list; inside a JSON text every quote that
        # belongs to a string is escaped, so '","' only ever stands between two elements
        literals = _split_list(json.dumps(distinct, ensure_ascii=False, separators=(",", ":")))
    else:
        literals = pa.array([encode(text) for text in distinct], pa.string())
    return pc.take(literals, encoded.indices)


def _split_list(text: str) -> pa.Array:
    if text == "[]":
        return pa.array([], pa.string())
    inner = pc.split_pattern(pa.array([text[2:-2]], pa.string()), '","').values
    return pc.binary_join_element_wise('"', inner, '"', "")


def _sent_statuses(status: pa.Array, api: ApiConfig) -> tuple[pa.Array, pa.Array]:
    """The status each action sends and, where it has none, why (per distinct status)."""
    encoded = pc.dictionary_encode(pc.fill_null(_text(status), ""))
    words: list[str | None] = []
    problems: list[str | None] = []
    for text in encoded.dictionary.to_pylist():
        try:
            words.append(sent_status(text, api))
            problems.append(None)
        except UnsendableError as exc:
            words.append("")
            problems.append(str(exc))
    indices = encoded.indices
    return (
        pc.take(pa.array(words, pa.string()), indices),
        pc.take(pa.array(problems, pa.string()), indices),
    )


def _text(values: pa.Array) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
