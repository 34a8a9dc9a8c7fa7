"""The committed test files are exactly what ``tests/data/make_data.py`` writes."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import load_script

DATA = Path(__file__).resolve().parent / "data"


def _generator():
    return load_script(DATA / "make_data.py")


def test_committed_corpus_matches_the_generator() -> None:
    gen = _generator()
    for folder, files in ((DATA / "bad", gen.bad_files()), (DATA / "good", gen.good_files())):
        on_disk = {p.name for p in folder.iterdir() if p.is_file()}
        assert on_disk == set(files), f"run python tests/data/make_data.py ({folder.name})"
        for name, content in files.items():
            assert (folder / name).read_bytes() == content, f"{folder.name}/{name} differs from make_data.py"


def test_windows_1258_fixture_is_decomposed() -> None:
    """The Windows-1258 file holds tone marks as combining characters, like real exports."""
    raw = (DATA / "good" / "dossiers_vi_windows1258.csv").read_bytes().decode("cp1258")
    gen = _generator()
    assert raw != gen.vi_diacritic_text()
    assert "\u0301" in raw and "\u0303" in raw  # combining acute and tilde
    import unicodedata

    assert unicodedata.normalize("NFC", raw) == gen.vi_diacritic_text()
