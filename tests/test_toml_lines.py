from kiosk.core.toml_lines import TomlLineIndex

TEXT = '''\
id = "x"          # line 1
[title]
de = "Titel"
[[polls]]
id = "a"
[polls.question]
de = """eine
lange Frage"""
[[polls.options]]
id = "o1"
[[polls.options]]
id = "o2"
[[polls]]
id = "b"
tags = [
  "x",
]
[[polls.options]]
id = "p1"
'''


def test_keys_and_tables_are_found():
    index = TomlLineIndex(TEXT)
    assert index.line_of(("id",)) == 1
    assert index.line_of(("title", "de")) == 3
    assert index.line_of(("polls", 0, "question", "de")) == 7


def test_array_of_tables_indices_reset_per_parent():
    index = TomlLineIndex(TEXT)
    assert index.line_of(("polls", 0, "options", 1, "id")) == 12
    assert index.line_of(("polls", 1, "id")) == 14
    assert index.line_of(("polls", 1, "options", 0, "id")) == 19


def test_unknown_key_falls_back_to_enclosing_table():
    index = TomlLineIndex(TEXT)
    assert index.line_of(("polls", 1, "options", 0, "label", "de")) == 18
    assert index.line_of(("nothing",)) is None
