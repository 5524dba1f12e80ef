"""The yearly cycle: commands that write sources and templates rather than outputs.

Takes: last year's sources, a .docx to import, a blank form. Gives: new source files
(``newyear``, ``importer``, ``formimport``, ``scaffold``, written by ``writer``), templates
(``templatemaker``) and the git set-up (``gitsetup``).
"""
