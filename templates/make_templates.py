"""Write the shipped Word templates into this folder: ``python templates/make_templates.py``.

The code that makes them is ``builder/cycle/templatemaker.py`` (the same code makes the starters
of ``budgetdoc template new``); this script only names the folder.
"""

from pathlib import Path

from builder.cycle.templatemaker import make_shipped_templates

if __name__ == "__main__":
    written = make_shipped_templates(Path(__file__).resolve().parent)
    print("templates written:", ", ".join(p.name for p in written))
