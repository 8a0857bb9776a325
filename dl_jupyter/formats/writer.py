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
import os
import posixpath
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dl_jupyter._progress import progress
from dl_jupyter.exceptions import ConflictError
from dl_jupyter.formats.records import AnnotationRecord, ItemRecord
from dl_jupyter.formats.report import ImportReport
from dl_jupyter.repositories import rows
from dl_jupyter.repositories.annotation_inserts import insert_annotation_rows, with_json_text
from dl_jupyter.repositories.base import Repository, chunks
from dl_jupyter.repositories.copying import recount_annotations
from dl_jupyter.repositories.folders import ensure_dirs
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.store import item_fields, schema
from dl_jupyter.store.blobs import StoredBlob
from dl_jupyter.store.media import MediaInfo, guess_mimetype, probe
from dl_jupyter.store.timeutil import new_id, now_iso

ITEM_BATCH = 5000
ANNOTATION_BATCH = 50000
PROGRESS_FROM = 100

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
    """Puts records into one dataset: ``write(phase, records)`` per phase, then ``finish()``."""

    def __init__(
        self,
        dataset: Any,
        report: ImportReport,
        key: str,
        file_fingerprint: list,
        resume: bool = True,
        link: bool = False,
    ) -> None:
        super().__init__(dataset.client)
        self.dataset_id = dataset.id
        self.report = report
        self.key = key
        self.link = link
        self._fingerprint = file_fingerprint
        self._ids: dict[str, str] = {}
        self._created: set[str] = set()  # items this import made (not found in the dataset)
        self._done: dict[str, int] = {}
        with self.store.write() as conn:
            self.user = self._require_dataset_write(conn, self.dataset_id, Action.UPLOAD_ITEMS)
            # into an empty dataset, every item is new: no need to look paths up
            self._empty = (
                conn.execute(
                    sa.select(i.c.id)
                    .where(i.c.dataset_id == self.dataset_id, i.c.type == "file")
                    .limit(1)
                ).first()
                is None
            )
            saved = conn.execute(sa.select(settings.c.value).where(settings.c.key == key)).scalar()
            if saved is not None and resume:
                earlier = json.loads(saved)
                if earlier["fingerprint"] != file_fingerprint:
                    raise ConflictError(
                        f"An earlier import of {report.path} into this dataset was interrupted "
                        "and the file has changed since; pass resume=False to import it again "
                        "from the start"
                    )
                self._done = earlier["done"]
                report.resumed = True
            self._save(conn)

    def write(
        self,
        phase: str,
        records: Iterable[Record],
        total: int | None = None,
        description: str = "Import",
    ) -> None:
        """Write ``records`` in batches, skipping those an interrupted run already wrote.

        Reading and converting the records (this thread) overlaps with writing the batches
        (a writer thread: the database works without holding the GIL), one batch ahead.
        """
        skip = self._done.get(phase, 0)
        bar = progress(
            total=total,
            desc=description,
            unit=" records",
            show=total is None or total >= PROGRESS_FROM,
        )
        batches: queue.Queue = queue.Queue(maxsize=1)
        failed: list[BaseException] = []
        stop = threading.Event()

        def write_batches() -> None:
            while (job := batches.get()) is not None:
                if stop.is_set() or failed:
                    continue
                try:
                    self._flush(phase, *job)
                    bar.update(len(job[0]))
                except BaseException as exc:  # raised again in the caller's thread
                    failed.append(exc)

        writer = threading.Thread(target=write_batches, name="dl-import-writer", daemon=True)
        writer.start()
        try:
            for batch, done in self._batches(records, skip, bar):
                if failed:
                    break
                batches.put((batch, [self._rows(r) for r in batch], done))
        except BaseException:
            stop.set()
            raise
        finally:
            batches.put(None)
            writer.join()
            bar.close()
        if failed:
            raise failed[0]

    def _batches(
        self, records: Iterable[Record], skip: int, bar: Any
    ) -> Iterator[tuple[list, int]]:
        """Batches of records (about ``ANNOTATION_BATCH`` annotations, or ``ITEM_BATCH``
        items) with the count of records read so far; the first ``skip`` are passed over."""
        batch: list[Record] = []
        done = size = 0
        for record in records:
            done += 1
            if done <= skip:
                bar.update(1)
                continue
            batch.append(record)
            size += len(record.annotations)
            if isinstance(record, ItemRecord):
                size += ANNOTATION_BATCH // ITEM_BATCH
            if size >= ANNOTATION_BATCH:
                yield batch, done
                batch, size = [], 0
        yield batch, done

    @staticmethod
    def _rows(record: Record) -> list[tuple[dict, str | None]]:
        """(column values with the JSON as text, preset id) of each annotation of a record."""
        prepared = []
        for annotation in record.annotations:
            if isinstance(annotation, dict):
                row, annotation_id = annotation, None  # made for this import: used up here
            else:
                row, annotation_id = rows.annotation_values(annotation), annotation.id
            prepared.append((with_json_text(row), annotation_id))
        return prepared

    def finish(self) -> None:
        """The import is complete: forget its progress record."""
        with self.store.write() as conn:
            conn.execute(settings.delete().where(settings.c.key == self.key))

    def item_id(self, filename: str) -> str | None:
        """The id of the dataset's item at ``filename`` (written or found by this writer)."""
        return self._ids.get(filename)

    # -- one batch -----------------------------------------------------------------------
    def _flush(
        self, phase: str, batch: Sequence[Record], prepared: Sequence[list], done: int
    ) -> None:
        self._done[phase] = done
        item_records = [r for r in batch if isinstance(r, ItemRecord)]
        binaries = self._binaries(item_records)
        blobs = [b for b, _ in binaries.values() if b is not None]
        self.store.journal_blobs(b.sha256 for b in blobs)
        with self.store.write() as conn:
            self._require_dataset_write(conn, self.dataset_id, Action.UPLOAD_ITEMS)
            self._insert_items(conn, item_records, binaries)
            self._resolve_ids(conn, [r.filename for r in batch if r.filename not in self._ids])
            self._insert_annotations(conn, batch, prepared)
            self._replace_solutions(conn, [r for r in item_records if r.solutions])
            self._save(conn)
        self.store.settle_blobs(b.sha256 for b in blobs)

    def _binaries(
        self, records: Sequence[ItemRecord]
    ) -> dict[int, tuple[StoredBlob | None, MediaInfo]]:
        """Copy each record's binary into the blob store (unless linked) and read its header."""
        result = {}
        for record in records:
            blob, info = (
                None,
                MediaInfo(
                    record.mimetype or guess_mimetype(record.filename), record.width, record.height
                ),
            )
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

    def _insert_items(
        self,
        conn: Connection,
        records: Sequence[ItemRecord],
        binaries: dict[int, tuple[StoredBlob | None, MediaInfo]],
    ) -> None:
        self._resolve_ids(conn, [r.filename for r in records])
        now = now_iso()
        inserts, fields = [], []
        for record in records:
            if record.filename in self._ids:
                if record.filename not in self._created:
                    self.report.warn(
                        "item", "already in the dataset: annotations were added to it", record.where
                    )
                continue
            blob, info = binaries[id(record)]
            item_id = new_id()
            self._ids[record.filename] = item_id
            self._created.add(record.filename)
            metadata = {"system": {}, **record.metadata}
            inserts.append(
                {
                    "id": item_id,
                    "dataset_id": self.dataset_id,
                    "filename": record.filename,
                    "dir": posixpath.dirname(record.filename),
                    "name": posixpath.basename(record.filename),
                    "type": "file",
                    "hidden": False,
                    "blob": blob.sha256 if blob else None,
                    "link": _link(record, self.link),
                    "mimetype": info.mimetype,
                    "size": _size(record, blob),
                    "width": info.width,
                    "height": info.height,
                    "metadata": metadata,
                    "description": record.description,
                    "creator": self.user,
                    "created_at": now,
                    "updated_by": self.user,
                    "updated_at": now,
                }
            )
            user = metadata.get("user")
            if isinstance(user, dict):
                fields += [
                    {
                        "item_id": item_id,
                        "dataset_id": self.dataset_id,
                        "key": k,
                        "vtype": t,
                        "vtext": s,
                        "vnum": n,
                    }
                    for k, t, s, n in item_fields.field_rows(user)
                ]
        if inserts:
            conn.execute(i.insert(), inserts)
            self.report.add("items", len(inserts))
            ensure_dirs(conn, self.dataset_id, self.user, {r["dir"] for r in inserts})
        if fields:
            conn.execute(schema.item_fields.insert(), fields)

    def _resolve_ids(self, conn: Connection, filenames: Sequence[str]) -> None:
        if self._empty:
            return
        wanted = sorted({f for f in filenames if f not in self._ids})
        for part in chunks(wanted):
            self._ids.update(
                conn.execute(
                    sa.select(i.c.filename, i.c.id).where(
                        i.c.dataset_id == self.dataset_id,
                        i.c.type == "file",
                        i.c.filename.in_(part),
                    )
                ).all()
            )

    def _insert_annotations(
        self, conn: Connection, batch: Sequence[Record], prepared: Sequence[list]
    ) -> None:
        now = now_iso()
        audit = {
            "dataset_id": self.dataset_id,
            "creator": self.user,
            "created_at": now,
            "updated_by": self.user,
            "updated_at": now,
            "version": 1,
        }
        values, touched = [], set()
        for record, record_rows in zip(batch, prepared):
            item_id = self._ids.get(record.filename)
            if item_id is None:
                for _ in record_rows:
                    self.report.skip(
                        "annotation",
                        f"its item {record.filename!r} is not in the dataset",
                        record.where,
                    )
                continue
            for row, annotation_id in record_rows:
                row.update(audit, id=annotation_id or new_id(), item_id=item_id)
                values.append(row)
            if record_rows:
                touched.add(item_id)
        if values:
            insert_annotation_rows(conn, values)
            self.report.add("annotations", len(values))
        for part in chunks(sorted(touched)):
            recount_annotations(conn, list(part))

    def _replace_solutions(self, conn: Connection, records: Sequence[ItemRecord]) -> None:
        """Known and baseline solutions, as ``workflows.gold.Solutions`` keeps them."""
        if not records:
            return
        self.client.require(
            self._project_of_dataset(conn, self.dataset_id).project_id, Action.MANAGE_TASKS, conn
        )
        now = now_iso()
        solutions = schema.item_solutions
        values = []
        for record in records:
            item_id = self._ids[record.filename]
            kinds = sorted({s["kind"] for s in record.solutions})
            conn.execute(
                solutions.delete().where(
                    solutions.c.item_id == item_id, solutions.c.kind.in_(kinds)
                )
            )
            values += [
                {
                    "id": new_id(),
                    "item_id": item_id,
                    "dataset_id": self.dataset_id,
                    "creator": self.user,
                    "created_at": now,
                    **solution,
                }
                for solution in record.solutions
            ]
        conn.execute(solutions.insert(), values)
        self.report.add("solutions", len(values))

    def _save(self, conn: Connection) -> None:
        value = json.dumps({"fingerprint": self._fingerprint, "done": self._done})
        if (
            conn.execute(
                settings.update().where(settings.c.key == self.key).values(value=value)
            ).rowcount
            == 0
        ):
            conn.execute(settings.insert().values(key=self.key, value=value))


def _link(record: ItemRecord, link: bool) -> str | None:
    if record.url is not None:
        return record.url
    if link and record.path is not None and record.content is None:
        return os.path.abspath(record.path)
    return None


def _size(record: ItemRecord, blob: StoredBlob | None) -> int | None:
    if blob is not None:
        return blob.size
    if record.path is not None:
        return Path(record.path).stat().st_size
    return None
