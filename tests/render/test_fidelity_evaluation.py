"""The built 2023 绩效自评 carries every fact of seed 003, in order.

The expected facts were transcribed from the seed independently of sources/
(tests/fidelity/seed003_facts.txt); money and scores compare as numbers there,
so the formatting is asserted separately below.
"""

from pathlib import Path

from builder.read.docxtext import Paragraph, TableRow, read_items
from fidelity.facts import missing_facts, read_facts

FACTS = Path(__file__).resolve().parents[1] / "fidelity" / "seed003_facts.txt"


def test_every_fact_of_seed_003_in_order(built_documents):
    docx = built_documents / "2023-绩效自评.docx"
    facts = read_facts(FACTS)
    assert len(facts) > 150
    missing = missing_facts(docx, facts)
    assert not missing, "\n".join(missing[:40])


def _rows(docx):
    return [item for item in read_items(docx) if isinstance(item, TableRow)]


def test_money_rates_and_totals_are_printed_as_the_form_prints_them(built_documents):
    rows = _rows(built_documents / "2023-绩效自评.docx")
    totals = [r.cells for r in rows if r.cells[1:2] == ("年度资金总额",)]
    assert totals[0] == ("", "年度资金总额", "5,300,000.00", "2,954,906.62", "2,954,906.62", "10", "100.00%", "10")
    assert [t[2] for t in totals] == ["5,300,000.00", "2,000,000.00", "1,800,000.00", "1,000,000.00", "500,000.00"]
    assert [t[4] for t in totals] == ["2,954,906.62", "1,898,957.56", "108,155.00", "509,035.26", "438,758.80"]
    scores = [r.cells for r in rows if r.cells[0] == "总分"]
    assert scores == [("总分", "100", "100.00", "")] * 5


def test_each_form_starts_on_a_new_page_with_its_title(built_documents):
    items = read_items(built_documents / "2023-绩效自评.docx")
    titles = [i for i in items if isinstance(i, Paragraph) and i.text == "财政项目支出绩效自评表"]
    assert len(titles) == 5
    names = [r.cells[1] for r in _rows(built_documents / "2023-绩效自评.docx") if r.cells[0] == "项目名称"]
    assert names == ["G60科创走廊建设", "政策研究(二级构成)", "要素对接(二级构成)", "创新合作(二级构成)", "金融赋能(二级构成)"]
