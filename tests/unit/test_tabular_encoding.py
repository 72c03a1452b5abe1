"""Which encoding a user's file is read in: UTF-8 (with or without BOM) first, then GBK/GB18030;
anything else is refused with the same message, whether the bytes are in memory or in a file."""

from pathlib import Path

import pytest

from pingan.errors import InvalidInput
from pingan.tabular import CHUNK, UNKNOWN_ENCODING, decode, encoding_of

TEXT = "新昌县南明街道人民路1号"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8-sig"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
    ],
)
def test_text_in_memory_and_in_a_file_is_read_alike(
    data: bytes, encoding: str, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(data)

    assert decode(data) == TEXT
    assert encoding_of(path) == encoding


def test_a_gbk_character_after_a_chunk_of_ascii_makes_the_whole_file_gbk(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(b"a" * (CHUNK + 5) + TEXT.encode("gbk"))

    assert encoding_of(path) == "gb18030"


def test_bytes_in_neither_encoding_are_refused(tmp_path: Path) -> None:
    data = b"id,text\n1," + b"\xff\xfe\xff"
    path = tmp_path / "binary.csv"
    path.write_bytes(data)

    with pytest.raises(InvalidInput, match=UNKNOWN_ENCODING):
        decode(data)
    with pytest.raises(InvalidInput, match=UNKNOWN_ENCODING):
        encoding_of(path)
