"""Reading rows from the files users bring: CSV (UTF-8 or GBK/GB18030), JSON and JSON Lines.

Every kind is read a row at a time, never held whole: a year's export of a province runs to
gigabytes. A JSON array is taken apart by ijson (a streaming parser, yajl underneath) one
element at a time.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any, TypeVar

import ijson

from pingan.errors import InvalidInput

T = TypeVar("T")
ENCODINGS = ("utf-8-sig", "gb18030")
# A row that could not be read holds why (ERROR) and, when there is one, its text (LINE).
ERROR = "__error__"
LINE = "__line__"
CHUNK = 1 << 16  # bytes read at a time when checking a file's encoding
_TITLES_AT_MOST = 10  # rows above the header looked for (see _titles)
UNCLOSED_QUOTE = "引号未闭合：本行有字段以引号开始却没有结束引号，本行未导入"
UNKNOWN_ENCODING = "文件编码无法识别（支持 UTF-8、GBK/GB18030）"


def _first_encoding(read: Callable[[str], T]) -> T:
    """What ``read`` gives in the first of :data:`ENCODINGS` it can decode with (UTF-8 first,
    then GB18030)."""
    for encoding in ENCODINGS:
        try:
            return read(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(UNKNOWN_ENCODING)


def decode(data: bytes) -> str:
    """Text of a file whose encoding the user may not know."""
    return _first_encoding(data.decode)


def encoding_of(path: Path) -> str:
    """The encoding :func:`decode` would pick for the file, found by decoding it a chunk at a
    time: the whole file is checked (a GBK character may come after a megabyte of ASCII), and
    none of it is kept. Remembered while the file is unchanged: an import reads its header and
    then its rows, and a large file is not checked twice."""
    status = path.stat()
    return _encoding(path.resolve(), status.st_size, status.st_mtime_ns)


@lru_cache(maxsize=16)
def _encoding(path: Path, _size: int, _modified_ns: int) -> str:
    def check(encoding: str) -> str:
        decoder = codecs.getincrementaldecoder(encoding)()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return encoding

    return _first_encoding(check)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row number, row)``: row numbers as the user sees the file (its first row is 1)."""
    if not path.exists():
        raise InvalidInput(f"文件不存在：{path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        yield from _read_xlsx(path)
        return
    if suffix == ".csv":
        yield from _read_csv(path)
    elif suffix in (".jsonl", ".ndjson"):
        yield from _read_json_lines(path)
    elif suffix == ".json":
        yield from _read_json_array(path)
    else:
        raise InvalidInput(f"不支持的文件类型 {suffix}（支持 .csv、.json、.jsonl、.xlsx）")


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows under the header, numbered as a spreadsheet numbers them: the file's first row is 1,
    title rows above the header (``_titles``) and blank lines count, a row whose quoted text
    holds line breaks is one.

    A broken row is yielded as an error, with its line as the file gives it, and reading goes on
    with the next; nothing after it is lost:

    * a field opened with a quote that does not close where the field should end: read loosely,
      the field would run on over the following lines, up to the next quote in the file or its
      end, and swallow the rows there. The row whose quote is open is reported, and the lines
      after it are read again as rows. (A quote badly placed within one line, ``"a" b``, is
      read as the lenient CSV reader reads it, as before.)
    * more filled fields than the header names: a comma in a value that was not quoted, which
      would shift every column after it (the address into the coordinates);
    * a field over the CSV reader's limit.
    """
    with path.open(encoding=encoding_of(path), newline="") as handle:
        lines = _Lines(handle)
        reader = csv.reader(lines, strict=True)
        header, number = _header(reader, _csv_titles(path))
        while True:
            lines.taken.clear()
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield number, _unreadable(lines, exc, header)
                continue
            number += 1
            if not fields:
                continue  # a blank line
            row = _named(header, fields)
            if any(v.strip() for v in fields[len(header) :]):
                row[ERROR] = (
                    f"列数多于表头（表头 {len(header)} 列，本行 {len(fields)} 列）："
                    "多为内容中的逗号未加引号"
                )
                row[LINE] = "".join(lines.taken).rstrip("\r\n")
            yield number, row


class _Lines:
    """A CSV file's lines for the CSV reader, with those of the row being read kept (``taken``)
    so that a broken row's lines can be read again (``again``)."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self.taken: list[str] = []
        self.again: deque[str] = deque()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.again.popleft() if self.again else next(self._handle)
        self.taken.append(line)
        return line


def _unreadable(lines: _Lines, exc: csv.Error, header: list[str]) -> dict[str, Any]:
    """The row the CSV reader refused, as an error: its first line alone when the row ran on
    over more lines (those are read again). A row of one line is read loosely if it can be."""
    first, *rest = lines.taken or [""]
    text = first.rstrip("\r\n")
    if rest or "end of data" in str(exc):  # the file's last line opened a quote
        lines.again.extendleft(reversed(rest))
        return {ERROR: UNCLOSED_QUOTE, LINE: text}
    try:
        return _named(header, next(csv.reader([first])))
    except csv.Error:
        return {ERROR: f"CSV 行无法读取：{exc}", LINE: text}


def _titles(rows: Iterator[Sequence[Any]]) -> int:
    """How many rows stand above the header, as many exports put them (a title such as
    某某派出所警情登记表 across merged cells, a line of notes, a blank row): the header is the
    first of the first ten rows with two cells filled, or the first row when none has (a file of
    one column)."""
    for number, cells in enumerate(islice(rows, _TITLES_AT_MOST)):
        if sum(1 for cell in cells if cell is not None and str(cell).strip()) >= 2:
            return number
    return 0


def _csv_titles(path: Path) -> int:
    with path.open(encoding=encoding_of(path), newline="") as handle:
        try:
            return _titles(csv.reader(handle))
        except csv.Error:  # a broken row among the first: read for real, it is reported
            return 0


def _header(reader: Iterator[list[str]], titles: int) -> tuple[list[str], int]:
    """A CSV file's column names, past its title rows, and the header's row number. A quote
    left open there (the strict reader refuses it) is the file's error, not a row's: the
    columns cannot be known."""
    number = 0
    try:
        for fields in reader:
            number += 1
            if number > titles:
                return [name.strip() for name in fields], number
    except csv.Error as exc:
        raise InvalidInput(f"表头（第 {number + 1} 行）无法读取，多为引号未闭合（{exc}）") from exc
    return [], number


def _named(header: list[str], fields: list[str]) -> dict[str, Any]:
    """A row's fields by the header's names, stripped; a missing one is None. A value written
    ``="0571…"``, as exports write record numbers, codes and phones so that a spreadsheet keeps
    them as text (leading zeros and all), is the text inside."""
    row: dict[str, Any] = dict.fromkeys(header)
    for name, value in zip(header, fields, strict=False):
        text = value.strip()
        if text.startswith('="') and text.endswith('"') and len(text) > 2:
            text = text[2:-1].strip()
        row[name] = text
    return row


def _read_json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """One JSON object per line; a line that is not one is yielded as an error, with its text."""
    with path.open(encoding=encoding_of(path)) as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, {ERROR: f"JSON 无法解析：{exc.msg}", LINE: line}
                continue
            if not isinstance(value, dict):
                value = {ERROR: "每行须为 JSON 对象", LINE: line}
            yield number, value


class _Recoded:
    """A GB18030 file read as UTF-8 bytes (only ``read``: ijson then reads nothing else)."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    def read(self, size: int = -1) -> bytes:
        return self._handle.read(size).encode("utf-8")


@contextmanager
def _utf8_bytes(path: Path) -> Iterator[IO[bytes] | _Recoded]:
    """The file as UTF-8 bytes, as ijson reads them: a UTF-8 file as it is (past its byte-order
    mark), a GB18030 one recoded on the way."""
    encoding = encoding_of(path)
    if encoding == "gb18030":
        with path.open(encoding=encoding) as text:
            yield _Recoded(text)
        return
    with path.open("rb") as handle:
        if handle.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            handle.seek(0)
        yield handle


def _json_error(exc: Exception) -> str:
    """ijson's complaint, first line (the lines after it point into the text)."""
    said = exc.args[0] if exc.args else ""
    if isinstance(said, bytes):
        said = said.decode("utf-8", "replace")
    lines = str(said).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _read_json_array(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The elements of a JSON array, numbered from 1. A file that is no array is refused before
    any row; where the text breaks off or goes wrong partway, the elements before it are rows
    and the rest is one error row (the import reports it; nothing after it can be read)."""
    with _utf8_bytes(path) as stream:  # its first token only
        try:
            first = next(ijson.parse(stream), None)
        except ijson.JSONError as exc:
            raise InvalidInput(f"JSON 无法解析：{_json_error(exc)}") from exc
    if first is None or first[1] != "start_array":
        raise InvalidInput("JSON 文件须为对象数组")
    with _utf8_bytes(path) as stream:
        number = 0
        try:
            for number, item in enumerate(ijson.items(stream, "item", use_float=True), start=1):
                if not isinstance(item, dict):
                    item = {ERROR: "须为 JSON 对象", LINE: json.dumps(item, ensure_ascii=False)}
                yield number, item
        except ijson.JSONError as exc:
            yield (
                number + 1,
                {
                    ERROR: f"JSON 自第 {number + 1} 个元素起无法解析，其后的内容未读取："
                    f"{_json_error(exc)}"
                },
            )


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of the first sheet of an Excel workbook; the first row is the header."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a broken file
        raise InvalidInput(f"Excel 文件无法打开：{exc}") from exc
    try:
        sheet = enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
        first = list(islice(sheet, _TITLES_AT_MOST))
        rows = chain(first[_titles(iter(values for _, values in first)) :], sheet)
        _, names = next(rows, (0, ()))
        header = [str(h).strip() if h is not None else "" for h in names]
        for number, values in rows:
            if all(v is None for v in values):
                continue
            yield (
                number,
                {
                    name: (v.strip() if isinstance(v, str) else v)
                    for name, v in zip(header, values, strict=False)
                    if name
                },
            )
    finally:
        workbook.close()


def header_of(path: Path) -> list[str]:
    """The column names of a CSV or Excel file (JSON files: the keys of the first object that
    could be read)."""
    if path.exists() and path.suffix.lower() == ".csv":
        with path.open(encoding=encoding_of(path), newline="") as handle:
            return _header(csv.reader(handle, strict=True), _csv_titles(path))[0]
    for _number, row in read_rows(path):
        if ERROR not in row:
            return list(row)
    return []


def count_rows(path: Path) -> int | None:
    """How many data rows a file has, cheaply (for progress bars); None when unknown. A CSV
    file's non-blank lines are counted: a row whose quoted text holds a line break counts as
    more than one."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".jsonl", ".ndjson"):
        with path.open("rb") as handle:
            lines = sum(1 for line in handle if line.strip())
        return max(0, lines - 1) if suffix == ".csv" else lines
    if suffix == ".json":  # the array's elements, counted by the streaming parser
        try:
            with _utf8_bytes(path) as stream:
                return sum(
                    1
                    for prefix, event, _ in ijson.parse(stream)
                    if prefix == "item" and event not in ("map_key", "end_map", "end_array")
                )
        except (ijson.JSONError, InvalidInput):  # reading it for real reports what is wrong
            return None
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True)
        except Exception:  # reading it for real reports what is wrong with it
            return None
        try:  # the first sheet's recorded size (None when the file does not record it)
            rows = workbook.worksheets[0].max_row if workbook.worksheets else None
        finally:
            workbook.close()
        return None if rows is None else max(0, rows - 1)
    return None


def split_list(value: Any) -> list[str]:
    """A list from a JSON list or a ``;``/``；``/``|`` separated cell."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).replace("；", ";").replace("|", ";")
    return [part.strip() for part in text.split(";") if part.strip()]
