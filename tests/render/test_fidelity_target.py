"""The built 2025 绩效目标申报 carries every fact of seed 000, in order.

The expected facts were transcribed from the seed independently of sources/
(tests/fidelity/seed000_facts.txt).
"""

from pathlib import Path

from fidelity.facts import missing_facts, read_facts

FACTS = Path(__file__).resolve().parents[1] / "fidelity" / "seed000_facts.txt"


def test_every_fact_of_seed_000_in_order(built_documents):
    docx = built_documents / "2025-绩效目标申报.docx"
    facts = read_facts(FACTS)
    assert len(facts) > 350
    missing = missing_facts(docx, facts)
    assert not missing, "\n".join(missing[:40])
