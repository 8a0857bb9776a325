"""``dataset.items``: upload, get, list (paged, by DQL), update, move, delete, download.

Bulk operations by filter are set-based statements; uploads are written in batches, each
batch one transaction, with binaries copied in (content-addressed) before their rows.
"""

from __future__ import annotations

import io
import itertools
import json
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from dl_jupyter import _hooks
from dl_jupyter._progress import progress as progress_bar
from dl_jupyter.dql.compile import as_query, compile_query
from dl_jupyter.dql.filters import Filters, describe_query
from dl_jupyter.dql.sqlfuncs import jsonb_value, one_of
from dl_jupyter.entities.item import Item
from dl_jupyter.enums import FiltersResource
from dl_jupyter.exceptions import BadRequestError, ConflictError, NotFoundError
from dl_jupyter.repositories import copying, downloads, rows
from dl_jupyter.repositories.base import Repository, chunks
from dl_jupyter.repositories.folders import clean_remote_path, ensure_dirs, join_remote
from dl_jupyter.repositories.permissions import Action
from dl_jupyter.repositories.uploads import UploadEntry, is_single_source, resolve
from dl_jupyter.store import item_fields, schema
from dl_jupyter.store.media import image_array
from dl_jupyter.store.sqlids import new_id_sql
from dl_jupyter.store.timeutil import new_id, now_iso

i = schema.items
f = schema.item_fields
refs = schema.item_refs
UPLOAD_BATCH = 200
PROGRESS_FROM = 6


class Items(Repository):
    """Items of one dataset (or, for ``dl.items``, lookups by id across datasets)."""

    def __init__(self, client: Any, dataset: Any = None, dataset_id: str | None = None) -> None:
        super().__init__(client)
        self.dataset_id = getattr(dataset, "id", None) or dataset_id
        self._dataset = dataset

    def _dataset_id(self) -> str:
        dataset_id = self.dataset_id or self.client.checked_out("dataset")
        if dataset_id is None:
            raise BadRequestError("No dataset: use dataset.items, or check out a dataset first")
        return dataset_id

    def _read_access(self, conn: Connection, dataset_id: str) -> None:
        project = self._project_of_dataset(conn, dataset_id)
        self.client.require(project.project_id, Action.READ, conn)

    def _refs_of(self, conn: Connection, item_ids: Sequence[str]) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {item_id: [] for item_id in item_ids}
        for row in conn.execute(
            sa.select(refs.c.item_id, refs.c.ref_type, refs.c.ref_id, refs.c.status)
            .where(one_of(refs.c.item_id, item_ids, self.dialect))
            .order_by(refs.c.ref_type.desc(), refs.c.ref_id)
        ):
            found[row.item_id].append(
                {"type": row.ref_type, "id": row.ref_id, "status": row.status}
            )
        return found

    def _status_logs(self, conn: Connection, item_ids: Sequence[str]) -> dict[str, list[dict]]:
        """``metadata.system.statusLog``: every status each item got in its tasks, oldest first."""
        log = schema.item_status_log
        found: dict[str, list[dict]] = {item_id: [] for item_id in item_ids}
        query = sa.select(log).where(one_of(log.c.item_id, item_ids, self.dialect))
        for row in conn.execute(query.order_by(log.c.created_at, log.c.id)):
            found[row.item_id].append(
                {
                    "status": row.status,
                    "action": row.operation,
                    "creator": row.creator,
                    "timestamp": row.created_at,
                    "taskId": row.task_id,
                    "assignmentId": row.assignment_id,
                }
            )
        return found

    def _entities(
        self, conn: Connection, result_rows: Sequence, in_tasks: bool = True
    ) -> list[Item]:
        """Items of these rows, with their task refs and status history (``in_tasks=False``:
        the dataset has no task, so there are none to read)."""
        if not in_tasks:
            return [rows.item(r, self.client, [], []) for r in result_rows]
        ids = [r.id for r in result_rows]
        item_refs, logs = self._refs_of(conn, ids), self._status_logs(conn, ids)
        return [rows.item(r, self.client, item_refs[r.id], logs[r.id]) for r in result_rows]

    @staticmethod
    def _has_tasks(conn: Connection, dataset_id: str) -> bool:
        """Whether any task (so any ref or status) exists on the dataset: pages of a dataset
        without tasks then skip two lookups per page."""
        t = schema.tasks
        return (
            conn.execute(sa.select(t.c.id).where(t.c.dataset_id == dataset_id).limit(1)).first()
            is not None
        )

    # -- reading -------------------------------------------------------------------------
    def get(
        self,
        filepath: str | None = None,
        item_id: str | None = None,
        fetch: Any = None,
        is_dir: bool = False,
    ) -> Item:
        """An item by remote path (in this dataset) or by id."""
        with self.store.read() as conn:
            if item_id is not None:
                row = conn.execute(sa.select(i).where(i.c.id == item_id)).first()
                missing = f"Item not found. Id: {item_id!r}"
                if (
                    row is not None
                    and self.dataset_id is not None
                    and row.dataset_id != self.dataset_id
                ):
                    row = None
            elif filepath is not None:
                path = clean_remote_path(filepath, "filepath")
                row = conn.execute(
                    sa.select(i).where(
                        i.c.dataset_id == self._dataset_id(),
                        i.c.filename == path,
                        i.c.type == ("dir" if is_dir else "file"),
                    )
                ).first()
                missing = f"Item not found. Filepath: {filepath!r}"
            else:
                raise BadRequestError("items.get needs filepath or item_id")
            if row is None:
                raise NotFoundError(missing)
            self._read_access(conn, row.dataset_id)
            return self._entities(conn, [row])[0]

    def _compiled(self, filters: Any, resource: str = "items") -> Any:
        return compile_query(as_query(filters, resource), self.dialect, self._dataset_id())

    def list(
        self,
        filters: Filters | Mapping | None = None,
        page_offset: int | None = None,
        page_size: int | None = None,
    ) -> Any:
        """Pages of the items matching ``filters`` (annotation filters list annotations)."""
        query = as_query(filters, "items")
        if query.get("resource") == FiltersResource.ANNOTATION:
            return self.client.annotations_repo(dataset_id=self._dataset_id()).list(
                filters=filters, page_offset=page_offset, page_size=page_size
            )
        compiled = compile_query(query, self.dialect, self._dataset_id())
        with self.store.read() as conn:
            self._read_access(conn, self._dataset_id())
            in_tasks = self._has_tasks(conn, self._dataset_id())

        def to_entities(conn: Connection, result_rows: Sequence) -> list[Item]:
            return self._entities(conn, result_rows, in_tasks)

        return self._paged(
            i,
            sa.and_(i.c.dataset_id == self._dataset_id(), compiled.where),
            compiled.order_by,
            to_entities,
            compiled.page if page_offset is None else page_offset,
            compiled.page_size if page_size is None else page_size,
            "items",
            describe=describe_query(query),
            to_df=self.client.frames("items"),
        )

    def get_all_items(self, filters: Filters | Mapping | None = None) -> list[Item]:
        return list(self.list(filters=filters).all())

    def count(self, filters: Filters | Mapping | None = None, annotated: bool | None = None) -> int:
        """How many items match (files that are not hidden, by default)."""
        compiled = self._compiled(filters)
        where = sa.and_(i.c.dataset_id == self._dataset_id(), compiled.where)
        if annotated is not None:
            where = sa.and_(
                where, i.c.annotations_count > 0 if annotated else i.c.annotations_count == 0
            )
        with self.store.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(i).where(where)).scalar_one()

    def open_binary(self, item: Item) -> Any:
        """The item's bytes as a file object (a blob of the store, or its linked file or URL)."""
        if item.blob:
            return self.store.blobs.open(item.blob)
        if item.link:
            import fsspec

            try:
                return fsspec.open(item.link, "rb").open()
            except (OSError, ValueError) as exc:
                raise NotFoundError(
                    f"Linked file of item {item.filename!r} is unreachable: {exc}"
                ) from None
        raise NotFoundError(f"Item {item.filename!r} has no binary")

    # -- upload --------------------------------------------------------------------------
    def upload(
        self,
        local_path: Any,
        local_annotations_path: str | None = None,
        remote_path: str = "/",
        remote_name: str | None = None,
        file_types: Iterable[str] | None = None,
        overwrite: bool = False,
        item_metadata: Any = None,
        output_entity: Any = None,
        no_output: bool = False,
        export_version: Any = None,
        item_description: str | None = None,
        link: bool = False,
    ) -> Any:
        """Upload files, folders, buffers, arrays, URLs or a DataFrame (see ``uploads``).

        Returns the item for a single file, else a list of items (None with ``no_output``).
        An existing remote path is kept unless ``overwrite=True``. ``link=True`` stores local
        files by reference instead of copying them into the store.
        """
        dataset_id = self._dataset_id()
        from_json = str(item_metadata) == "from_json"
        metadata = None if from_json else item_metadata
        if metadata is not None and not isinstance(metadata, dict):
            raise BadRequestError(f"item_metadata must be a dict, got {type(metadata).__name__}")
        entries = resolve(
            local_path,
            remote_path,
            remote_name,
            file_types,
            metadata,
            local_annotations_path,
            item_description,
            link,
        )
        with self.store.read() as conn:
            self._require_dataset_write(conn, dataset_id, Action.UPLOAD_ITEMS)
        for entry in entries:
            entry.read_info()
            if from_json and entry.annotations_path:
                entry.metadata = _metadata_from_json(entry.annotations_path)
        uploaded: list[Item] = []
        progress = progress_bar(
            total=len(entries), desc="Upload Items", show=len(entries) >= PROGRESS_FROM
        )
        try:
            for batch in chunks(entries, UPLOAD_BATCH):
                uploaded += self._upload_batch(dataset_id, batch, overwrite)
                progress.update(len(batch))
        finally:
            progress.close()
        annotations = [
            (item, e.annotations_path) for item, e in zip(uploaded, entries) if e.annotations_path
        ]
        if annotations:
            repo = self.client.annotations_repo(dataset_id=dataset_id)
            for item, path in annotations:
                repo.upload_file(item, path)
            uploaded = [self.get(item_id=item.id) for item in uploaded]
        if no_output:
            return None
        return uploaded[0] if is_single_source(local_path) else uploaded

    def _upload_batch(
        self, dataset_id: str, batch: Sequence[UploadEntry], overwrite: bool
    ) -> list[Item]:
        user = self.client.require_user()
        with self.store.read() as conn:
            existing = {
                row.filename: row
                for row in conn.execute(
                    sa.select(i).where(
                        i.c.dataset_id == dataset_id, i.c.filename.in_([e.filename for e in batch])
                    )
                )
            }
        to_write = [e for e in batch if e.filename not in existing or overwrite]
        hashes: dict[str, Any] = {}
        for entry in to_write:
            if entry.link is None:
                with entry.open() as stream:
                    hashes[entry.filename] = self.store.blobs.put_stream(stream)
        self.store.journal_blobs(b.sha256 for b in hashes.values())
        now = now_iso()
        ids: dict[str, str] = {}
        with self.store.write() as conn:
            inserts, field_rows, released = [], [], []
            for entry in to_write:
                blob = hashes.get(entry.filename)
                values = {
                    "blob": blob.sha256 if blob else None,
                    "link": entry.link,
                    "mimetype": entry.info.mimetype,
                    "width": entry.info.width,
                    "height": entry.info.height,
                    "size": blob.size if blob else entry.size,
                    "metadata": _item_metadata(entry.metadata),
                    "description": entry.description,
                }
                old = existing.get(entry.filename)
                if old is not None:
                    released.append(old.blob)
                    conn.execute(
                        i.update()
                        .where(i.c.id == old.id)
                        .values(**values, updated_by=user, updated_at=now, version=i.c.version + 1)
                    )
                    conn.execute(f.delete().where(f.c.item_id == old.id))
                    ids[entry.filename] = old.id
                else:
                    row = _new_item_row(dataset_id, entry.filename, values, user, now)
                    ids[entry.filename] = row["id"]
                    inserts.append(row)
                field_rows += _field_rows(ids[entry.filename], dataset_id, values["metadata"])
            if inserts:
                conn.execute(i.insert(), inserts)
            if field_rows:
                conn.execute(f.insert(), field_rows)
            ensure_dirs(conn, dataset_id, user, {posixpath.dirname(e.filename) for e in to_write})
            self.store.release_blobs(
                conn, [h for h in released if h and h not in {b.sha256 for b in hashes.values()}]
            )
        self.store.settle_blobs(b.sha256 for b in hashes.values())
        if any(existing.get(e.filename) is not None for e in to_write):
            self.store.collect_orphan_blobs()
        all_ids = [ids.get(e.filename) or existing[e.filename].id for e in batch]
        with self.store.read() as conn:
            found = {row.id: row for row in conn.execute(sa.select(i).where(i.c.id.in_(all_ids)))}
            return self._entities(conn, [found[item_id] for item_id in all_ids])

    def bulk_insert(self, records: Iterable[Mapping], batch_size: int = 5000) -> int:
        """Create many items at once, in one transaction, without reading any file.

        For imports and synthetic data at scale: each record has ``filename`` and optionally
        ``metadata``, ``link`` (a path or URL), ``blob`` (a hash already in the blob store),
        ``mimetype``, ``width``, ``height``, ``size`` and ``description``. A path that exists
        already is a conflict, and then nothing is written. Returns how many were created.
        """
        dataset_id = self._dataset_id()
        created = 0
        dirs: set[str] = set()
        progress = progress_bar(desc="Insert Items", unit=" items")
        with self.store.write() as conn:
            user = self._require_dataset_write(conn, dataset_id, Action.UPLOAD_ITEMS)
            now = now_iso()
            batch_records = iter(records)
            while batch := list(itertools.islice(batch_records, batch_size)):
                rows_, field_rows = [], []
                for record in batch:
                    filename = clean_remote_path(record.get("filename"), "filename")
                    values = {key: record.get(key) for key in _RECORD_COLUMNS}
                    values["metadata"] = _item_metadata(record.get("metadata"))
                    row = _new_item_row(dataset_id, filename, values, user, now)
                    rows_.append(row)
                    field_rows += _field_rows(row["id"], dataset_id, values["metadata"])
                    dirs.add(row["dir"])
                try:
                    conn.execute(i.insert(), rows_)
                except sa.exc.IntegrityError:
                    raise ConflictError(
                        "An item already exists at one of these paths: "
                        + ", ".join(r["filename"] for r in rows_[:3])
                    ) from None
                if field_rows:
                    conn.execute(f.insert(), field_rows)
                created += len(rows_)
                progress.update(len(rows_))
            ensure_dirs(conn, dataset_id, user, dirs)
        progress.close()
        return created

    # -- folders -----------------------------------------------------------------------
    def make_dir(self, directory: str, dataset: Any = None) -> Item:
        """Create a folder (and its parents); returns the folder item."""
        dataset_id = getattr(dataset, "id", None) or self._dataset_id()
        path = clean_remote_path(directory, "directory")
        if path == "/":
            raise BadRequestError("The root folder always exists")
        with self.store.write() as conn:
            user = self._require_dataset_write(conn, dataset_id, Action.UPLOAD_ITEMS)
            if conn.execute(
                sa.select(i.c.id).where(
                    i.c.dataset_id == dataset_id, i.c.filename == path, i.c.type == "file"
                )
            ).first():
                raise ConflictError(f"A file already has the path {path!r}")
            ensure_dirs(conn, dataset_id, user, [path])
        return self.client.items_repo(dataset_id=dataset_id).get(filepath=path, is_dir=True)

    def move_items(
        self, destination: str, filters: Any = None, items: Any = None, dataset: Any = None
    ) -> bool:
        """Move items (by filter or list) into the folder ``destination``, created if missing."""
        dataset_id = getattr(dataset, "id", None) or self._dataset_id()
        target = clean_remote_path(destination, "destination")
        where = self._selection(filters, items)
        with self.store.write() as conn:
            user = self._require_dataset_write(conn, dataset_id, Action.WRITE_ITEMS)
            moving = conn.execute(
                sa.select(i.c.id, i.c.name).where(
                    i.c.dataset_id == dataset_id, i.c.type == "file", where
                )
            ).all()
            new_names = {row.id: join_remote(target, row.name) for row in moving}
            _refuse_collisions(conn, dataset_id, new_names)
            for part in chunks(moving, 500):
                conn.execute(
                    i.update()
                    .where(i.c.id == sa.bindparam("item_id"))
                    .values(
                        filename=sa.bindparam("new_filename"),
                        dir=target,
                        updated_by=user,
                        updated_at=now_iso(),
                        version=i.c.version + 1,
                    ),
                    [{"item_id": row.id, "new_filename": new_names[row.id]} for row in part],
                )
            ensure_dirs(conn, dataset_id, user, [target])
        return True

    def move(self, item: Item, new_path: str) -> Item:
        """Move one item: to a folder (path ending in '/', or an existing folder) or a new name."""
        path = clean_remote_path(new_path, "new_path")
        with self.store.read() as conn:
            is_folder = (
                new_path.endswith("/")
                or conn.execute(
                    sa.select(i.c.id).where(
                        i.c.dataset_id == item.dataset_id, i.c.filename == path, i.c.type == "dir"
                    )
                ).first()
            )
        filename = join_remote(path, item.name) if is_folder else path
        with self.store.write() as conn:
            user = self._require_dataset_write(conn, item.dataset_id, Action.WRITE_ITEMS)
            _refuse_collisions(conn, item.dataset_id, {item.id: filename})
            result = conn.execute(
                i.update()
                .where(i.c.id == item.id, i.c.version == item.version)
                .values(
                    filename=filename,
                    dir=posixpath.dirname(filename),
                    name=posixpath.basename(filename),
                    updated_by=user,
                    updated_at=now_iso(),
                    version=i.c.version + 1,
                )
            )
            self._check_version(result, f"Item {item.filename!r}")
            ensure_dirs(conn, item.dataset_id, user, [posixpath.dirname(filename)])
        return item._refresh_from(self.get(item_id=item.id))

    # -- changes -------------------------------------------------------------------------
    def _selection(self, filters: Any, items: Any, item_ids: Any = None) -> ColumnElement[bool]:
        """The rows an operation applies to: a filter, a list of items, or of ids."""
        if items is not None or item_ids is not None:
            chosen = items if items is not None else item_ids
            if isinstance(chosen, (str, Item)):
                chosen = [chosen]
            if hasattr(chosen, "all") and not isinstance(chosen, list):
                chosen = list(chosen.all())
            return i.c.id.in_([getattr(x, "id", x) for x in chosen])
        if filters is None:
            raise BadRequestError("Give filters, items or item_ids")
        return self._compiled(filters).where

    def update(
        self,
        item: Item | None = None,
        filters: Any = None,
        update_values: Mapping | None = None,
        system_update_values: Mapping | None = None,
        system_metadata: bool = False,
    ) -> Any:
        """One item (after changing ``item.metadata``), or every item matching ``filters``.

        By filter, ``update_values`` go into ``metadata.user`` (a single top-level 'user' key
        is taken as that section) and ``system_update_values`` into ``metadata.system``.
        """
        if item is not None:
            return self._update_one(item, system_metadata)
        if filters is None:
            raise BadRequestError("items.update needs item, or filters with update_values")
        if not update_values and not system_update_values:
            raise BadRequestError(
                "You must provide at least ONE of the following params: "
                "update_values, system_update_values"
            )
        dataset_id = self._dataset_id()
        where = sa.and_(i.c.dataset_id == dataset_id, self._compiled(filters).where)
        with self.store.write() as conn:
            user = self._require_dataset_write(conn, dataset_id, Action.WRITE_ITEMS)
            return self._bulk_update(
                conn, dataset_id, where, user, update_values, system_update_values
            )

    def update_from_df(self, df: Any, dry_run: bool = False) -> Any:
        """Write back a frame of ``pages.to_df()`` (user metadata and descriptions), refusing
        rows changed in the store since; ``dry_run=True`` only shows what would change."""
        return _hooks.call("frames.update_items", self, df, dry_run=dry_run)

    def _bulk_update(
        self,
        conn: Connection,
        dataset_id: str,
        where: ColumnElement[bool],
        user: str,
        update_values: Mapping | None,
        system_update_values: Mapping | None,
    ) -> bool:
        values: dict[str, Any] = {
            "updated_by": user,
            "updated_at": now_iso(),
            "version": i.c.version + 1,
        }
        metadata = i.c.metadata
        user_values = dict(update_values or {})
        if set(user_values) == {"user"} and isinstance(user_values["user"], Mapping):
            user_values = dict(user_values["user"])
        for key in user_values:
            _check_key(key)
        if user_values:
            metadata = _merge_section(metadata, "user", user_values, self.dialect)
        system = dict(system_update_values or {})
        for column in rows.ITEM_SYSTEM_COLUMNS:
            if column in system:
                values[column] = system.pop(column)
        if system:
            metadata = _merge_section(metadata, "system", system, self.dialect)
        values["metadata"] = metadata
        selected = sa.select(i.c.id).where(where)
        if user_values:
            # refresh the index rows of the changed keys (the key and the keys below it), for
            # every selected item at once; the dataset and the key range bound an index range
            for key in user_values:
                conn.execute(
                    f.delete().where(
                        f.c.dataset_id == dataset_id,
                        f.c.key >= key,
                        f.c.key < key + "/",
                        sa.or_(f.c.key == key, f.c.key > key + "."),
                        f.c.item_id.in_(selected),
                    )
                )
            for key, vtype, vtext, vnum in item_fields.field_rows(user_values):
                conn.execute(
                    f.insert().from_select(
                        ["item_id", "dataset_id", "key", "vtype", "vtext", "vnum"],
                        sa.select(
                            i.c.id,
                            i.c.dataset_id,
                            sa.literal(key),
                            sa.literal(vtype),
                            sa.literal(vtext, sa.Text),
                            sa.literal(vnum, sa.Float),
                        ).where(where),
                    )
                )
        conn.execute(i.update().where(i.c.id.in_(selected)).values(**values))
        return True

    def _update_one(self, item: Item, system_metadata: bool) -> Item:
        columns, stored = rows.split_item_metadata(item.metadata)
        if not isinstance(stored.get("user", {}), dict):
            raise BadRequestError(f"metadata['user'] must be a dict, got {stored['user']!r}")
        with self.store.write() as conn:
            user = self._require_dataset_write(conn, item.dataset_id, Action.WRITE_ITEMS)
            current = self._one(
                conn, sa.select(i).where(i.c.id == item.id), f"Item not found. Id: {item.id!r}"
            )
            if not system_metadata:  # system metadata is the store's unless asked for
                _, current_stored = rows.split_item_metadata(dict(current.metadata or {}))
                stored["system"] = current_stored.get("system", {})
                columns = {c: getattr(current, c) for c in rows.ITEM_SYSTEM_COLUMNS}
            values = {
                "metadata": stored,
                "description": item.description,
                "hidden": bool(item.hidden),
                "updated_by": user,
                "updated_at": now_iso(),
                "version": i.c.version + 1,
                **columns,
            }
            if item.name != current.name:
                filename = join_remote(current.dir, item.name)
                _refuse_collisions(conn, item.dataset_id, {item.id: filename})
                values.update(name=item.name, filename=filename)
            result = conn.execute(
                i.update().where(i.c.id == item.id, i.c.version == item.version).values(**values)
            )
            self._check_version(result, f"Item {item.filename!r}")
            conn.execute(f.delete().where(f.c.item_id == item.id))
            field_rows = _field_rows(item.id, item.dataset_id, stored)
            if field_rows:
                conn.execute(f.insert(), field_rows)
        return item._refresh_from(self.get(item_id=item.id))

    def delete(
        self, filename: str | None = None, item_id: str | None = None, filters: Any = None
    ) -> bool:
        """Delete one item (by remote path or id) or every item matching ``filters``."""
        dataset_id = self._dataset_id() if (filters is not None or filename is not None) else None
        if item_id is not None:
            target = self.get(item_id=item_id)
            dataset_id = target.dataset_id
            where = i.c.id == item_id
        elif filename is not None:
            target = self.get(filepath=filename)
            where = i.c.id == target.id
        elif filters is not None:
            where = sa.and_(i.c.dataset_id == dataset_id, self._compiled(filters).where)
        else:
            raise BadRequestError("items.delete needs filename, item_id or filters")
        with self.store.write() as conn:
            self._require_dataset_write(conn, dataset_id, Action.WRITE_ITEMS)
            selected = sa.select(i.c.id).where(where)
            hashes = (
                conn.execute(sa.select(i.c.blob).where(where, i.c.blob.is_not(None)).distinct())
                .scalars()
                .all()
            )
            self.store.release_blobs(conn, hashes)
            for table, column in (
                (schema.annotations, schema.annotations.c.item_id),
                (f, f.c.item_id),
                (refs, refs.c.item_id),
            ):
                conn.execute(table.delete().where(column.in_(selected)))
            conn.execute(i.delete().where(i.c.id.in_(sa.select(selected.subquery().c.id))))
        self.store.collect_orphan_blobs()
        return True

    def update_status(
        self,
        status: str,
        items: Any = None,
        item_ids: Any = None,
        filters: Any = None,
        dataset: Any = None,
        clear: bool = False,
    ) -> bool:
        """Set (or with ``clear=True`` remove) the status of items in the tasks they belong to."""
        if items is None and item_ids is None and filters is None:
            raise BadRequestError(
                "You must provide at least ONE of the following params: items, item_ids, filters"
            )
        dataset_id = getattr(dataset, "id", None) or self._dataset_id()
        where = self._selection(filters, items, item_ids)
        with self.store.write() as conn:
            user = self.client.require(
                self._project_of_dataset(conn, dataset_id).project_id, Action.WORK_ON_TASKS, conn
            )
            selected = sa.select(i.c.id).where(i.c.dataset_id == dataset_id, where)
            in_tasks = refs.c.item_id.in_(selected) & (refs.c.ref_type == "task")
            if not conn.execute(sa.select(refs.c.item_id).where(in_tasks).limit(1)).first():
                raise BadRequestError(
                    "None of these items is in a task; statuses belong to task items"
                )
            value, now = None if clear else str(status), now_iso()
            conn.execute(
                refs.update().where(in_tasks).values(status=value, status_by=user, status_at=now)
            )
            log = schema.item_status_log  # the history behind metadata.system.statusLog
            columns = ["id", "item_id", "dataset_id", "task_id", "status", "operation", "creator"]
            history = sa.select(
                new_id_sql(self.dialect),
                refs.c.item_id,
                refs.c.dataset_id,
                refs.c.ref_id,
                sa.literal(value, sa.String),
                sa.literal("delete" if clear else "create"),
                sa.literal(user),
                sa.literal(now),
            ).where(in_tasks)
            conn.execute(log.insert().from_select([*columns, "created_at"], history))
        return True

    # -- copies --------------------------------------------------------------------------
    def clone(
        self,
        item_id: str,
        dst_dataset_id: str,
        remote_filepath: str | None = None,
        metadata: dict | None = None,
        with_annotations: bool = True,
        with_metadata: bool = True,
        with_task_annotations_status: bool = False,
        allow_many: bool = False,
        wait: bool = True,
    ) -> Item:
        """A copy of the item in ``dst_dataset_id`` sharing its binary."""
        source = self.get(item_id=item_id)
        filename = (
            clean_remote_path(remote_filepath, "remote_filepath")
            if remote_filepath
            else source.filename
        )
        with self.store.write() as conn:
            user = self._require_dataset_write(conn, dst_dataset_id, Action.UPLOAD_ITEMS)
            origin = source.src_item_id or source.id
            if (
                not allow_many
                and conn.execute(
                    sa.select(i.c.id).where(
                        i.c.dataset_id == dst_dataset_id,
                        sa.func.coalesce(i.c.src_item_id, i.c.id) == origin,
                    )
                ).first()
            ):
                raise ConflictError(
                    f"Item {source.filename!r} already has a clone in that dataset; "
                    "pass allow_many=True"
                )
            _refuse_collisions(conn, dst_dataset_id, {"": filename})
            copying.copy_items(
                conn,
                self.dialect,
                i.c.id == source.id,
                dst_dataset_id,
                user,
                copying.CopyOptions(with_metadata, with_annotations),
                filename_sql=sa.literal(filename),
            )
            ensure_dirs(conn, dst_dataset_id, user, [posixpath.dirname(filename)])
            new_id_ = conn.execute(
                sa.select(i.c.id).where(i.c.dataset_id == dst_dataset_id, i.c.filename == filename)
            ).scalar_one()
        clone = self.client.items_repo(dataset_id=dst_dataset_id).get(item_id=new_id_)
        if metadata:
            clone.metadata.setdefault("user", {}).update(metadata)
            clone = clone.update()
        return clone

    # -- downloads -----------------------------------------------------------------------
    def download_item(
        self,
        item: Item,
        local_path: str | None = None,
        save_locally: bool = True,
        to_array: bool = False,
        annotation_options: Any = None,
        overwrite: bool = False,
        to_items_folder: bool = True,
        thickness: int = 1,
        with_text: bool = False,
        annotation_filters: Any = None,
        alpha: float = 1,
    ) -> Any:
        """One item's binary as a file path, a BytesIO (``save_locally=False``) or an array."""
        if not save_locally:
            with self.open_binary(item) as stream:
                buffer = io.BytesIO(stream.read())
            buffer.name = item.name
            if to_array:
                return image_array(buffer, item.name)
            return buffer
        return downloads.download_items(
            self,
            [item],
            local_path,
            annotation_options,
            overwrite,
            to_items_folder,
            thickness,
            with_text,
            annotation_filters,
            alpha,
            single=True,
        )

    def download(
        self,
        filters: Any = None,
        items: Any = None,
        local_path: str | None = None,
        file_types: Any = None,
        save_locally: bool = True,
        to_array: bool = False,
        annotation_options: Any = None,
        annotation_filters: Any = None,
        overwrite: bool = False,
        to_items_folder: bool = True,
        thickness: int = 1,
        with_text: bool = False,
        without_relative_path: Any = None,
        avoid_unnecessary_annotation_download: bool = False,
        include_annotations_in_output: bool = True,
        export_png_files: bool = False,
        filter_output_annotations: bool = False,
        alpha: float = 1,
        export_version: Any = None,
        return_folder: bool = False,
        with_binaries: bool = True,
    ) -> Any:
        """Download items (by filter, list, or all) with their annotations in the SDK's layout."""
        if items is not None:
            chosen = [items] if isinstance(items, Item) else list(items)
        else:
            chosen = self.list(filters=filters).all()
        types = [file_types] if isinstance(file_types, str) else file_types
        if types:
            chosen = (item for item in chosen if item.mimetype in types)
        return downloads.download_items(
            self,
            chosen,
            local_path,
            annotation_options,
            overwrite,
            to_items_folder,
            thickness,
            with_text,
            annotation_filters,
            alpha,
            without_relative_path=bool(without_relative_path),
            with_binaries=with_binaries,
            return_folder=return_folder,
        )


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or not key or len(key) > item_fields.MAX_KEY:
        raise BadRequestError(
            f"A metadata key must be a non-empty string of at most "
            f"{item_fields.MAX_KEY} characters, got {key!r}"
        )


def _merge_section(
    metadata: ColumnElement, section: str, values: Mapping, dialect: str
) -> ColumnElement:
    """``metadata`` with the keys of ``values`` set in ``metadata[section]`` (a shallow merge)."""
    if dialect == "sqlite":
        args: list[Any] = []
        for key, value in values.items():
            args += [
                f'$."{section}"."{_json_key(key)}"',
                sa.func.json(json.dumps(value, allow_nan=False, default=str)),
            ]
        return sa.func.json_set(metadata, *args)
    current = sa.func.coalesce(metadata.op("->")(section), jsonb_value({}))
    return sa.func.jsonb_set(
        metadata, sa.cast([section], sa.ARRAY(sa.Text)), current.op("||")(jsonb_value(dict(values)))
    )


def _json_key(key: str) -> str:
    return key.replace("\\", "\\\\").replace('"', '\\"')


def _item_metadata(metadata: Mapping | None) -> dict:
    """The stored metadata of a new item: ``{'system': {}, 'user': {...}}``."""
    if metadata is None:
        return {"system": {}}
    metadata = dict(metadata)
    if "user" in metadata or "system" in metadata:
        stored = {
            "system": dict(metadata.get("system") or {}),
            **{k: v for k, v in metadata.items() if k != "system"},
        }
    else:  # the SDK's reference example passes user fields at the top level
        stored = {"system": {}, "user": metadata}
    try:
        json.dumps(stored, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise BadRequestError(
            f"Item metadata must be JSON (strings, numbers, booleans, lists, dicts): {exc}"
        ) from None
    return stored


_RECORD_COLUMNS = ("link", "blob", "mimetype", "width", "height", "size", "description")


def _new_item_row(dataset_id: str, filename: str, values: Mapping, user: str, now: str) -> dict:
    """The row of a new file item at ``filename`` with column ``values``."""
    return {
        **values,
        "id": new_id(),
        "dataset_id": dataset_id,
        "filename": filename,
        "dir": posixpath.dirname(filename),
        "name": posixpath.basename(filename),
        "type": "file",
        "hidden": False,
        "creator": user,
        "created_at": now,
        "updated_by": user,
        "updated_at": now,
    }


def _field_rows(item_id: str, dataset_id: str, metadata: Mapping) -> list[dict]:
    user = metadata.get("user")
    if not isinstance(user, Mapping):
        return []
    return [
        {"item_id": item_id, "dataset_id": dataset_id, "key": k, "vtype": t, "vtext": s, "vnum": n}
        for k, t, s, n in item_fields.field_rows(user)
    ]


def _refuse_collisions(conn: Connection, dataset_id: str, new_names: Mapping[str, str]) -> None:
    names = list(new_names.values())
    if len(set(names)) != len(names):
        raise ConflictError("Two items would get the same path")
    for part in chunks(names):
        taken = conn.execute(
            sa.select(i.c.id, i.c.filename).where(
                i.c.dataset_id == dataset_id, i.c.filename.in_(part)
            )
        ).all()
        clashes = [row.filename for row in taken if new_names.get(row.id) != row.filename]
        if clashes:
            raise ConflictError(f"Item already exists at {clashes[0]!r}")


def _metadata_from_json(path: str) -> dict | None:
    with open(path) as stream:
        data = json.load(stream)
    return data.get("metadata") if isinstance(data, dict) else None
