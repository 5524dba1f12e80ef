"""Stage 4 — render: the model becomes Word XML through the .docx templates.

Takes: a checked document (``builder.model``, ``builder.check`` scores) and a template. Gives:
the rendered body (segments, one per project), with merges and Markdown narratives in place.
``oxml`` holds the raw WordprocessingML helpers, apart from the friendly rendering API.
"""
