"""Reading rows from the files users bring: CSV (UTF-8 or GBK/GB18030), JSON and JSON Lines.

CSV and JSON Lines files are read a row at a time, never held whole: a year's export of a
province runs to gigabytes.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from pingan.errors import InvalidInput

ENCODINGS = ("utf-8-sig", "gb18030")
# A row that could not be read holds why (ERROR) and, when there is one, its text (LINE).
ERROR = "__error__"
LINE = "__line__"
CHUNK = 1 << 16  # bytes read at a time when checking a file's encoding
UNKNOWN_ENCODING = "文件编码无法识别（支持 UTF-8、GBK/GB18030）"


def decode(data: bytes) -> str:
    """Text of a file whose encoding the user may not know (UTF-8 first, then GB18030)."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(UNKNOWN_ENCODING)


def encoding_of(path: Path) -> str:
    """The encoding :func:`decode` would pick for the file, found by decoding it a chunk at a
    time: the whole file is checked (a GBK character may come after a megabyte of ASCII), and
    none of it is kept. Remembered while the file is unchanged: an import reads its header and
    then its rows, and a large file is not checked twice."""
    status = path.stat()
    return _encoding(path.resolve(), status.st_size, status.st_mtime_ns)


@lru_cache(maxsize=16)
def _encoding(path: Path, _size: int, _modified_ns: int) -> str:
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise InvalidInput(UNKNOWN_ENCODING)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row number, row)``; row numbers are what a user sees in the file (header = 1)."""
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
        try:
            value = json.loads(decode(path.read_bytes()))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"JSON 无法解析：第 {exc.lineno} 行 {exc.msg}") from exc
        if not isinstance(value, list):
            raise InvalidInput("JSON 文件须为对象数组")
        for number, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                item = {ERROR: "须为 JSON 对象", LINE: json.dumps(item, ensure_ascii=False)}
            yield number, item
    else:
        raise InvalidInput(f"不支持的文件类型 {suffix}（支持 .csv、.json、.jsonl、.xlsx）")


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows under the header line; a record the CSV reader cannot read (a field over its
    limit) is yielded as an error and reading goes on with the next."""
    with path.open(encoding=encoding_of(path), newline="") as handle:
        reader = csv.DictReader(handle)
        number = 1
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield number, {ERROR: f"CSV 行无法读取：{exc}"}
                continue
            yield (
                number,
                {
                    k.strip(): (v.strip() if isinstance(v, str) else v)
                    for k, v in row.items()
                    if k is not None
                },
            )


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


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of the first sheet of an Excel workbook; the first row is the header."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a broken file
        raise InvalidInput(f"Excel 文件无法打开：{exc}") from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
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
            return [name.strip() for name in next(csv.reader(handle), [])]
    for _number, row in read_rows(path):
        if ERROR not in row:
            return list(row)
    return []


def count_rows(path: Path) -> int | None:
    """How many data rows a file has, cheaply (for progress bars); None when unknown."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".jsonl", ".ndjson"):
        with path.open("rb") as handle:
            lines = sum(1 for line in handle if line.strip())
        return max(0, lines - 1) if suffix == ".csv" else lines
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
