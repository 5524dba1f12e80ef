"""What a reviewer applies on top of the rules: a rule profile (``规则:``), the findings
the sources accept (``忽略:``) and a baseline of known findings (``check --baseline``).

A profile is a YAML data file: the shipped ones are ``builder/check/profiles/<名称>.yaml``;
a user's own is named by its path from the document folder::

    名称: 本单位
    基于: 上海-2025          # optional: start from another profile (shipped name or path)
    规则:
      IND-PERCENT: 关闭      # 错误 / 警告 / 关闭 / 默认 (the rule's own severity)
      IND-COST-UNIT: 错误
    参数:                    # a rule's numbers (the shipped 默认.yaml gives each its default)
      MON-PACE: {黄灯: 10, 红灯: 20}

An accepted finding is reported with the reason, never dropped; a waiver that matches
nothing is a warning (WAIVER-UNUSED).
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from builder.model import core as m
from builder.check import checks as _rules_registered  # noqa: F401  (importing it registers every rule)
from builder.check.rules import OFF, OWN, RULES, document_form, run_checks
from builder.read.errors import Location, Problem, Problems, display_path
from builder.read.rawtree import Mapping, Scalar
from builder.read.repo import OutsideRepository, in_repository
from builder.model.schema import suggest
from builder.read.sources import read_source

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "默认"
LEVELS = ("错误", "警告", OFF, OWN)
SETTINGS_KEY = "参数"
PROFILE_KEYS = ("名称", "说明", "基于", "规则", SETTINGS_KEY)
ACCEPTED, KNOWN = "已接受", "已知"
# ids that are not rules of builder.check.checks but appear in findings (docs/checks.md lists them too)
META_RULES = ("PROFILE", "WAIVER-UNUSED")


def shipped_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def rule_ids(form=None) -> list[str]:
    """Every rule id: the registered rules, and the ids ``form`` declares for its own money tables."""
    from builder.check.money import declared_ids

    ids = [r.id for r in RULES]
    return ids + [i for i, _, _ in (declared_ids(form) if form is not None else ()) if i not in ids]


def review(document: m.Document, against: m.Document | None = None) -> list[Problem]:
    """The findings of one loaded document under its profile, with its waivers applied;
    ``against`` (``check --against``): the document the comparing rules compare it with."""
    problems: list[Problem] = []
    levels = load_profile(document, problems)
    if levels is None:
        levels = Levels()
    findings = run_checks(document, levels, _with_defaults(levels.settings), against)
    return problems + apply_waivers(document, findings)


class Levels(dict):
    """A profile read: rule id → level, and ``settings``, its 参数 (rule id → {name: Decimal})."""

    def __init__(self, *args, settings: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.settings = settings or {}


def _with_defaults(settings: dict) -> dict:
    """The 参数 of every rule that has them: the shipped 默认.yaml's, overridden by ``settings``."""
    default = read_profile(PROFILE_DIR / f"{DEFAULT_PROFILE}.yaml", [], ())
    merged = {rule_id: dict(values) for rule_id, values in (default.settings if default is not None else {}).items()}
    for rule_id, values in settings.items():
        merged.setdefault(rule_id, {}).update(values)
    return merged


def rule_settings(document: m.Document) -> dict:
    """The 参数 the document's rules run with (rule id → {name: Decimal}): its profile's, each one
    it does not set from the shipped 默认.yaml — what a renderer shows beside the findings (the
    绩效运行监控's light follows the thresholds of MON-PACE)."""
    levels = load_profile(document, [])
    return _with_defaults(levels.settings if levels is not None else {})


# ---------------------------------------------------------------- profiles

def _profile_problem(location: Location, field: str, message: str) -> Problem:
    return Problem(location, field, message, "错误", "PROFILE")


def _resolve(name: str, base: Path) -> Path | None:
    """A profile named by a path (from ``base``) or by a shipped name. A path goes through the
    repository boundary (``builder.read.repo``): one outside raises OutsideRepository before it is
    read. A shipped profile names shipped ones only."""
    name = name.strip()
    shipped = PROFILE_DIR / f"{name}.yaml"
    is_shipped = "/" not in name and "\\" not in name and shipped.is_file()
    if base.resolve() == PROFILE_DIR:
        return shipped if is_shipped else None
    path_like = "/" in name or "\\" in name or name.startswith((".", "_", "~"))
    names = [name] + ([f"{name}{suffix}" for suffix in (".yaml", ".yml")] if path_like else [])
    for candidate in names:
        if path_like or (base / candidate).is_file():
            path = in_repository(base, candidate, "规则集文件")
            if path.is_file():
                return path
    return shipped if is_shipped else None


def load_profile(document: m.Document, problems: list[Problem]) -> dict[str, str] | None:
    """The rule levels of the document's profile; None (with problems) when it cannot be read."""
    name = document.rules or DEFAULT_PROFILE
    location = document.locations.get("规则", Location(document.source))
    try:
        path = _resolve(name, document.folder)
    except OutsideRepository as exc:
        problems.append(_profile_problem(location, "规则", str(exc)))
        return None
    if path is None:
        hint = suggest(name, shipped_profiles())
        more = f"，是否应为“{hint}”？" if hint else "。"
        problems.append(_profile_problem(
            location, "规则", f"找不到规则集“{name}”{more}（内置：{'、'.join(shipped_profiles())}；"
                            f"或写相对于文档文件夹的 .yaml 文件路径）"))
        return None
    return read_profile(path, problems, (), document_form(document))


_PARSED: dict[tuple, tuple] = {}


def _read_profile_file(path: Path):
    """A profile file's raw tree, parsed once per content (every document of a build shares it)."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None
    if key is not None and key in _PARSED:
        return _PARSED[key]
    collected = Problems()
    root = read_source(path, collected)
    result = (root, [replace(problem, rule="PROFILE") for problem in collected.items])
    if key is not None:
        _PARSED[key] = result
    return result


def read_profile(path: Path, problems: list[Problem], seen: tuple[Path, ...], form=None) -> dict[str, str] | None:
    if path.resolve() in seen:
        problems.append(_profile_problem(Location(path), "基于", "规则集循环引用（“基于”又回到了自己）"))
        return None
    root, read_problems = _read_profile_file(path)
    problems.extend(read_problems)
    if root is None:
        return None
    if not isinstance(root, Mapping):
        problems.append(_profile_problem(root.loc, "", "规则集文件应为“键: 值”形式（名称、基于、规则）"))
        return None
    if not any(key in PROFILE_KEYS for key in root.entries):
        # some other file (a config, a secret): say what is wrong, never its keys or values
        problems.append(_profile_problem(root.loc, "", f"不是规则集文件：没有“{'”“'.join(PROFILE_KEYS)}”中的任何一个键"
                                                       f"（其内容未显示）"))
        return None
    levels = Levels()
    for key, entry in root.entries.items():
        if key not in PROFILE_KEYS:
            hint = suggest(key, PROFILE_KEYS)
            more = f"，是否应为“{hint}”？" if hint else f"（可用：{'、'.join(PROFILE_KEYS)}）"
            problems.append(_profile_problem(entry.key_loc, key, f"未知的键“{key}”{more}"))
    base = root.get("基于")
    if isinstance(base, Scalar) and base.value:
        try:
            base_path = _resolve(str(base.value), path.parent)
            outside = None
        except OutsideRepository as exc:
            base_path, outside = None, str(exc)
        if outside:
            problems.append(_profile_problem(base.loc, "基于", outside))
        elif base_path is None:
            hint = suggest(str(base.value), shipped_profiles())
            more = f"，是否应为“{hint}”？" if hint else "。"
            problems.append(_profile_problem(base.loc, "基于", f"找不到规则集“{base.value}”{more}"))
        else:
            inherited = read_profile(base_path, problems, (*seen, path.resolve()), form)
            levels.update(inherited or {})
            for rule_id, values in (inherited.settings if inherited is not None else {}).items():
                levels.settings.setdefault(rule_id, {}).update(values)
    _read_settings(root.get(SETTINGS_KEY), problems, levels.settings)
    rules = root.get("规则")
    if rules is None:
        return levels
    if not isinstance(rules, Mapping):
        problems.append(_profile_problem(rules.loc, "规则", "“规则”下应逐行写“规则编号: 级别”"))
        return levels
    known = rule_ids(form)
    for rule_id, entry in rules.entries.items():
        if rule_id not in known:
            hint = suggest(rule_id, known)
            more = f"，是否应为“{hint}”？" if hint else "（budgetdoc 规则 列出全部规则编号）"
            problems.append(_profile_problem(entry.key_loc, f"规则.{rule_id}", f"未知的规则编号“{rule_id}”{more}"))
            continue
        level = entry.node.value if isinstance(entry.node, Scalar) else None
        if level not in LEVELS:
            problems.append(_profile_problem(
                entry.node.loc, f"规则.{rule_id}", f"级别“{level}”无法识别（可用：{'、'.join(LEVELS)}）"))
            continue
        levels[rule_id] = level
    return levels


def _read_settings(node, problems: list[Problem], settings: dict) -> None:
    """``参数:`` — rule id → {name: number}, for the rules that have 参数 (MON-PACE's 黄灯, 红灯 …)."""
    if node is None:
        return
    having = {r.id: r.settings for r in RULES if r.settings}
    if not isinstance(node, Mapping):
        problems.append(_profile_problem(node.loc, SETTINGS_KEY, "“参数”下应逐行写“规则编号: {参数: 数值}”"))
        return
    for rule_id, entry in node.entries.items():
        where = f"{SETTINGS_KEY}.{rule_id}"
        if rule_id not in having:
            hint = suggest(rule_id, list(having))
            more = f"，是否应为“{hint}”？" if hint else f"（有参数的规则：{'、'.join(having)}）"
            problems.append(_profile_problem(entry.key_loc, where, f"规则“{rule_id}”没有参数{more}"))
            continue
        if not isinstance(entry.node, Mapping):
            problems.append(_profile_problem(entry.node.loc, where, f"应写“参数: 数值”（{'、'.join(having[rule_id])}）"))
            continue
        for name, value in entry.node.entries.items():
            if name not in having[rule_id]:
                hint = suggest(name, having[rule_id])
                more = f"，是否应为“{hint}”？" if hint else f"（可用：{'、'.join(having[rule_id])}）"
                problems.append(_profile_problem(value.key_loc, f"{where}.{name}", f"未知的参数“{name}”{more}"))
                continue
            number = value.node.value if isinstance(value.node, Scalar) else None
            if not isinstance(number, Decimal) or isinstance(number, bool):
                problems.append(_profile_problem(value.node.loc, f"{where}.{name}", f"参数“{name}”应为数值"))
                continue
            settings.setdefault(rule_id, {})[name] = number


def profile_files(folder: Path, cache=None) -> list[Path]:
    """The profile files a document folder's checks read (for the build cache's key): the
    shipped ones and the user's chain named by ``规则:`` / ``基于:``. Problems are left to the check."""
    files = sorted(PROFILE_DIR.glob("*.yaml"))
    document = next((folder / f"document{s}" for s in (".yaml", ".yml", ".toml") if (folder / f"document{s}").is_file()),
                    None)
    if document is None:
        return files
    root = read_source(document, Problems(), cache)
    node = root.get("规则") if isinstance(root, Mapping) else None
    name, base = (str(node.value) if isinstance(node, Scalar) and node.value else None), folder
    seen: list[Path] = []
    while name and len(seen) < 10:
        try:
            path = _resolve(name, base)
        except OutsideRepository:
            break
        if path is None or path in seen:
            break
        seen.append(path)
        profile, _ = _read_profile_file(path)
        node = profile.get("基于") if isinstance(profile, Mapping) else None
        name, base = (str(node.value) if isinstance(node, Scalar) and node.value else None), path.parent
    return files + [p for p in seen if p.parent != PROFILE_DIR]


# ---------------------------------------------------------------- waivers

def _squash_place(text: str) -> str:
    return "".join(text.split())


def _matches(waiver: m.Waiver, owner, finding: Problem, document: m.Document) -> bool:
    if waiver.rule != finding.rule:
        return False
    if owner is not None and finding.location.file != owner.source:
        return False
    if owner is None and waiver.project:
        project = next((p for p in document.projects if waiver.project in (p.stem, p.name)), None)
        if project is None or finding.location.file != project.source:
            return False
    if not waiver.place:
        return True
    place, field = _squash_place(waiver.place), _squash_place(finding.field)
    return (field == place or field.startswith(place + ".") or field.endswith("." + place)
            or f".{place}." in f".{field}.")


def apply_waivers(document: m.Document, findings: list[Problem]) -> list[Problem]:
    """Findings a waiver accepts become 已接受 with its reason; unused waivers are warnings."""
    waivers = [(w, None) for w in document.waivers]
    waivers += [(w, p) for p in document.projects for w in p.waivers]
    used: set[int] = set()
    result = []
    for problem in findings:
        hit = next((i for i, (w, owner) in enumerate(waivers) if _matches(w, owner, problem, document)), None)
        if hit is None:
            result.append(problem)
            continue
        used.add(hit)
        result.append(replace(problem, severity=ACCEPTED, note=f"原因：{waivers[hit][0].reason}"))
    known = rule_ids(document_form(document))
    for index, (waiver, _) in enumerate(waivers):
        if index in used:
            continue
        if waiver.rule not in known:
            hint = suggest(waiver.rule, known)
            more = f"，是否应为“{hint}”？" if hint else "（budgetdoc 规则 列出全部规则编号）"
            message = f"忽略的规则编号“{waiver.rule}”不存在{more}"
        else:
            where = f"（位置“{waiver.place}”）" if waiver.place else ""
            message = f"忽略 {waiver.rule}{where}没有匹配任何发现，可以删去"
        result.append(Problem(waiver.location, "忽略", message, "警告", "WAIVER-UNUSED",
                              (("规则", waiver.rule), ("位置", waiver.place))))
    return sorted(result, key=lambda p: (str(p.location.file), p.location.line, p.location.col, p.rule))


# ---------------------------------------------------------------- baseline

def baseline_key(problem: Problem) -> tuple[str, str, str, str]:
    """What identifies a finding across edits: file, rule, field and message (not the line)."""
    return (Path(display_path(problem.location.file)).as_posix(), problem.rule or "SOURCE", problem.field,
            problem.message)


def baseline_bytes(problems: list[Problem]) -> tuple[bytes, int]:
    """The baseline file of ``problems`` (errors and warnings) and how many findings it holds;
    builder.output.build.write_baseline writes it."""
    entries = sorted({baseline_key(p) for p in problems if p.severity in ("错误", "警告")})
    data = {"说明": "budgetdoc check --baseline 的已知发现：这些发现不再使检查失败，新的发现照常报告",
            "发现": [dict(zip(("file", "rule", "field", "message"), e)) for e in entries]}
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), len(entries)


class BaselineProblem(Exception):
    """The baseline file cannot be read; the message is user-facing Chinese."""


def read_baseline(path: Path) -> set[tuple[str, str, str, str]]:
    from builder.read.readonce import MAX_TEMPLATE_FILE_BYTES, read_input
    from builder.read.safeio import UnsafeFile

    try:
        data = json.loads(read_input(path, MAX_TEMPLATE_FILE_BYTES).decode("utf-8"))
        return {(e["file"], e["rule"], e["field"], e["message"]) for e in data["发现"]}
    except UnsafeFile as exc:
        raise BaselineProblem(f"{display_path(path)}: 无法读取基线文件（{exc}）") from None
    except (ValueError, KeyError, TypeError, RecursionError):
        raise BaselineProblem(f"{display_path(path)}: 不是 budgetdoc check --write-baseline 写出的基线文件") from None


def apply_baseline(problems: list[Problem], known: set, name: str) -> tuple[list[Problem], int]:
    """Findings in the baseline become 已知; returns them and how many baseline entries are gone."""
    result, seen = [], set()
    for problem in problems:
        key = baseline_key(problem)
        if problem.severity in ("错误", "警告") and key in known:
            seen.add(key)
            result.append(replace(problem, severity=KNOWN, note=f"已在基线 {name} 中"))
        else:
            result.append(problem)
    return result, len(known - seen)
