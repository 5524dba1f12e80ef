"""Stage 1 — read: files on disk → located raw trees.

Takes: paths (a document folder, a project file, a template, a form, a git revision's bytes).
Gives: :mod:`builder.read.rawtree` trees whose every value knows its ``path:line:col``, and the
mechanisms every later stage goes through: the one reader (``readonce``, ``safeio``), the one bound
on parsers and child processes (``parsebounds``, ``childproc``), the one path check (``repo``,
``where``) and located problems (``errors``); a built .docx read back as text (``docxtext``). Imports nothing else from builder.
"""
