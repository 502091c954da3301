"""Scenario files → Scenario objects: parse, check against the schema, build.

YAML is read with a SafeLoader subclass (plain data only, no tags that run code) that
remembers the line of every key and list item, so each problem is reported as
``file:line: where: what is wrong``. A file loads whole or not at all.
"""

from __future__ import annotations

import difflib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ..errors import ScenarioError
from ..resources import schemas_dir
from .loader_build import BuildError, build_scenario
from .scenario import Scenario
from .script_checks import header_problem, value_problems

log = logging.getLogger("mockserver.scenarios")

FORMAT_VERSION = 1
SUFFIXES = (".yaml", ".yml")


class LineMap(dict[Any, Any]):
    line: int = 0
    key_lines: dict[Any, int]


class LineSeq(list[Any]):
    line: int = 0
    item_lines: list[int]


# Limits that keep a hostile or mistaken file from hanging or crashing the server. PyYAML
# builds a node tree recursively (too deep a one raises RecursionError), an alias makes
# the data it names appear again at every use (a few hundred bytes can stand for
# billions of values, which the schema check would then walk), and it parses some
# 200 KB a second in pure Python.
MAX_SCENARIO_CHARS = 1 << 20
MAX_DEPTH = 64
MAX_ALIAS_VALUES = 10_000


class _LineLoader(yaml.SafeLoader):
    """yaml.SafeLoader that records lines (1-based) on the mappings and lists it builds,
    and holds documents to MAX_DEPTH levels and their aliases to MAX_ALIAS_VALUES values."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        # Per node: how many values it stands for (aliases expanded) and how deep it goes.
        self._sizes: dict[int, tuple[int, int]] = {}
        self._aliased = 0

    def compose_document(self) -> yaml.Node | None:
        self._sizes.clear()
        self._aliased = 0
        return super().compose_document()

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        if self.check_event(yaml.AliasEvent):
            node: yaml.Node | None = super().compose_node(parent, index)
            size, height = self._sizes.get(id(node), (1, 1))
            self._aliased += size
            if self._aliased > MAX_ALIAS_VALUES:
                raise _limit(f"aliases expand to more than {MAX_ALIAS_VALUES} values", mark)
            self._check_depth(self._depth + height, mark)
            return node
        self._depth += 1
        self._check_depth(self._depth, mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._sizes[id(node)] = self._measure(node)
        return node

    def _measure(self, node: yaml.Node) -> tuple[int, int]:
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            return 1, 1
        sizes = self._sizes
        measured = [sizes.get(id(child), (1, 1)) for child in children]
        return 1 + sum(s for s, _ in measured), 1 + max((h for _, h in measured), default=0)

    @staticmethod
    def _check_depth(depth: int, mark: yaml.Mark) -> None:
        if depth > MAX_DEPTH:
            raise _limit(f"nested deeper than {MAX_DEPTH} levels", mark)


def _limit(problem: str, mark: yaml.Mark) -> yaml.composer.ComposerError:
    return yaml.composer.ComposerError(None, None, problem, mark)


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[LineMap]:
    data = LineMap()
    data.line = node.start_mark.line + 1
    yield data
    loader.flatten_mapping(node)
    data.key_lines = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            # YAML allows `? [a, b]` as a key; JSON and Python dicts do not.
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "a key must be a plain value (text or a number), not a list or mapping",
                key_node.start_mark,
            )
        key = loader.construct_object(key_node)
        if key in data.key_lines:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        data.key_lines[key] = key_node.start_mark.line + 1
    data.update(loader.construct_mapping(node))


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> Iterator[LineSeq]:
    data = LineSeq()
    data.line = node.start_mark.line + 1
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_sequence(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads((schemas_dir() / "scenario.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _path_text(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"


def _line_at(doc: Any, path: Iterable[Any]) -> int | None:
    line: int | None = getattr(doc, "line", None)
    node = doc
    for part in path:
        if isinstance(node, LineMap) and part in node:
            line, node = node.key_lines.get(part, line), node[part]
        elif isinstance(node, LineSeq) and isinstance(part, int) and part < len(node):
            line, node = node.item_lines[part], node[part]
        else:
            break
    return line


def _schema_problem(error: ValidationError, doc: Any, source: str) -> ScenarioError:
    path = list(error.absolute_path)
    line = _line_at(doc, path)
    where = _path_text(path)
    message = error.message
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, LineMap):
        allowed = list(schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        line = error.instance.key_lines.get(extra[0], line)
        close = difflib.get_close_matches(str(extra[0]), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
        message = f"unknown key {extra[0]!r}{hint}"
    elif path == ["version"] or (error.validator == "required" and "'version'" in message):
        message = (
            f"the file must start with `version: {FORMAT_VERSION}` (found {doc.get('version')!r})"
        )
        where = "version"
    return ScenarioError(f"{where}: {message}", source, line)


def _check_schema(doc: LineMap, source: str) -> None:
    """Raise the first schema problem (by line); the next few ride along as hints."""
    errors = sorted(
        _validator().iter_errors(doc), key=lambda e: _line_at(doc, e.absolute_path) or 0
    )
    if not errors:
        return
    # best_match picks the most telling error inside an anyOf (e.g. the mapping branch).
    found = [_schema_problem(best_match([e]), doc, source) for e in errors[:5]]
    raise ScenarioError(found[0].message, source, found[0].line, tuple(map(str, found[1:])))


def _check_values(doc: LineMap, source: str) -> None:
    """What the schema cannot see: values no response can carry, headers that break framing."""
    for path, what in value_problems(doc):
        raise ScenarioError(f"{_path_text(path)}: {what}", source, _line_at(doc, path))
    for path, headers in _error_headers(doc, ()):
        for name, value in headers.items():
            problem = header_problem(name, value)
            if problem is not None:
                where = (*path, name)
                raise ScenarioError(f"{_path_text(where)}: {problem}", source, _line_at(doc, where))


def _error_headers(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every scripted error's `headers` mapping, with its path (request matchers excluded)."""
    if isinstance(node, Mapping):
        error = node.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("headers"), Mapping):
            yield (*path, "error", "headers"), error["headers"]
        for key, item in node.items():
            if key != "match":
                yield from _error_headers(item, (*path, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _error_headers(item, (*path, i))


def parse_scenarios(
    text: str, source: str = "<string>", default_name: str = "scenario"
) -> list[Scenario]:
    """Every scenario in a YAML text (one per `---` document); raises ScenarioError.

    Blocking work (a large file takes seconds): the server calls it off its event loop.
    """
    if len(text) > MAX_SCENARIO_CHARS:
        raise ScenarioError(
            f"the file is too large: {len(text)} characters (at most {MAX_SCENARIO_CHARS})",
            source,
        )
    try:
        return _parse(text, source, default_name)
    except ScenarioError:
        raise
    except RecursionError:
        raise ScenarioError("nested too deep to load", source) from None
    except Exception as exc:
        # A bug of ours (or of the YAML library) a file set off: logged for us, and for
        # the author a scenario error like any other, so no file stops the server.
        log.exception("internal error while loading %s", source)
        raise ScenarioError(f"cannot load: {type(exc).__name__}: {exc}", source) from None


def _parse(text: str, source: str, default_name: str) -> list[Scenario]:
    try:
        docs = [d for d in yaml.load_all(text, Loader=_LineLoader) if d is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScenarioError(f"not valid YAML: {exc.problem or exc.context}", source, line) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not valid YAML: {exc}", source) from None
    if not docs:
        raise ScenarioError("the file holds no scenario", source)
    scenarios = []
    for number, doc in enumerate(docs):
        if not isinstance(doc, LineMap):
            line = getattr(doc, "line", None)
            raise ScenarioError(
                "a scenario must be a mapping (version, steps, rules…)", source, line
            )
        _check_schema(doc, source)
        _check_values(doc, source)
        name = default_name if len(docs) == 1 else f"{default_name}#{number + 1}"
        try:
            scenarios.append(build_scenario(doc, source, name))
        except BuildError as exc:
            raise ScenarioError(exc.message, source, exc.line) from None
    return scenarios


def load_file(path: Path) -> list[Scenario]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read the file: {exc}", str(path)) from None
    return parse_scenarios(text, str(path), path.stem)


def scenario_files(paths: Iterable[Path | str]) -> list[Path]:
    """The YAML files named, and those under the folders named (sorted, recursively)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise ScenarioError("no such file or folder", str(path))
    return files


def load_scenario(path: Path | str) -> Scenario:
    """The one scenario in a YAML file (ScenarioError if broken or holding several)."""
    found = load_file(Path(path))
    if len(found) != 1:
        raise ScenarioError(f"holds {len(found)} scenarios; use load_scenarios()", str(path))
    return found[0]


def load_scenarios(paths: Iterable[Path | str]) -> list[Scenario]:
    """Every scenario in these files and folders, in order; raises on the first broken file."""
    return [s for file in scenario_files(paths) for s in load_file(file)]
