"""Stage 2a — the model: typed, validated facts of one document, and the value parsers.

Takes: raw scalars (``builder.read``). Gives: the dataclasses of a document (``core``), the one
parser per kind of value (``values``: money as Decimal, 指标值, paragraphs), units and their
conversions (``units``), the declarative schema every source is checked against (``schema``) and
the built-in source schemas (``sourceschema``).
"""
