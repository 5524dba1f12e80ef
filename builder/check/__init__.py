"""Stage 3 — check: rules over the model → located findings.

Takes: a loaded document (``builder.model``). Gives: findings (error / warning, each at a field
path), the 自评 scores, and what a reviewer adds on top: rule profiles (``profile``; the shipped
ones are the YAML files in ``profiles/``) and waivers. A new rule is a function in one of the
rule-family modules, registered with ``builder.check.rules.rule``.
"""
