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
])
def test_bad_config_names_the_key(tmp_path, text, named):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert named in str(caught.value)
    assert str(path) in str(caught.value)
