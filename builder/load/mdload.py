"""Loading Markdown narratives into a document: the loader's side of ``builder.read.markdown``.

``MarkdownPhase(folder, …)`` reads the folder's ``.md`` files and starts pandoc on
their sections at once, so that it runs while Python parses the YAML. Once the
project files are read, ``finish`` converts the inline Markdown fields (when
``情况说明格式: markdown`` is set), checks every fragment, and gives each
project file a raw tree in which each Markdown section holds its plain words —
the schema then reads them as any text — and the converted pieces to print.
"""

from __future__ import annotations

from pathlib import Path

from builder.model import core as m
from builder.read.errors import Location, Problems
from builder.read.markdown import (
    FORMAT_KEY, MarkdownFile, MarkdownText, suggest_section, markdown_files, split_sections,
)
from builder.read.mdast import BadAst, check_fragment, plain_paragraphs
from builder.read.pandoc import Fragment, MarkdownStore, MarkdownUnavailable, Overran, convert_texts
from builder.read.rawtree import Entry, Mapping, Scalar
from builder.read.safeio import UnsafeFile
from builder.model.values import find_xml_illegal


def sections_for(form, shipped: dict) -> tuple[dict, dict, set]:
    """The headings a document's .md files may hold → field paths: ``own``, its form's; ``known``,
    those with the shipped forms' of either kind before them; ``other``, the headings of the shipped
    form of the other kind (reported as belonging to it). ``shipped``: kind → shipped form."""
    own = form.markdown_sections()
    known = {}
    for kind in m.DOCUMENT_KINDS:
        known.update(shipped[kind].markdown_sections())
    other = next(k for k in m.DOCUMENT_KINDS if k != form.kind) if form.kind in m.DOCUMENT_KINDS else m.EVALUATION_KIND
    return own, {**known, **own}, set(shipped[other].markdown_sections()) - set(own)


class MarkdownPhase:
    def __init__(self, folder: Path, problems: Problems, cache=None, sections: tuple = ({}, {}, set())):
        from builder.read.sources import source_bytes

        self.sections, known, self.other = sections
        self.folder = folder
        self.problems = problems
        self.cache = cache
        self.files: dict[str, MarkdownFile] = {}
        self.store = None
        self.pending = None
        self.fragments: list[Fragment] = []
        for path in markdown_files(folder):
            try:
                raw = source_bytes(path, folder)
            except UnsafeFile as exc:
                problems.error(Location(path), "", str(exc))
                continue
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].count(b"\n") + 1
                problems.error(Location(path, line, 1), "", "文件不是 UTF-8 编码，请在编辑器中另存为 UTF-8")
                continue
            bad = find_xml_illegal(text)
            if bad:
                position = next(i for i, c in enumerate(text) if find_xml_illegal(c))
                line = text[:position].count("\n") + 1
                problems.error(Location(path, line, 1), "", f"含有 Word 文档不能保存的控制字符 {bad}，请删除")
                continue
            self.files[path.stem] = MarkdownFile(path, split_sections(path, text, problems, known))
        for file in self.files.values():
            for section in file.sections:
                self.fragments.append(Fragment(section.text, Location(file.path, section.body_line, 1), section.field))
        if self.fragments:
            self.store = MarkdownStore(cache, folder)
            self.pending = self.store.start(self.fragments)

    @property
    def active(self) -> bool:
        return bool(self.files)

    def finish(self, kind: str, sources: list, all_stems: set[str], document_format: str | None, ctx) -> dict:
        """For each project stem with Markdown: (the raw tree to load, {field path: pieces})."""
        sections = self.sections
        _LINES.clear()  # a file read for locations in an earlier build (--watch) may have changed
        for stem, file in self.files.items():
            if stem not in all_stems:
                hint = suggest_section(stem, sorted(all_stems))
                more = f"，是否应为“{hint}.md”？" if hint else ""
                self.problems.error(Location(file.path), "", f"没有与“{file.path.name}”对应的项目文件“{stem}.yaml”{more}"
                                                           "（Markdown 文件名应与项目文件同名，只是扩展名为 .md）")
        inline: list[tuple[object, str, Scalar]] = []  # (source, field path, scalar)
        for source in sources:
            root = source.root
            if not isinstance(root, Mapping):
                continue
            switch = root.entries.get(FORMAT_KEY)
            chosen = switch.node.value if switch is not None and isinstance(switch.node, Scalar) else document_format
            if chosen != "markdown":
                continue
            for heading, path in sections.items():
                scalar = _scalar_at(root, path)
                if scalar is not None and isinstance(scalar.value, str) and scalar.value.strip():
                    inline.append((source, path, scalar))
        inline_fragments = [Fragment(s.value, _inline_location(s), path) for _, path, s in inline]
        if not self.fragments and not inline_fragments:
            return {}
        if self.store is None:
            self.store = MarkdownStore(self.cache, self.folder)
        try:
            if self.pending is not None:
                self.pending.finish()
            if inline_fragments:
                self.store.start(inline_fragments).finish()
        except MarkdownUnavailable as exc:
            where = self.fragments[0].location if self.fragments else inline_fragments[0].location
            self.problems.error(Location(where.file), "", str(exc))
            return {}
        converted: dict[str, tuple[MarkdownText, list[str]]] = {}
        for fragment in self.fragments + inline_fragments:
            result = self._converted(fragment)
            if result is not None:
                converted[fragment.key] = result
        overlay: dict[str, tuple] = {}
        by_stem = {s.stem: s for s in sources}
        for stem, file in self.files.items():
            source = by_stem.get(stem)
            if source is None or not isinstance(source.root, Mapping):
                continue
            root, pieces = overlay.get(stem, (source.root, {}))
            for section in file.sections:
                if section.field not in sections.values():
                    other = m.EVALUATION_KIND if kind == m.TARGET_KIND else m.TARGET_KIND
                    whose = f"是{other}的部分，{kind}中没有" if section.heading in self.other else "不是本表单的部分"
                    self.problems.error(section.location(file.path), section.field,
                                        f"“## {section.heading}”{whose}（可用：{'、'.join(sections)}）")
                    continue
                fragment_key = Fragment(section.text, section.location(file.path), section.field).key
                if fragment_key not in converted:
                    continue
                text, words = converted[fragment_key]
                given = _entry_at(root, section.field)
                if given is not None and not (isinstance(given.node, Scalar) and given.node.value is None):
                    self.problems.error(section.location(file.path), section.field,
                                        f"“## {section.heading}”同时写在 {source.path.name} 第 {given.key_loc.line} 行"
                                        f"（{section.field}）和 {file.path.name} 第 {section.line} 行：同一部分只能写在一处，"
                                        "请删去其中一处")
                    continue
                root = _with_value(root, section.field, Scalar("\n".join(words), Location(file.path, section.line, 1),
                                                                 "\n".join(words), quoted=True),
                                   Location(file.path, section.line, 1))
                pieces[section.field] = (MarkdownText(text.key, text.blocks, Location(file.path, section.body_line, 1)),)
            overlay[stem] = (root, pieces)
        for (source, path, scalar), fragment in zip(inline, inline_fragments):
            if fragment.key not in converted:
                continue
            text, words = converted[fragment.key]
            root, pieces = overlay.get(source.stem, (source.root, {}))
            root = _with_value(root, path, Scalar("\n".join(words), scalar.loc, "\n".join(words), quoted=True),
                               scalar.loc)
            pieces[path] = (MarkdownText(text.key, text.blocks, fragment.location),)
            overlay[source.stem] = (root, pieces)
        self.store.save()
        return overlay

    def _converted(self, fragment: Fragment):
        blocks = self.store.known.get(fragment.key)
        for attempt in (0, 1):
            if blocks is None and fragment.key in self.store.overran:  # pandoc stopped at its limits:
                self.problems.error(fragment.location, fragment.field, self.store.overran[fragment.key])
                words = [line.strip() for line in fragment.text.splitlines() if line.strip()]
                return MarkdownText(fragment.key, [], fragment.location), words  # the text stands, unprinted
            try:
                if blocks is None:
                    raise BadAst("missing")
                problems = Problems()
                check_fragment(fragment, blocks, problems)
                words = plain_paragraphs(blocks)
                break
            except (BadAst, TypeError, ValueError, KeyError, IndexError, AttributeError):
                if attempt:  # pandoc's own output of an unexpected shape: say so, never print garbage
                    self.problems.error(fragment.location, fragment.field, "无法转换这段 Markdown（pandoc 输出无法识别）")
                    return None
                blocks = convert_texts([fragment.text])[0]  # a damaged cache entry: convert again
                if isinstance(blocks, Overran):
                    self.store.overran[fragment.key], blocks = blocks.message, None
                    continue
                self.store.known[fragment.key] = blocks
        self.problems.items.extend(problems.items)  # refused constructs are errors; the words still load
        self.store.used.add(fragment.key)
        return MarkdownText(fragment.key, blocks, fragment.location), words


def _entry_at(root: Mapping, path: str) -> Entry | None:
    node, entry = root, None
    for key in path.split("."):
        if not isinstance(node, Mapping):
            return None
        entry = node.entries.get(key)
        if entry is None:
            return None
        node = entry.node
    return entry


def _scalar_at(root: Mapping, path: str) -> Scalar | None:
    entry = _entry_at(root, path)
    return entry.node if entry is not None and isinstance(entry.node, Scalar) else None


def _with_value(root: Mapping, path: str, value: Scalar, key_loc: Location) -> Mapping:
    """A copy of ``root`` with ``path`` set to ``value`` (the mappings on the way copied, never changed:
    the parsed trees may be shared with the cache)."""
    keys = path.split(".")
    entries = dict(root.entries)
    if len(keys) == 1:
        old = entries.get(keys[0])
        entries[keys[0]] = Entry(keys[0], old.key_loc if old is not None else key_loc, value)
        return Mapping(entries, root.loc)
    head = entries.get(keys[0])
    child = head.node if head is not None and isinstance(head.node, Mapping) else Mapping({}, key_loc)
    entries[keys[0]] = Entry(keys[0], head.key_loc if head is not None else key_loc,
                             _with_value(child, ".".join(keys[1:]), value, key_loc))
    return Mapping(entries, root.loc)


_LINES: dict[Path, tuple[bytes, list[str]]] = {}


def _file_lines(path: Path) -> list[str]:
    """The lines of a source file as the loader read it (``builder.read.readonce``: the same bytes,
    not a second read that a save in between would make another version)."""
    from builder.read.readonce import read_input
    from builder.read.sources import MAX_SOURCE_BYTES

    raw = read_input(path, MAX_SOURCE_BYTES)
    known = _LINES.get(path)
    if known is None or known[0] is not raw:
        if len(_LINES) > 64:
            _LINES.clear()
        known = _LINES[path] = (raw, raw.decode("utf-8-sig").splitlines())
    return known[1]


def _inline_location(scalar: Scalar) -> Location:
    """Where an inline Markdown text's first line is: a block scalar (``|``/``>``) starts on the next line."""
    loc = scalar.loc
    try:
        lines = _file_lines(loc.file)
        line = lines[loc.line - 1]
    except (OSError, UnsafeFile, UnicodeDecodeError, IndexError):
        return loc
    if line[loc.col - 1: loc.col] in ("|", ">") and loc.line < len(lines):
        following = lines[loc.line]
        return Location(loc.file, loc.line + 1, len(following) - len(following.lstrip()) + 1)
    if line[loc.col - 1: loc.col] in ("'", '"'):
        return Location(loc.file, loc.line, loc.col + 1)
    return loc
