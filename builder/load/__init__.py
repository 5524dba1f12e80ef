"""Stage 2c — load: located raw trees (and the form) → the typed model, every problem at once.

Takes: a document folder read by ``builder.read``, its form (``builder.forms``). Gives: a
``builder.model.core.Document`` or the complete list of located problems.
"""
