"""budgetdoc 规则: every registered rule is explained by the tool itself, from the registry."""

import subprocess
import sys

from builder.check.explain import explain, unknown
from builder.check.rules import RULES


def _run(*args):
    return subprocess.run([sys.executable, "-m", "builder", *args], capture_output=True, text=True, timeout=60)


def test_every_registered_rule_has_its_description_printed():
    for r in RULES:
        text = explain(r.id.lower())
        assert text.startswith(f"{r.id}（{r.severity}）") and r.description in text


def test_command_explains_a_rule_and_suggests_on_a_typo():
    ok = _run("规则", "IND-COST-UNIT")
    assert ok.returncode == 0 and ok.stdout.startswith("IND-COST-UNIT（警告）")
    bad = _run("规则", "IND-COST-UNT")
    assert bad.returncode == 2 and "是否应为“IND-COST-UNIT”" in bad.stderr
    assert explain("NO-SUCH") is None and "NO-SUCH" in unknown("NO-SUCH")
    listing = _run("规则")
    assert listing.returncode == 0 and len(listing.stdout.splitlines()) == len(RULES)
