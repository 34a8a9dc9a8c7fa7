"""XML safety: no external entity is ever read, no entity bomb expands, at both layers.

Layer 1 (what read_log does): the prolog is checked before any parser runs, and a DTD is refused.
Layer 2 (defence in depth): the lxml parser itself (the public ``read_xes_lxml``, the fallback of
``read_log`` for files that are not UTF-8) is configured not to resolve entities, not to use the
network and not to load DTDs; it is exercised on its own here on the same files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from procsimp.errors import LogReadError
from procsimp.read import read_log
from procsimp.read.xes import read_xes_lxml

BAD = Path(__file__).resolve().parent / "data" / "bad"
SECRET = (BAD / "secret.txt").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("name", ["xxe.xes", "billion_laughs.xes"])
def test_read_log_refuses_dtds_before_parsing(name: str) -> None:
    """The prolog check's own message: the file was refused before any parser saw its body."""
    with pytest.raises(LogReadError) as err:
        read_log(BAD / name, cache=False)
    message = str(err.value)
    assert message == (
        f"{BAD / name}: the file declares a DTD (<!DOCTYPE ...>), which XES never needs; procsimp refuses DTDs "
        "so that no external entity is read and no entity expansion can blow up: remove the declaration"
    )
    assert "\n" not in message and SECRET not in message


def test_dtd_in_a_gzip_file_is_refused(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "xxe.xes.gz"
    path.write_bytes(gzip.compress((BAD / "xxe.xes").read_bytes()))
    with pytest.raises(LogReadError, match="declares a DTD"):
        read_log(path, cache=False)


def test_lxml_layer_does_not_resolve_external_entities() -> None:
    with pytest.raises(LogReadError) as err:
        read_xes_lxml(BAD / "xxe.xes", "xxe.xes", "UTC")
    assert SECRET not in str(err.value)
    assert "external entity" in str(err.value)


def test_lxml_layer_does_not_expand_the_bomb() -> None:
    try:
        frame = read_xes_lxml(BAD / "billion_laughs.xes", "bomb.xes", "UTC")
    except LogReadError as err:  # libxml2 refuses the amplification
        assert "entity" in str(err).lower()
    else:
        longest = frame["concept:name"].astype(str).str.len().max()
        assert longest < 10_000_000  # 10^9 'lol's were not produced


def test_read_log_falls_back_on_the_lxml_layer_for_other_encodings(tmp_path: Path) -> None:
    """A file in another encoding than UTF-8 is read by lxml through read_log: its text is decoded,
    and an undeclared entity is refused there too (nothing is looked up)."""
    body = ('<?xml version="1.0" encoding="ISO-8859-1"?><log xmlns="http://www.xes-standard.org/"><trace>'
            '<string key="concept:name" value="c"/><event><string key="concept:name" value="Réception{}"/>'
            '<date key="time:timestamp" value="2025-01-02T08:00:00+07:00"/></event></trace></log>')
    path = tmp_path / "latin1.xes"
    path.write_bytes(body.format("").encode("latin-1"))
    assert read_log(path, cache=False).activities == ["Réception"]
    path.write_bytes(body.format(" &nbsp;").encode("latin-1"))
    with pytest.raises(LogReadError, match="nbsp") as err:
        read_log(path, cache=False)
    assert "\n" not in str(err.value)


def test_rustxes_layer_reads_entities_literally(tmp_path: Path) -> None:
    """Without a DTD an entity reference is not defined: the file is refused as not well-formed."""
    with pytest.raises(LogReadError, match=r"Entity 'nbsp' not defined"):
        read_log(BAD / "undeclared_entity.xes", cache=False)
    # the predefined and numeric references are fine
    path = tmp_path / "ok.xes"
    path.write_text(
        '<?xml version="1.0"?><log xmlns="http://www.xes-standard.org/"><trace>'
        '<string key="concept:name" value="c"/><event><string key="concept:name" value="A &amp; B &#233;"/>'
        '<date key="time:timestamp" value="2025-01-02T08:00:00+07:00"/></event></trace></log>',
        encoding="utf-8",
    )
    assert read_log(path, cache=False).activities == ["A & B é"]
