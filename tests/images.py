"""Small real image files for tests, made with Pillow."""

from __future__ import annotations

from pathlib import Path

from PIL import Image


def make_image(
    path: Path,
    size: tuple[int, int] = (64, 48),
    color: tuple[int, int, int] = (200, 30, 30),
    fmt: str | None = None,
) -> Path:
    """Write a solid-colour image of ``size`` (width, height) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format=fmt)
    return path


def make_folder(root: Path, names: list[str], size: tuple[int, int] = (64, 48)) -> Path:
    """A folder of images at the given relative names."""
    for index, name in enumerate(names):
        make_image(root / name, size, ((index * 40) % 256, 80, 160))
    return root
