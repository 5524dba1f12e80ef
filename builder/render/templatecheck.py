"""Check a Word template before it is used: ``budgetdoc template check T.docx`` and every build.

Everything is said in Word's terms: a tag's place is ``表 N 第 r 行第 c 列`` (table, row, cell,
counted from 1 as a person counts them in Word) or ``第 n 段“…”`` (a paragraph outside tables,
with the start of its text). The check finds

- tags a person cannot see or type in Word (inside XML attributes, e.g. ``w:vMerge/@w:val``);
- tags that are not closed, blocks without their end (``{%p for %}`` without ``{%p endfor %}``),
  unknown tags and expressions jinja cannot read — in Chinese, one line each;
- every name a tag uses, checked against the documented context of the document kind
  (``builder.render.context.CONTEXT_NAMES``), with the nearest known name suggested;
- a template that reads nothing from the sources, or no project (last year's built document saved as
  the template): refused, it would build the same old text forever;
- what a template must keep to build the same document as the shipped one: every value the
  shipped template prints, the merge marker 【合并】 on the 一级/二级指标 cells, and the page
  starts (a template saved by an office program that lost them is reported, not built).
"""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path

from builder.render.merge import MERGE_MARKER
from builder.render.templatetags import Finding, TemplateReport, collect, shorten
from builder.render.templatenames import check_names, check_syntax, describe, syntax_message


# ---------------------------------------------------------------- what a template must keep

@lru_cache(maxsize=4)
def _shipped(kind: str) -> tuple[frozenset, int, int]:
    from builder.render.template import TEMPLATE_DIR

    path = TEMPLATE_DIR / f"{kind}.docx"
    report = collect(path, kind)
    check_syntax(report)
    check_names(report, kind)
    return frozenset(report.used), report.page_starts, len(report.merge_cells)


def _spelling(path: str) -> str:
    """A context path as the shipped templates write it: projects[].funds.total → p.funds.total."""
    for long, short in (("projects[].indicator_rows[]", "r"), ("projects[].budget_items[]", "i"), ("projects[]", "p")):
        if path.startswith(long):
            return short + path[len(long):]
    return path.replace("[]", "")


def _label(kind: str, path: str) -> str:
    from builder.render.context import context_names

    shape = context_names(kind)
    for part in path.replace("[]", "").split("."):
        shape = shape[0] if isinstance(shape, list) else shape
        shape = shape.get(part, "") if isinstance(shape, dict) else ""
    return describe(shape) if shape else path


def check_completeness(report: TemplateReport, kind: str, template: Path, form=None) -> None:
    """Lost tags, merge markers or page starts (e.g. after an office program's save). A template of
    a bureau's own form, or one written with the Chinese names, is not compared with the shipped one
    (it prints another form); its 一级/二级指标 cells must still carry the merge marker."""
    from builder.render.template import TEMPLATE_DIR

    if template.resolve() == (TEMPLATE_DIR / f"{kind}.docx").resolve():
        required, starts, marks = report.used, report.page_starts, len(report.merge_cells)
    elif form is not None or not any(path.startswith("projects") for path in report.used):
        required, starts, marks = frozenset(), 0, 0
    else:
        required, starts, marks = _shipped(kind)
    for path in sorted(required - report.used):
        report.problems.append(Finding("", f"模板没有用到“{{{{ {_spelling(path)} }}}}”（{_label(kind, path)}）："
                                           "生成的文档会缺少这一项；请按标准模板补上标签"))
    for tag in report.tags:
        if re.search(r"\.(level1|level2|一级指标|二级指标)\b", tag.source) and not tag.marked:
            report.problems.append(Finding(tag.place, f"“{shorten(tag.text, 30)}”所在单元格没有合并标记“{MERGE_MARKER}”："
                                                      "相同的一级/二级指标不会合并成一格；请在单元格文字末尾写上它"))
    if len(report.merge_cells) < marks:
        report.problems.append(Finding("", f"模板只有 {len(report.merge_cells)} 个单元格带合并标记“{MERGE_MARKER}”"
                                           f"（标准模板 {marks} 个）：合并单元格会变成分开的格子；请按标准模板补上"))
    if report.page_starts < starts:
        report.problems.append(Finding("", f"模板只有 {report.page_starts} 处分页（标准模板 {starts} 处）：每个项目的说明、"
                                           "申报表或自评表应从新的一页开始；请在这些标题段落上设“段前分页”或插入分页符"))


# ---------------------------------------------------------------- a template that prints the sources

_PROJECT_LISTS = ("projects", "项目列表")


def check_reads_sources(report: TemplateReport) -> None:
    """A template with no tag that reads a source value (last year's built document saved as the
    template), or none that reads the projects, builds the same text whatever the sources say."""
    if any(re.split(r"[.\[]", path, maxsplit=1)[0] in _PROJECT_LISTS for path in report.used):
        return
    if not report.used:
        message = ("模板中没有读取源文件的标签，生成的文档只会是模板本身的文字，与源文件无关"
                   "（是否把以前生成的文档当作了模板？请用 templates/ 中的标准模板，或 budgetdoc template new 写出的模板）")
    else:
        message = ("模板没有读取任何项目（没有 {%p for p in projects %} 或 {%p for 项目 in 项目列表 %} 这样的循环）："
                   "各项目的内容不会出现在生成的文档中（请按标准模板写出项目的循环）")
    report.problems.append(Finding("", message))


# ---------------------------------------------------------------- entry points

def guess_kind(template: Path) -> str:
    from builder.model import core as m

    for kind in m.DOCUMENT_KINDS:
        if kind in template.stem:
            return kind
    best = None
    for kind in m.DOCUMENT_KINDS:
        report = collect(template, kind)
        check_syntax(report)
        check_names(report, kind)
        score = len(report.problems)
        if best is None or score < best[0]:
            best = (score, kind)
    return best[1]


_RELATION_NAMES = {"image": "链接的图片", "attachedTemplate": "附加的模板", "oleObject": "链接的对象", "package": "链接的对象",
                   "subDocument": "子文档", "frame": "框架", "aFChunk": "嵌入的外部文档", "video": "链接的视频",
                   "audio": "链接的音频", "media": "链接的媒体", "externalLinkPath": "外部数据"}
_HYPERLINK = "/hyperlink"
_FIELD = re.compile(r"\b(INCLUDEPICTURE|INCLUDETEXT|INCLUDE|LINK|DDEAUTO|DDE|IMPORT)\b")
_INSTR = re.compile(rb"<w:instrText\b[^>]*>([^<]*)</w:instrText>|\bw:instr=\"([^\"]*)\"")
# an SVG image inside the template that links a file or an address (LibreOffice embeds a local
# file it names in the PDF): an href or url() that is not "#…" within the image, nor data:
_SVG_REFERENCE = re.compile(rb"""\bhref\s*=\s*["']\s*(?!#|data:)([^"']*)|url\(\s*["']?\s*(?!#|data:)([^)"']*)|@import""",
                            re.I)


def check_external_references(report: TemplateReport, template: Path) -> None:
    """A template must not reach outside itself: a relationship to an outside target (a linked
    image ``TargetMode="External"``, ``file://…``, ``http://…``, an attached template) would make
    LibreOffice fetch it while making the PDF, or embed a local file, and Word too when the
    .docx is opened; fields that include or link files (INCLUDEPICTURE, INCLUDETEXT, LINK, DDE)
    likewise. Each is a finding; hyperlinks (which nothing opens by itself) are allowed.
    Called by ``template check`` and, through ``check_template``, by every build."""
    from lxml import etree

    from builder.read.readonce import input_stream
    from builder.read.safeio import UnsafeFile, read_package_part

    try:
        # the same bytes the build renders and hashes (one read per build: builder.read.readonce)
        template = input_stream(template)
        with zipfile.ZipFile(template) as package:
            names = [info.filename for info in package.infolist()]
    except (OSError, UnsafeFile, zipfile.BadZipFile):
        return  # check_template_package says what is wrong with the file
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    for name in names:
        if not (name.endswith(".rels") or (name.startswith("word/") and name.endswith(".xml"))):
            _check_svg_references(report, template, name)
            continue
        try:
            data = read_package_part(template, name)
        except (UnsafeFile, KeyError, zipfile.BadZipFile, OSError):
            continue
        if name.endswith(".rels"):
            try:
                root = etree.fromstring(data, parser)
            except etree.XMLSyntaxError:
                report.problems.append(Finding("", f"部件 {name} 不是有效的 XML"))
                continue
            for relation in root:
                target, kind = relation.get("Target") or "", relation.get("Type") or ""
                if kind.endswith(_HYPERLINK):
                    continue
                outside = relation.get("TargetMode") == "External" or "://" in target or \
                    target.lower().startswith(("file:", "\\\\", "//"))
                if outside:
                    what = _RELATION_NAMES.get(kind.rsplit("/", 1)[-1], "外部引用")
                    report.problems.append(Finding("", f"含有{what}，指向模板之外的“{shorten(target, 60)}”：生成 PDF 时会去读取或"
                                                       f"下载它，已拒绝。请在 Word 中删除它，或改为嵌入（插入图片时不选“链接到文件”）"))
            continue
        # a field's code may be split over several runs: read as Word does, the runs' texts joined
        runs = [m.group(1) for m in _INSTR.finditer(data) if m.group(1) is not None]
        simple = [m.group(2) for m in _INSTR.finditer(data) if m.group(2) is not None]
        for instruction in [b"".join(runs).decode("utf-8", "replace")] + [i.decode("utf-8", "replace") for i in simple]:
            field = _FIELD.search(instruction)
            if field:
                report.problems.append(Finding("", f"含有域“{field.group(1)}”（{shorten(instruction[field.start():], 60)}），会读取模板之外的文件，"
                                                   f"已拒绝。请在 Word 中删除这个域，或把内容直接写进模板"))


def _check_svg_references(report: TemplateReport, template, name: str) -> None:
    """An image part that is an SVG (whatever its name says: it is read by its content) may not
    name a file or an address outside itself."""
    from builder.read.safeio import UnsafeFile, read_package_part

    try:
        data = read_package_part(template, name)
    except (UnsafeFile, KeyError, zipfile.BadZipFile, OSError):
        return
    if b"<svg" not in data[:4096].lower():
        return
    for match in _SVG_REFERENCE.finditer(data):
        target = (match.group(1) or match.group(2) or match.group(0)).decode("utf-8", "replace").strip()
        report.problems.append(Finding("", f"图片 {name} 中含有指向模板之外的“{shorten(target, 60)}”：生成 PDF 时会读取它，"
                                           f"已拒绝。请在 Word 中换成不带链接的图片"))
        return


def check_template(template: Path, kind: str | None = None, form=None, context: dict | None = None) -> TemplateReport:
    """Everything above, for ``template`` used as a document of ``kind`` (guessed when None) and of
    ``form`` (a bureau's form definition: its own fields and indicator sets are names too); with the
    ``context`` of a build, also every row a tag takes by its number that a project lacks."""
    from builder.model import core as m

    kind = kind or ((getattr(form, "kind", None) or m.TARGET_KIND) if form is not None else guess_kind(template))
    report = collect(template, kind)
    check_external_references(report, template)
    syntax_ok = check_syntax(report)
    check_names(report, kind, form)
    if syntax_ok and not report.problems:
        check_reads_sources(report)
    if syntax_ok and not report.problems:
        check_completeness(report, kind, template, form)
    if syntax_ok and context is not None:
        from builder.render.templatenames import engine_form

        check_rows(report, context, engine_form(kind, form))
    return report


_INDEXED = re.compile(r"([^\s{}()\[\]|,~+*/%<>=!-]+)\s*\[\s*(\d+)\s*\]")


def check_rows(report: TemplateReport, context: dict, form=None) -> None:
    """``{{ 项目.明细[3].名称 }}`` takes the fourth row of every project: for each project that has
    fewer, one finding at the tag's cell naming the field (label and path) and the project."""
    for tag in report.tags:
        for match in _INDEXED.finditer(tag.source):
            message = _past_the_end_message(match.group(1), int(match.group(2)), context, form)
            if message:
                report.problems.append(Finding(tag.place, message))


def _past_the_end_message(expression: str, index: int, context: dict | None, form) -> str:
    """“… 取第 n 行，超出了“label”（path）的末尾：第 k 个项目只有 m 行” or "" when every project has it."""
    from builder.render.templatenames import PROJECT_LIST, named_field

    if "." not in expression:
        return ""
    field = expression.split(".", 1)[1]
    projects = (context or {}).get(PROJECT_LIST) or (context or {}).get("projects") or ()
    short = []
    for number, project in enumerate(projects, start=1):
        value = project
        for part in field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, (list, tuple)) and len(value) <= index:
            short.append((number, len(value)))
    if not short and context is not None:
        return ""
    what = named_field(form, f"{PROJECT_LIST}[].{field}") or f"“{field}”"
    lacking = f"：第 {short[0][0]} 个项目只有 {short[0][1]} 行" if short else ""
    if len(short) > 1:
        lacking += f"（共 {len(short)} 个项目不够 {index + 1} 行）"
    return (f"“{expression}[{index}]”取第 {index + 1} 行，超出了{what}的末尾{lacking}"
            f"（请用 {{%tr for 行 in {expression} %}} 逐行取值，或只取每个项目都有的行）")


def format_listing(report: TemplateReport) -> list[str]:
    """One line per tag: its place and the tag; a cell with the merge marker says so."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    column = max((width(place) for place, _ in report.listing), default=0)
    return [f"{place}{' ' * (column - width(place))}  {what}" for place, what in report.listing]


def describe_render_error(template: Path, exc, context: dict | None = None, form=None) -> str:
    """A jinja error raised while rendering, in Chinese and placed where a tag uses the name: the
    cell (表 n 第 r 行第 c 列) or paragraph, the field (label and path) when ``form`` declares it, and
    for a row taken past the end of a list, the first project (in ``context``) that lacks it."""
    from jinja2 import TemplateSyntaxError, UndefinedError

    name = template.name
    text = str(getattr(exc, "message", "") or exc)
    if isinstance(exc, UndefinedError):
        past = re.search(r"has no element (-?\d+)", text)
        if past:
            return _past_the_end(template, int(past.group(1)), context, form)
        missing = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", text)
        word = next((g for g in missing.groups() if g), "") if missing else ""
        tag = _tag_using(template, rf"\b{re.escape(word)}\b") if word else None
        place = f" {tag.place}" if tag else ""
        return f"模板 {name}{place}: 用到了没有定义的值“{word}”（生成时不能留空）"
    if isinstance(exc, TemplateSyntaxError):
        return f"模板 {name}: 标签语法有误：{syntax_message(exc)}（运行 budgetdoc template check {name} 查看位置）"
    return f"模板 {name}: 生成时出错（{type(exc).__name__}）；运行 budgetdoc template check {name} 查看标签"


def _tag_using(template: Path, pattern: str):
    try:
        return next((tag for tag in collect(template).tags if re.search(pattern, tag.source)), None)
    except Exception:  # noqa: BLE001 - the message is still useful without a place
        return None


def _past_the_end(template: Path, index: int, context: dict | None, form) -> str:
    """A row taken past the end while rendering (the build's check_rows says it first)."""
    tag = _tag_using(template, rf"\[\s*{index}\s*\]")
    match = next((m for m in _INDEXED.finditer(tag.source) if int(m.group(2)) == index), None) if tag else None
    where = f" {tag.place}" if tag else ""
    message = _past_the_end_message(match.group(1), index, context, form) if match else ""
    if match and not message:
        message = (f"用到了列表中没有的一项“{match.group(1)}[{index}]”（列表没有第 {index + 1} 项；"
                   "请用 {%tr for … %} 逐项取值）")
    return f"模板 {template.name}{where}: " + (message or f"取了列表的第 {index + 1} 项，而列表没有这么多项"
                                                          "（请用 {%tr for … %} 逐项取值）")
