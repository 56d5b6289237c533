"""config.toml: defaults work, paths resolve, wrong keys and types are named."""

import pytest

from kiosk.core.config import load_config
from kiosk.core.errors import ConfigError


def test_shipped_config_loads_with_standalone_defaults(project_root):
    config = load_config(project_root / "config.toml")
    assert config.standalone
    assert config.kiosk.default_language == "de"
    assert config.kiosk.idle_timeout_s == 60
    assert config.content.root == project_root
    assert config.store.path == project_root / "var" / "kiosk.sqlite3"


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    (tmp_path / "etc").mkdir()
    path = tmp_path / "etc" / "k.toml"
    path.write_text('[content]\nroot = "../content"\n[store]\npath = "db/k.sqlite3"\n', encoding="utf-8")
    config = load_config(path)
    assert config.content.root.resolve() == (tmp_path / "content").resolve()
    assert config.store.path == tmp_path / "etc" / "db" / "k.sqlite3"


@pytest.mark.parametrize("text, named", [
    ('[kiosk]\nidel_timeout_s = 30\n', "[kiosk] idel_timeout_s: unknown key"),
    ('[kiosk]\nidle_timeout_s = "60"\n', "[kiosk] idle_timeout_s"),
    ('[kiosk]\ndefault_language = "fr"\n', "[kiosk] default_language: must be one of de, en, ls"),
    ('[kiosk]\nfullscreen = "yes"\n', "[kiosk] fullscreen"),
    ('[sink]\ncentral_url = ""\n', "sink: unknown key"),
    ('[kiosk\n', "TOML syntax error"),
    ('[kiosk]\nidle_timeout_s = true\n', "[kiosk] idle_timeout_s: must be a whole number, got True"),
    ('[kiosk]\nidle_timeout_s = 5\n', "[kiosk] idle_timeout_s: must be between 10 and 3600, got 5"),
    ('[kiosk]\nid = "Kiosk 1"\n', "[kiosk] id: must be lowercase letters, digits and hyphens"),
    ('[phone]\npublic_url = "ftp://x"\n', "[phone] public_url: must be a web address"),
    ('[store]\npath = 3\n', "[store] path: must be a path in quotes, got 3"),
    ('kiosk = 1\n', "kiosk: must be a section [kiosk], got 1"),
])
def test_bad_config_names_the_key(tmp_path, text, named):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert named in str(caught.value)
    assert str(path) in str(caught.value)


def test_every_problem_is_named_at_once(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[kiosk]\nidle_timeout_s = 5\nfullscreen = 1\n[sync]\ninterval_s = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).count(str(path)) == 3
