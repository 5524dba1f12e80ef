"""Stage 6 — review: built documents and git revisions → what changed, for a reviewer.

Takes: built .docx files, git revisions of the sources, findings. Gives: ``budgetdoc diff``
(``semdiff``, ``textdiff``, ``revision``), redlines with tracked changes (``redline``) and
findings as Word comments (``annotate``); built documents are read back by ``builder.read.docxtext``.
"""
