"""The content the phone pages show: the same content root as the kiosks, read once at start.

Exhibit bodies are the kiosks' Markdown subset, rendered to HTML with raw HTML switched off
(an editor's <script> shows as text) and no images or tables; links only to http(s) and
mailto (markdown-it refuses javascript: and data: addresses).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.content_loader import LoadedContent, load_content


class ContentUnavailable(RuntimeError):
    pass


@dataclass
class PhoneContent:
    content: LoadedContent

    @classmethod
    def load(cls, root: Path) -> PhoneContent:
        content = load_content(root, decode_pictures=False)
        if not content.exhibits:
            problems = "; ".join(str(problem) for problem in content.errors()[:3])
            raise ContentUnavailable(f"{root}: no exhibit could be read for the phone pages"
                                     + (f" ({problems})" if problems else "")
                                     + "; set [central] content_root to the kiosks' content folder")
        return cls(content)

    @property
    def version(self) -> str:
        return self.content.version

    @property
    def catalog(self) -> list[str]:
        return [exhibit.id for exhibit in self.content.exhibits]

    def warm_pictures(self) -> None:
        """Scale every picture for phones now (in a thread of its own at start), so that no
        visitor waits for the first scaling of one."""
        from .pictures import phone_picture, phone_picture_size

        for exhibit in self.content.exhibits:
            for media in exhibit.media:
                path = self.content.media_path(media.path)
                try:
                    phone_picture(path)
                    phone_picture_size(path)
                except OSError:
                    pass  # the page leaves its size out and the picture answers 404

    def exhibits(self):
        return sorted(self.content.exhibits, key=lambda exhibit: (exhibit.order, exhibit.id))


@functools.lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "table", "code", "fence", "html_block", "html_inline"], ignoreInvalid=True)
    md.validateLink = lambda url: url.lower().startswith(("https://", "http://", "mailto:"))
    return md


@functools.lru_cache(maxsize=512)
def body_html(markdown: str, keep_lines: bool = False) -> str:
    """An exhibit body as HTML (autoescaped text, the subset's tags only)."""
    if keep_lines:  # Leichte Sprache: each source line stays its own line
        lines = markdown.split("\n")
        markdown = "\n".join(line + "\\" if line.strip() and following.strip() else line
                             for line, following in zip(lines, [*lines[1:], ""]))
    md = _markdown()
    tokens = md.parse(markdown)
    for token in tokens:  # the page's title is its h1: the body's headings start below it
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    return md.renderer.render(tokens, md.options, {})
