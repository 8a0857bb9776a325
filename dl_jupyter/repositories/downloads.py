"""Downloads in the SDK's layout: ``<root>/items/<path>`` for binaries and, per annotation
option, ``<root>/json/<path>.json``, ``<root>/mask/<path>.png``, ``<root>/instance/<path>.png``,
``<root>/img_mask/<path>.png``. Paths come from remote filenames, which are already clean;
each is still checked to stay inside the root.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from dl_jupyter._progress import progress
from dl_jupyter.enums import ViewAnnotationOptions
from dl_jupyter.exceptions import BadRequestError

OPTIONS = {o.value for o in ViewAnnotationOptions}


def default_root(dataset_id: str) -> Path:
    return Path.home() / ".dataloop" / "datasets" / dataset_id


def _options(annotation_options: Any) -> list[str]:
    if annotation_options is None:
        return []
    listed = (
        [annotation_options] if isinstance(annotation_options, str) else list(annotation_options)
    )
    result = []
    for option in listed:
        value = str(getattr(option, "value", option))
        if value not in OPTIONS:
            raise BadRequestError(
                f"Unknown annotation option {option!r}; use one of {sorted(OPTIONS)}"
            )
        result.append(value)
    return result


def _inside(root: Path, relative: str) -> Path:
    target = (root / relative.lstrip("/")).resolve()
    if root.resolve() not in target.parents and target != root.resolve():
        raise BadRequestError(f"Refusing to write outside the download folder: {relative!r}")
    return target


def download_items(
    items_repo: Any,
    items: Iterable[Any],
    local_path: str | None,
    annotation_options: Any,
    overwrite: bool,
    to_items_folder: bool,
    thickness: int,
    with_text: bool,
    annotation_filters: Any,
    alpha: float,
    without_relative_path: bool = False,
    with_binaries: bool = True,
    return_folder: bool = False,
    single: bool = False,
) -> Any:
    """Write the binaries and annotation files; returns the file (single), folder, or paths."""
    options = _options(annotation_options)
    items = list(items)
    root = Path(local_path).expanduser() if local_path else default_root(items_repo._dataset_id())
    binaries = (root / "items") if to_items_folder and not single else root
    written: list[str] = []
    bar = progress(total=len(items), desc="Download Items", show=len(items) >= 6)
    for item in items:
        bar.update()
        relative = item.name if without_relative_path else item.filename
        if with_binaries:
            target = _inside(binaries, relative)
            if overwrite or not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                with items_repo.open_binary(item) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
            written.append(str(target))
        if options:
            _write_annotations(
                item,
                root,
                relative,
                options,
                overwrite,
                thickness,
                with_text,
                annotation_filters,
                alpha,
            )
    bar.close()
    if single:
        return written[0] if written else str(root)
    if return_folder:
        return str(root)
    return written


def _write_annotations(
    item: Any,
    root: Path,
    relative: str,
    options: list[str],
    overwrite: bool,
    thickness: int,
    with_text: bool,
    annotation_filters: Any,
    alpha: float,
) -> None:
    repo = item.annotations
    if annotation_filters is not None:
        collection = type(repo.list())(
            item=item, annotations=list(repo.list(filters=annotation_filters).all())
        )
    else:
        collection = repo.list()
    stem = os.path.splitext(relative)[0]
    if "json" in options:
        target = _inside(root / "json", stem + ".json")
        if overwrite or not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            data = {**item.to_json(), **collection.to_json()}
            target.write_text(json.dumps(data, indent=2, default=str))
    for option in options:
        if option in ("json", "vtt"):
            continue
        target = _inside(root / option, stem + ".png")
        if not overwrite and target.exists():
            continue
        if not item.height or not item.width:
            raise BadRequestError(
                f"Item {item.filename!r} has no image size, so it has no {option} image"
            )
        dataset = item.dataset
        collection.colors = {k: v.rgb for k, v in dataset.labels_flat_dict.items()}
        image = item.download(save_locally=False, to_array=True) if option == "img_mask" else None
        if image is not None and image.ndim == 3 and image.shape[2] == 3:
            image = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
        array = collection.show(
            image=image,
            thickness=thickness,
            with_text=with_text,
            height=item.height,
            width=item.width,
            annotation_format=option,
            label_instance_dict=dataset.instance_map,
            alpha=alpha,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.asarray(array).astype(np.uint8)).save(target)
