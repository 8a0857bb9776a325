"""Writes import records into a dataset in batches: resumable, set-based, with a progress bar.

Each batch is one transaction holding its items (``executemany``), their metadata index
rows, their annotations (``executemany``), the recount of the touched items'
``annotations_count``, and the import's progress record. So a process killed mid-import
leaves the dataset as it was after some whole batch, never half a batch, and running the
same import again resumes after that batch: the progress record (in ``dl_settings``, keyed
by dataset, format, file and options) says how many records of each phase are in. It is
deleted when the import completes. A changed file is not resumed silently: that is a
conflict, unless ``resume=False`` starts over.

Binaries are copied into the blob store before their batch's transaction and journalled,
as ``items.upload`` does, so blobs of a batch that never committed are collected later.
An item whose remote path already exists in the dataset is reused: its annotations are
added to it, and the report says so.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from dl_jupyter._progress import progress
from dl_jupyter.exceptions import ConflictError
from dl_jupyter.formats.records import AnnotationRecord, ItemRecord
from dl_jupyter.formats.report import ImportReport
from dl_jupyter.repositories import rows
from dl_jupyter.repositories.base import Repository, chunks
from dl_jupyter.repositories.copying import recount_annotations
from dl_jupyter.repositories.folders import ensure_dirs
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import item_fields, schema
from dl_jupyter.store.blobs import StoredBlob
from dl_jupyter.store.media import MediaInfo, guess_mimetype, probe
from dl_jupyter.store.timeutil import new_id, now_iso

ITEM_BATCH = 1000
ANNOTATION_BATCH = 5000
PROGRESS_FROM = 100
JSON_COLUMNS = ("coordinates", "attributes", "metadata")

i = schema.items
a = schema.annotations
settings = schema.settings

Record = ItemRecord | AnnotationRecord


def job_key(dataset_id: str, format: str, path: str | Path, options: dict) -> str:
    """The progress key of one import: the dataset, the format, the file and the options."""
    text = json.dumps([format, str(Path(path).resolve()), options], sort_keys=True, default=str)
    return f"import/{dataset_id}/{hashlib.sha1(text.encode()).hexdigest()}"


def fingerprint(path: str | Path) -> list:
    """Size and modification time of a file, or of every file under a folder."""
    root = Path(path)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    stats = [(str(p.relative_to(root)) if p != root else "", p.stat()) for p in files]
    digest = hashlib.sha1(json.dumps([(n, s.st_size, s.st_mtime_ns) for n, s in stats]).encode())
    return [len(stats), digest.hexdigest()]


class BulkWriter(Repository):
    """Puts records into one dataset; ``write(phase, records)`` for each phase, then ``finish()``."""

    def __init__(self, dataset: Any, report: ImportReport, key: str, file_fingerprint: list,
                 resume: bool = True, link: bool = False) -> None:
        super().__init__(dataset.client)
        self.dataset_id = dataset.id
        self.report = report
        self.key = key
        self.link = link
        self._fingerprint = file_fingerprint
        self._ids: dict[str, str] = {}
        self._done: dict[str, int] = {}
        self._insert_annotation = _annotation_insert(self.dialect)
        with self.store.write() as conn:
            self.user = self._require_dataset_write(conn, self.dataset_id, Action.UPLOAD_ITEMS)
            saved = conn.execute(sa.select(settings.c.value).where(settings.c.key == key)).scalar()
            if saved is not None and resume:
                earlier = json.loads(saved)
                if earlier["fingerprint"] != file_fingerprint:
                    raise ConflictError(
                        f"An earlier import of {report.path} into this dataset was interrupted and the "
                        "file has changed since; pass resume=False to import it again from the start")
                self._done = earlier["done"]
                report.resumed = True
            self._save(conn)

    def write(self, phase: str, records: Iterable[Record], total: int | None = None,
              description: str = "Import") -> None:
        """Write ``records`` in batches, skipping those an interrupted run already wrote."""
        skip = self._done.get(phase, 0)
        done = 0
        batch: list[Record] = []
        size = 0
        bar = progress(total=total, desc=description, unit=" records",
                       show=total is None or total >= PROGRESS_FROM)
        try:
            for record in records:
                done += 1
                if done <= skip:
                    bar.update(1)
                    continue
                batch.append(record)
                size += len(record.annotations) + (ANNOTATION_BATCH // ITEM_BATCH
                                                   if isinstance(record, ItemRecord) else 0)
                if size >= ANNOTATION_BATCH:
                    self._flush(phase, batch, done)
                    bar.update(len(batch))
                    batch, size = [], 0
            self._flush(phase, batch, done)
            bar.update(len(batch))
        finally:
            bar.close()

    def finish(self) -> None:
        """The import is complete: forget its progress record."""
        with self.store.write() as conn:
            conn.execute(settings.delete().where(settings.c.key == self.key))

    def item_id(self, filename: str) -> str | None:
        """The id of the dataset's item at ``filename`` (written or found by this writer)."""
        return self._ids.get(filename)

    # -- one batch -----------------------------------------------------------------------
    def _flush(self, phase: str, batch: Sequence[Record], done: int) -> None:
        self._done[phase] = done
        item_records = [r for r in batch if isinstance(r, ItemRecord)]
        binaries = self._binaries(item_records)
        blobs = [b for b, _ in binaries.values() if b is not None]
        self.store.journal_blobs(b.sha256 for b in blobs)
        with self.store.write() as conn:
            self._require_dataset_write(conn, self.dataset_id, Action.UPLOAD_ITEMS)
            self._insert_items(conn, item_records, binaries)
            self._resolve_ids(conn, [r.filename for r in batch if r.filename not in self._ids])
            self._insert_annotations(conn, batch)
            self._save(conn)
        self.store.settle_blobs(b.sha256 for b in blobs)

    def _binaries(self, records: Sequence[ItemRecord]) -> dict[int, tuple[StoredBlob | None, MediaInfo]]:
        """Copy each record's binary into the blob store (unless linked) and read its header."""
        result = {}
        for record in records:
            blob, info = None, MediaInfo(record.mimetype or guess_mimetype(record.filename),
                                         record.width, record.height)
            if record.content is not None:
                blob = self.store.blobs.put_bytes(record.content)
            elif record.path is not None and not self.link:
                with open(record.path, "rb") as stream:
                    if record.width is None:
                        info = probe(stream, record.filename)
                    blob = self.store.blobs.put_stream(stream)
            elif record.path is not None and record.width is None:
                with open(record.path, "rb") as stream:
                    info = probe(stream, record.filename)
            result[id(record)] = (blob, info)
        return result

    def _insert_items(self, conn: Connection, records: Sequence[ItemRecord],
                      binaries: dict[int, tuple[StoredBlob | None, MediaInfo]]) -> None:
        self._resolve_ids(conn, [r.filename for r in records])
        now = now_iso()
        inserts, fields = [], []
        for record in records:
            if record.filename in self._ids:
                self.report.warn("item", "already in the dataset: annotations were added to it", record.where)
                continue
            blob, info = binaries[id(record)]
            item_id = new_id()
            self._ids[record.filename] = item_id
            metadata = {"system": {}, **record.metadata}
            inserts.append({
                "id": item_id, "dataset_id": self.dataset_id, "filename": record.filename,
                "dir": posixpath.dirname(record.filename), "name": posixpath.basename(record.filename),
                "type": "file", "hidden": False, "blob": blob.sha256 if blob else None,
                "link": _link(record, self.link), "mimetype": info.mimetype, "size": _size(record, blob),
                "width": info.width, "height": info.height, "metadata": metadata,
                "description": record.description, "creator": self.user, "created_at": now,
                "updated_by": self.user, "updated_at": now,
            })
            user = metadata.get("user")
            if isinstance(user, dict):
                fields += [{"item_id": item_id, "dataset_id": self.dataset_id, "key": k, "vtype": t,
                            "vtext": s, "vnum": n} for k, t, s, n in item_fields.field_rows(user)]
        if inserts:
            conn.execute(i.insert(), inserts)
            self.report.add("items", len(inserts))
            ensure_dirs(conn, self.dataset_id, self.user, {r["dir"] for r in inserts})
        if fields:
            conn.execute(schema.item_fields.insert(), fields)

    def _resolve_ids(self, conn: Connection, filenames: Sequence[str]) -> None:
        wanted = sorted({f for f in filenames if f not in self._ids})
        for part in chunks(wanted):
            self._ids.update(conn.execute(sa.select(i.c.filename, i.c.id).where(
                i.c.dataset_id == self.dataset_id, i.c.type == "file", i.c.filename.in_(part))).all())

    def _insert_annotations(self, conn: Connection, batch: Sequence[Record]) -> None:
        now = now_iso()
        values, touched = [], set()
        for record in batch:
            item_id = self._ids.get(record.filename)
            if item_id is None:
                for _ in record.annotations:
                    self.report.skip("annotation", f"its item {record.filename!r} is not in the dataset",
                                     record.where)
                continue
            for annotation in record.annotations:
                row = rows.annotation_values(annotation)
                for column in JSON_COLUMNS:
                    row[column] = json.dumps(row[column])
                row.update(id=annotation.id or new_id(), item_id=item_id, dataset_id=self.dataset_id,
                           creator=self.user, created_at=now, updated_by=self.user, updated_at=now,
                           version=1)
                values.append(row)
            if record.annotations:
                touched.add(item_id)
        for part in chunks(values, ANNOTATION_BATCH):
            conn.execute(self._insert_annotation, list(part))
        for part in chunks(sorted(touched)):
            recount_annotations(conn, list(part))
        if values:
            self.report.add("annotations", len(values))

    def _save(self, conn: Connection) -> None:
        value = json.dumps({"fingerprint": self._fingerprint, "done": self._done})
        if conn.execute(settings.update().where(settings.c.key == self.key).values(value=value)).rowcount == 0:
            conn.execute(settings.insert().values(key=self.key, value=value))


def _annotation_insert(dialect: str) -> sa.Insert:
    """An INSERT taking the JSON columns as already-serialised text (cast to JSONB on
    PostgreSQL), which spares the per-row JSON processing of a million-row import."""
    def param(name: str) -> Any:
        value = sa.bindparam(name, type_=sa.Text)
        return sa.cast(value, JSONB) if dialect == "postgresql" else value

    return a.insert().values({name: param(name) for name in JSON_COLUMNS})


def _link(record: ItemRecord, link: bool) -> str | None:
    if record.url is not None:
        return record.url
    if link and record.path is not None and record.content is None:
        return str(Path(record.path).resolve())
    return None


def _size(record: ItemRecord, blob: StoredBlob | None) -> int | None:
    if blob is not None:
        return blob.size
    if record.path is not None:
        return Path(record.path).stat().st_size
    return None
