"""Reading administrators' TOML files with errors that name the line.

``tomllib`` gives values but no positions, so :class:`TomlDocument` keeps the raw lines and finds
where a table (``[name]``), an item of an array of tables (``[[name]]``) or a key starts.  The
lookup is textual and good enough for the flat files this package ships; when a key cannot be
found, the line of the enclosing table is used.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
_TOML_LINE = re.compile(r"at line (\d+)")


class ConfigError(ValueError):
    """An administrator's file is wrong; ``errors`` lists every problem, each with its line."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Section:
    """A ``[table]`` or one ``[[array]]`` item: its name and the lines it spans (1-based)."""

    name: str
    first: int
    last: int


@dataclass
class TomlDocument:
    """The parsed data of a TOML text plus enough of its layout to point at lines."""

    source: str
    text: str
    data: dict[str, Any]
    lines: list[str] = field(repr=False)
    sections: list[Section] = field(repr=False)

    def items(self, name: str) -> list[Section]:
        """The ``[[name]]`` items in file order."""
        return [s for s in self.sections if s.name == name]

    def table(self, name: str) -> Section | None:
        for section in self.sections:
            if section.name == name:
                return section
        return None

    def top(self) -> Section:
        """The lines before the first header (top-level keys)."""
        end = self.sections[0].first - 1 if self.sections else len(self.lines)
        return Section("", 1, max(end, 1))

    def line_of(self, key: str, within: Section | None = None) -> int:
        """The line where ``key = …`` starts inside ``within`` (the section's header if absent)."""
        section = within or self.top()
        pattern = re.compile(rf"^\s*(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})\s*=")
        for number in range(section.first, section.last + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return section.first

    def where(self, line: int) -> str:
        return f"{self.source} 第 {line} 行"


def read_toml(path_or_text: str | Path, *, default_source: str) -> TomlDocument:
    """Parse a file (a :class:`~pathlib.Path`, or a string without newlines) or TOML text.

    Raises :class:`ConfigError` naming the line when the text is not valid TOML.
    """
    if isinstance(path_or_text, Path) or ("\n" not in path_or_text and "=" not in path_or_text):
        path = Path(path_or_text)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError([f"{path}：无法读取文件（{error.strerror or error}）"]) from error
        source = path.name
    else:
        text = path_or_text
        source = default_source
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_LINE.search(str(error))
        line = f"第 {found.group(1)} 行" if found else "某处"
        raise ConfigError([f"{source} {line}：不是有效的 TOML（{error}）"]) from error
    lines = text.splitlines()
    return TomlDocument(source, text, data, lines, _sections(lines))


def _sections(lines: list[str]) -> list[Section]:
    starts: list[tuple[str, int]] = []
    in_multiline = False
    for number, line in enumerate(lines, start=1):
        if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
            in_multiline = not in_multiline
        if in_multiline:
            continue
        match = _HEADER.match(line)
        if match and not line.lstrip().startswith("#"):
            starts.append((match.group(2).strip().strip("\"'"), number))
    sections = []
    for index, (name, first) in enumerate(starts):
        last = starts[index + 1][1] - 1 if index + 1 < len(starts) else len(lines)
        sections.append(Section(name, first, last))
    return sections
