"""The API's JSON renderer (REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]).

A module of its own: conflictdesk.api is imported by DRF while rest_framework loads, and
cannot import rest_framework.renderers at its top."""

import re

import orjson
from rest_framework import renderers
from rest_framework.utils import encoders

# U+2028 and U+2029 in UTF-8, looked for in one pass (testing `in` for each took 0.2 ms
# for a page of 50 claims: Arabic text is full of the bytes a naive search stops at).
_LINE_SEPARATORS = re.compile(b"\xe2\x80[\xa8\xa9]")


class FastJSONRenderer(renderers.JSONRenderer):
    """DRF's JSON, written by orjson: UTF-8 with U+2028/U+2029 escaped, as DRF's renderer
    writes it, in less time than json.dumps. What orjson does
    not know (lazy translations, Decimal, UUID...) goes through DRF's encoder. Claim
    records PostgreSQL wrote as JSON (claims.records.SqlRecordWriter) come in as
    orjson.Fragment and are copied as they are. An indent asked for
    (`Accept: application/json; indent=4`, the browsable API) gets orjson's two spaces."""

    _fallback = encoders.JSONEncoder()
    # Datetimes as DRF writes them (milliseconds, "Z"), through its encoder.
    _options = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        options = self._options
        if self.get_indent(accepted_media_type, renderer_context or {}):
            options |= orjson.OPT_INDENT_2  # asked for, or the browsable API's
        try:
            out = orjson.dumps(data, default=self._fallback.default, option=options)
        except orjson.JSONEncodeError:  # an integer beyond 64 bits, say
            return super().render(data, accepted_media_type, renderer_context)
        if _LINE_SEPARATORS.search(out):
            out = out.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
        return out
