"""Stage 2b — forms: a bureau's own form (extension fields, indicator framework), declared once.

Takes: a form definition file (read through ``builder.read``) and the built-in schemas of
``builder.model``. Gives: a :class:`Form` the loader, renderers and importers follow.
"""
