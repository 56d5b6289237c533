"""Validating 500 exhibits (generated from the shipped samples) against validating one.

Target (issue 2): 500 exhibits within 1 s beyond start-up, where start-up is the
in-process cost of validating a content root with a single exhibit.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import PROJECT, best_of, report

from kiosk.core.content_loader import load_content


def make_root(base: Path, count: int) -> Path:
    """A content root with `count` exhibits cycled from the samples, sharing the shipped media."""
    root = base / f"root-{count}"
    (root / "exhibits").mkdir(parents=True)
    shutil.copytree(PROJECT / "media", root / "media")
    for name in ("events.toml", "themes.toml"):
        shutil.copy(PROJECT / name, root / name)
    samples = sorted(p for p in (PROJECT / "exhibits").iterdir() if p.is_dir())
    for i in range(count):
        sample = samples[i % len(samples)]
        new_id = f"{sample.name}-{i:04d}"
        target = root / "exhibits" / new_id
        shutil.copytree(sample, target)
        toml = target / "exhibit.toml"
        text = toml.read_text(encoding="utf-8").replace(f'id = "{sample.name}"', f'id = "{new_id}"', 1)
        toml.write_text(text, encoding="utf-8")
    return root


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        one, many = make_root(Path(tmp), 1), make_root(Path(tmp), 500)
        check = load_content(many)
        assert check.tallies["exhibits"].valid == 500, [str(p) for p in check.errors()[:5]]
        t_one = best_of(5, lambda: load_content(one))
        t_many = best_of(3, lambda: load_content(many))
        beyond = t_many - t_one
        print(f"validate: 1 exhibit {t_one * 1000:.1f} ms, 500 exhibits {t_many * 1000:.0f} ms, "
              f"{t_many / 500 * 1000:.2f} ms per exhibit")
        report("validate 500 exhibits (in process)", t_many, "s", "validate 1 exhibit", t_one,
               target="500 exhibits <= 1 s beyond start-up", ok=beyond <= 1.0)

        def cli(root):
            return lambda: subprocess.run([sys.executable, "-m", "kiosk.cli", "validate", "--content", str(root)],
                                          capture_output=True, check=True)
        c_one, c_many = best_of(3, cli(one)), best_of(3, cli(many))
        report("`kiosk validate` 500 exhibits (whole process)", c_many, "s", "`kiosk validate` 1 exhibit", c_one,
               target="<= 1 s beyond start-up", ok=c_many - c_one <= 1.0)
        return 0 if beyond <= 1.0 and c_many - c_one <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
