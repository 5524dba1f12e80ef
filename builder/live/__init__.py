"""Live: the build kept running — ``build --watch`` (``watch``) and ``budgetdoc serve`` (``serve``).

Takes: a source tree that changes on disk. Gives: rebuilt outputs and browser pages, surviving
invalid saves.
"""
