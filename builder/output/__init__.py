"""Stage 5 — output: rendered documents → files in the output folder.

Takes: rendered bodies (``builder.render``) and the model. Gives: reproducible .docx packages
(``assemble``), PDF (``pdf``), workbooks (``xlsx``), HTML (``html``), written atomically
(``atomic``) and only when their inputs changed (``cache``, ``incremental``). ``build`` is the
whole pipeline, top to bottom, in one place.
"""
